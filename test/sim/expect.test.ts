import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpectation, expectationAsWritten, type ReportSnapshot } from '../../src/sim/expect';
import type { Expectation } from '../../src/sim/scenario/types';

function snapshot(over: Partial<ReportSnapshot> = {}): ReportSnapshot {
  return {
    events: [
      { id: 'e1', do: 'madvise-hwpoison', at: 1_000_000, result: { ret: 0 }, span: 1 },
      { id: 'e2', do: 'read', at: 2_000_000, result: { ret: -5, errno: 'EIO' }, span: 2 },
      { id: 'e3', do: 'write', at: 3_000_000, result: { ret: 4096 }, span: 3 },
      { id: 'e4', do: 'corrupt-pfn', at: 4_000_000, result: { ret: -117, errno: 'EUCLEAN' }, span: 4 },
    ],
    signals: [
      { event: 'e1', pid: 1001, comm: 'reader', signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr: '0x7f0000001000', lsb: 12 },
      { event: 'e1', pid: 1002, comm: 'writer', signo: 'SIGBUS', code: 'BUS_MCEERR_AO', addr: '0x7f1000001000', lsb: 12 },
      { event: 'e3', pid: 1003, comm: 'other', signo: 'SIGKILL', code: 'none' },
    ],
    dmesg: [
      'Injecting memory failure for pfn 0x240a01 at process virtual address 0x7f0000001000',
      'Memory failure: 0x240a01: Sending SIGBUS to reader:1001 due to hardware memory corruption',
      'Memory failure: 0x240a01: recovery action for dax page: Recovered',
    ],
    badblocks: { pmem0: [[42, 8]], region0: [[16426, 8], [100, 1]] },
    hwpoison: ['0x240a01'],
    filesystems: [
      { mount: '/mnt/pmem', shutdown: null },
      { mount: '/mnt/other', shutdown: 'SHUTDOWN_META_IO_ERROR|SHUTDOWN_FORCE_UMOUNT' },
    ],
    calls: { memory_failure: 1, dax_holder_notify_failure: 1 },
    ...over,
  };
}

const P = { path: '/expect/0' };
const ev = (e: Record<string, unknown>): Expectation => ({ ...P, ...e }) as Expectation;

function ok(e: Expectation, where = 'end', snap = snapshot()): void {
  const r = evaluateExpectation(e, snap, where);
  assert.equal(r.ok, true, `expected to hold, detail: ${r.detail}`);
  assert.equal(r.detail, '');
  assert.equal(r.where, where);
}

function fails(e: Expectation, where = 'end', snap = snapshot()): string {
  const r = evaluateExpectation(e, snap, where);
  assert.equal(r.ok, false, `expected to fail: ${JSON.stringify(e)}`);
  assert.notEqual(r.detail, '');
  assert.equal(r.where, where);
  return r.detail;
}

// ---------------------------------------------------------------- signal

test('signal: matches every field given, addr numerically', () => {
  ok(ev({ signal: { pid: 1001 } }));
  ok(ev({ signal: { pid: 1001, signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr: 0x7f0000001000, lsb: 12 } }));
  ok(ev({ signal: { pid: 1002, code: 'BUS_MCEERR_AO', addr: 0x7f1000001000 } }));
  ok(ev({ signal: { pid: 1003, signo: 'SIGKILL' } }));
});

test('signal: signo defaults to SIGBUS', () => {
  const d = fails(ev({ signal: { pid: 1003 } }));
  assert.match(d, /expected SIGBUS to pid 1003/);
  assert.match(d, /pid 1003 got: SIGKILL \(event e3\)/);
});

test('signal: wrong code names what the pid got', () => {
  const d = fails(ev({ signal: { pid: 1002, signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr: 0x7f1000001000, lsb: 12 } }));
  assert.equal(
    d,
    'expected SIGBUS BUS_MCEERR_AR to pid 1002 at 0x7f1000001000 lsb 12; pid 1002 got: SIGBUS BUS_MCEERR_AO at 0x7f1000001000 lsb 12 (event e1)',
  );
});

