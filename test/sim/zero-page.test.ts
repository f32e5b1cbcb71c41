// The kernel's zero page, which a read fault on a hole in a DAX file maps
// (fs/dax.c dax_load_hole: my_zero_pfn), seen through madvise: soft_offline_page
// and memory_failure on a reserved System RAM page (mm/memory-failure.c:
// get_any_page, identify_page_state → me_kernel, kill_accessing_process).
// Recorded on 6.12.117: oracle/recorded/dax-hole-zero-page, random/0048.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { ZERO_PFN } from '../../src/sim/mm/types';
import { fsdaxHead } from './helpers';

const scenario = (events: string, version = '') => `
${fsdaxHead({ name: 'zero page', kernel: version && `version: "${version}"` })}
files:
  - { path: /mnt/pmem/data, size: 16KiB, fill: 0x61 }
processes:
  - pid: 100
    comm: reader
    mappings:
      - { id: m0, file: /mnt/pmem/data, prot: r, populate: true }
  - pid: 101
    comm: writer
    mappings:
      - { id: m0, file: /mnt/pmem/data, populate: true }
events:
  - { do: punch-hole, process: 101, file: /mnt/pmem/data, offset: 4096, length: 4096 }
  - { do: load, process: 100, addr: 0x7f0000001000 }
${events}
`;

const run = (events: string, version = '') => runScenario(loadScenario(scenario(events, version), 'zero.poison.yaml'));
const soft = '  - { do: madvise-soft-offline, process: 100, addr: 0x7f0000001000, length: 4096 }';
const hw = '  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000001000, length: 4096 }';
const z = `0x${ZERO_PFN.toString(16)}`;

test('zero page: soft offline of a hole read through a mapping is an unhandlable page (EIO)', () => {
  const r = run(soft);
  assert.deepEqual(r.events[2]!.result, { ret: -5, errno: 'EIO' });
  assert.deepEqual(r.dmesg.slice(-2), [`Soft offlining pfn ${z} at process virtual address 0x7f0000001000`, `Memory failure: ${z}: unhandlable page.`]);
  assert.equal(r.calls.soft_offline_page, 1);
});

test('zero page: MADV_HWPOISON marks it and leaves it (reserved kernel page: Ignored, EBUSY); then soft offline says already poisoned', () => {
  const r = run([hw, soft].join('\n'));
  assert.deepEqual(r.events[2]!.result, { ret: -16, errno: 'EBUSY' });
  assert.deepEqual(r.signals, []);
  assert.ok(r.hwpoison.includes(z));
  assert.ok([...r.dmesg].includes(`Memory failure: ${z}: recovery action for reserved kernel page: Ignored`));
  assert.deepEqual(r.events[3]!.result, { ret: 0 });
  assert.equal(r.dmesg.at(-1), `Soft offline: ${z}: page already poisoned`);
});

test('zero page: a second MADV_HWPOISON finds it poisoned and kill_accessing_process signals the caller at its entry', () => {
  const r = run([hw, hw].join('\n'));
  assert.deepEqual(r.events[3]!.result, { ret: -133, errno: 'EHWPOISON' });
  assert.deepEqual(
    r.signals.map((s) => [s.event, s.pid, s.code, s.addr, s.lsb]),
    [['e4', 100, 'BUS_MCEERR_AR', '0x7f0000001000', 12]],
  );
  assert.equal(r.dmesg.at(-1), `Memory failure: ${z}: recovery action for already poisoned page: Failed`);
});

test('zero page: a write fault replaces it, and the reader then maps the new pmem page', () => {
  const r = run(['  - { do: store, process: 101, addr: 0x7f0000001000 }', '  - { do: load, process: 100, addr: 0x7f0000001000 }', hw].join('\n'));
  assert.deepEqual(r.events[4]!.result, { ret: 0 });
  assert.ok(r.dmesg.at(-1)!.endsWith('recovery action for dax page: Recovered'), [...r.dmesg].join('\n'));
  assert.ok(![...r.dmesg].some((l) => l.includes(z)));
});

test('zero page at 6.1: "already hardware poisoned", no MF_ACTION_REQUIRED from madvise, so EHWPOISON and no signal', () => {
  const r = run([hw, hw, soft].join('\n'), '6.1');
  assert.deepEqual(r.events[2]!.result, { ret: -16, errno: 'EBUSY' });
  assert.deepEqual(r.events[3]!.result, { ret: -133, errno: 'EHWPOISON' });
  assert.deepEqual(r.signals, []);
  assert.ok([...r.dmesg].includes(`Memory failure: ${z}: already hardware poisoned`));
  assert.equal(r.dmesg.at(-1), `soft_offline_page: ${z} page already poisoned`);
});