test('signal: wrong addr and lsb fail', () => {
  assert.match(fails(ev({ signal: { pid: 1001, addr: 0x7f0000002000 } })), /at 0x7f0000002000;.*got: .*at 0x7f0000001000/);
  assert.match(fails(ev({ signal: { pid: 1001, lsb: 21 } })), /lsb 21;.*lsb 12/);
  assert.match(fails(ev({ signal: { pid: 1001, code: 'none' } })), /expected SIGBUS \(no code\) to pid 1001/);
});

test('signal: no signal to the pid, with what was sent instead', () => {
  const d = fails(ev({ signal: { pid: 1000 } }));
  assert.match(d, /^expected SIGBUS to pid 1000; no signal to pid 1000/);
  assert.match(d, /SIGBUS BUS_MCEERR_AR to pid 1001 at 0x7f0000001000 lsb 12 \(event e1\)/);
  const none = fails(ev({ signal: { pid: 1000 } }), 'end', snapshot({ signals: [] }));
  assert.equal(none, 'expected SIGBUS to pid 1000; no signal to pid 1000');
});

test('signal: per-event expectations see only that event', () => {
  ok(ev({ signal: { pid: 1001 } }), 'e1');
  const d = fails(ev({ signal: { pid: 1001 } }), 'e2');
  assert.match(d, /expected SIGBUS to pid 1001 in event e2; no signal to pid 1001 in event e2/);
  assert.match(d, /in other events it got: SIGBUS BUS_MCEERR_AR at 0x7f0000001000 lsb 12 \(event e1\)/);
});

test('noSignal: holds when nothing went to the pid, scoped per event', () => {
  ok(ev({ noSignal: { pid: 1000 } }));
  ok(ev({ noSignal: { pid: 1001 } }), 'e2');
  const d = fails(ev({ noSignal: { pid: 1001 } }));
  assert.equal(d, 'expected no signal to pid 1001; pid 1001 got: SIGBUS BUS_MCEERR_AR at 0x7f0000001000 lsb 12 (event e1)');
  assert.match(fails(ev({ noSignal: { pid: 1003 } }), 'e3'), /in event e3; pid 1003 got: SIGKILL \(event e3\)/);
});

// ---------------------------------------------------------------- result

test('result: errno, bytes, ret', () => {
  ok(ev({ result: { event: 'e2', errno: 'EIO' } }));
  ok(ev({ result: { event: 'e2', ret: -5 } }));
  ok(ev({ result: { event: 'e3', bytes: 4096 } }));
  ok(ev({ result: { event: 'e1', ret: 0 } }));
  ok(ev({ result: { event: 'e1', bytes: 0 } }));
  // EFSCORRUPTED is EUCLEAN
  ok(ev({ result: { event: 'e4', errno: 'EFSCORRUPTED' } }));
  ok(ev({ result: { event: 'e4', errno: 'EUCLEAN' } }));
});

test('result: failures say what the event returned', () => {
  assert.equal(
    fails(ev({ result: { event: 'e2', bytes: 4096 } })),
    'expected e2 to return 4096 bytes; e2 (read) failed with EIO (-5)',
  );
  assert.equal(fails(ev({ result: { event: 'e3', errno: 'EIO' } })), 'expected e3 to fail with EIO; e3 (write) returned 4096');
  assert.match(fails(ev({ result: { event: 'e2', errno: 'ENXIO' } })), /fail with ENXIO; e2 \(read\) failed with EIO \(-5\)/);
  assert.match(fails(ev({ result: { event: 'e3', ret: 0 } })), /return 0; e3 \(write\) returned 4096/);
  // bytes is only a non-negative ret
  assert.match(fails(ev({ result: { event: 'e2', bytes: -5 } })), /failed with EIO/);
});

test('result: an event that has not run', () => {
  const d = fails(ev({ result: { event: 'e9', errno: 'EIO' } }), 'e2');
  assert.match(d, /e9 has not run \(events so far: e1, e2, e3, e4\)/);
});

// ---------------------------------------------------------------- badblocks

test('badblocks: exact list, missing device = empty', () => {
  ok(ev({ badblocks: { device: 'pmem0', ranges: [[42, 8]] } }));
  ok(ev({ badblocks: { device: 'region0', ranges: [[100, 1], [16426, 8]] } }), 'end'); // order does not matter
  ok(ev({ badblocks: { device: 'pmem1', ranges: [] } }));
  ok(ev({ badblocks: { device: 'pmem0', ranges: [] } }), 'end', snapshot({ badblocks: { pmem0: [] } }));
});

test('badblocks: failures list what the device has', () => {
  assert.equal(
    fails(ev({ badblocks: { device: 'pmem0', ranges: [[40, 8]] } })),
    'expected badblocks of pmem0 to be [40, 8]; it has [42, 8]',
  );
  assert.match(fails(ev({ badblocks: { device: 'pmem0', ranges: [] } })), /to be empty; it has \[42, 8\]/);
  // not merged: two halves are not the whole
  assert.match(fails(ev({ badblocks: { device: 'pmem0', ranges: [[42, 4], [46, 4]] } })), /it has \[42, 8\]/);
  const d = fails(ev({ badblocks: { device: 'pmem1', ranges: [[0, 1]] } }));
  assert.match(d, /pmem1 has none \(badblocks recorded on: pmem0, region0\)/);
});

// ---------------------------------------------------------------- dmesg

test('dmesg: contains / notContains', () => {
  ok(ev({ dmesg: { contains: 'recovery action for dax page: Recovered' } }));
  ok(ev({ dmesg: { notContains: 'Sending SIGBUS to writer' } }));
  ok(ev({ dmesg: { contains: 'Injecting memory failure', notContains: 'Failed' } }));
});

test('dmesg: failures quote the log', () => {
  const d = fails(ev({ dmesg: { contains: 'recovery action for dax page: Failed' } }));
  assert.match(d, /expected a dmesg line containing "recovery action for dax page: Failed"; no line does/);
  assert.match(d, /dmesg \(3 lines\): .*"Memory failure: 0x240a01: recovery action for dax page: Recovered"/);
  assert.match(fails(ev({ dmesg: { contains: 'x' } }), 'end', snapshot({ dmesg: [] })), /dmesg is empty/);
  const n = fails(ev({ dmesg: { notContains: 'Sending SIGBUS to reader' } }));
  assert.equal(
    n,
    'expected no dmesg line containing "Sending SIGBUS to reader"; found it in: "Memory failure: 0x240a01: Sending SIGBUS to reader:1001 due to hardware memory corruption"',
  );
  assert.match(fails(ev({ dmesg: { notContains: 'Memory failure' } })), /found 2 lines, first:/);
});

// ---------------------------------------------------------------- fs

test('fs: shutdown none and flags', () => {
  ok(ev({ fs: { mount: '/mnt/pmem', shutdown: 'none' } }));
  ok(ev({ fs: { mount: '/mnt/pmem/', shutdown: 'none' } }));
  ok(ev({ fs: { mount: '/mnt/other', shutdown: 'SHUTDOWN_META_IO_ERROR' } }));
  ok(ev({ fs: { mount: '/mnt/other', shutdown: 'SHUTDOWN_FORCE_UMOUNT' } }));
});

test('fs: failures say whether it is up and with which flags it went down', () => {
  assert.equal(
    fails(ev({ fs: { mount: '/mnt/pmem', shutdown: 'SHUTDOWN_CORRUPT_ONDISK' } })),
    'expected /mnt/pmem to be shut down with SHUTDOWN_CORRUPT_ONDISK; it is up (shutdown: none)',
  );
  assert.equal(
    fails(ev({ fs: { mount: '/mnt/other', shutdown: 'none' } })),
    'expected /mnt/other to be up (shutdown: none); it was shut down with SHUTDOWN_META_IO_ERROR|SHUTDOWN_FORCE_UMOUNT',
  );
  assert.match(
    fails(ev({ fs: { mount: '/mnt/other', shutdown: 'SHUTDOWN_CORRUPT_ONDISK' } })),
    /it was shut down with SHUTDOWN_META_IO_ERROR\|SHUTDOWN_FORCE_UMOUNT/,
  );
  assert.match(
    fails(ev({ fs: { mount: '/mnt/nope', shutdown: 'none' } })),
    /no filesystem is mounted at \/mnt\/nope \(mounts: \/mnt\/pmem, \/mnt\/other\)/,
  );
});

// ---------------------------------------------------------------- calls

test('calls: exact count, missing = 0', () => {
  ok(ev({ calls: { symbol: 'memory_failure', count: 1 } }));
  ok(ev({ calls: { symbol: 'kill_dax', count: 0 } }));
  assert.equal(
    fails(ev({ calls: { symbol: 'memory_failure', count: 512 } })),
    'expected memory_failure to be called 512 times; it was called once',
  );
  assert.equal(
    fails(ev({ calls: { symbol: 'kill_dax', count: 1 } })),
    'expected kill_dax to be called once; it was not called',
  );
  assert.equal(
    fails(ev({ calls: { symbol: 'memory_failure', count: 0 } })),
    'expected memory_failure not to be called; it was called once',
  );
});

// ---------------------------------------------------------------- hwpoison

test('hwpoison: membership, pfn compared numerically', () => {
  ok(ev({ hwpoison: { pfn: 0x240a01, set: true } }));
  ok(ev({ hwpoison: { pfn: 0x240a02, set: false } }));
  ok(ev({ hwpoison: { pfn: 0x240a01, set: true } }), 'end', snapshot({ hwpoison: ['0x240A01'] }));
  assert.equal(
    fails(ev({ hwpoison: { pfn: 0x240a02, set: true } })),
    'expected PageHWPoison set on pfn 0x240a02; it is clear (pfns with PageHWPoison: 0x240a01)',
  );
  assert.equal(
    fails(ev({ hwpoison: { pfn: 0x240a01, set: false } })),
    'expected PageHWPoison clear on pfn 0x240a01; it is set',
  );
  assert.match(fails(ev({ hwpoison: { pfn: 1, set: true } }), 'end', snapshot({ hwpoison: [] })), /no pfn has it/);
});

// ---------------------------------------------------------------- the result record

test('expect is the expectation as written, without path, addresses in hex', () => {
  const r = evaluateExpectation(
    ev({ signal: { pid: 1001, code: 'BUS_MCEERR_AR', addr: 0x7f0000001000 } }),
    snapshot(),
    'e1',
  );
  assert.deepEqual(r, {
    where: 'e1',
    expect: { signal: { pid: 1001, code: 'BUS_MCEERR_AR', addr: '0x7f0000001000' } },
    ok: true,
    detail: '',
  });
  assert.deepEqual(expectationAsWritten(ev({ hwpoison: { pfn: 0x240a01, set: true } })), {
    hwpoison: { pfn: '0x240a01', set: true },
  });
  assert.deepEqual(expectationAsWritten(ev({ badblocks: { device: 'pmem0', ranges: [[42, 8]] } })), {
    badblocks: { device: 'pmem0', ranges: [[42, 8]] },
  });
  assert.equal('path' in (r.expect as object), false);
});

test('long lists are cut short', () => {
  const signals = Array.from({ length: 10 }, (_, i) => ({
    event: 'e1',
    pid: 1001,
    comm: 'reader',
    signo: 'SIGBUS' as const,
    code: 'BUS_MCEERR_AO' as const,
    addr: '0x' + (0x7f0000000000 + i * 4096).toString(16),
    lsb: 12,
  }));
  const d = fails(ev({ signal: { pid: 1001, code: 'BUS_MCEERR_AR' } }), 'end', snapshot({ signals }));
  assert.match(d, /and 4 more$/);
});
