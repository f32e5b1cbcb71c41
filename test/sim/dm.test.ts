// device-mapper: the sector translations of dm-linear and dm-striped (both
// ways), the DAX passthrough and its clamping at chunk and target ends,
// dm's NULL holder below it, tables that offer no DAX, and the core's
// property tests over a dm-striped machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session, runScenario } from '../../src/sim/run';
import { buildMachine } from '../../src/sim/machine';
import { InputError, ScenarioErrors } from '../../src/sim/errors';
import { stripeMapSector, stripeUnmapSector } from '../../src/sim/md/dm-stripe';
import { linearDaxPgoff, linearMapSector } from '../../src/sim/md/dm-linear';
import { dmMapSector, dmSpaRanges, maxIoLen, dmTableFindTarget, type MappedDevice } from '../../src/sim/md/dm';
import { daxDirectAccess } from '../../src/sim/dax/super';
import type { Scenario } from '../../src/sim/scenario/types';
import { runPrefix } from './helpers';

const stripe = (begin: number, chunk: number, n: number) => ({ begin, chunk, stripes: Array.from({ length: n }, () => ({})) as never[] });

test('stripe_map_sector: chunks go round-robin, the quotient is the chunk on the device', () => {
  const ti = stripe(0, 256, 2);
  assert.deepEqual(stripeMapSector(ti, 0), { stripe: 0, result: 0 });
  assert.deepEqual(stripeMapSector(ti, 255), { stripe: 0, result: 255 });
  assert.deepEqual(stripeMapSector(ti, 256), { stripe: 1, result: 0 });
  assert.deepEqual(stripeMapSector(ti, 512 + 7), { stripe: 0, result: 256 + 7 });
  // a target that begins later counts from its own start (dm_target_offset)
  assert.deepEqual(stripeMapSector(stripe(1000, 8, 3), 1000 + 8 * 4 + 3), { stripe: 1, result: 8 + 3 });
  // three stripes and a chunk that is not a power of two (sector_div paths)
  assert.deepEqual(stripeMapSector(stripe(0, 24, 3), 24 * 7 + 5), { stripe: 1, result: 24 * 2 + 5 });
});

test('stripe_map_sector and its inverse agree both ways', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1 << 24 }), (begin, chunkPages, n, off) => {
      const ti = stripe(begin, chunkPages * 8, n);
      const { stripe: s, result } = stripeMapSector(ti, begin + off);
      assert.ok(s >= 0 && s < n);
      assert.equal(stripeUnmapSector(ti, s, result), begin + off);
    }),
    { numRuns: 500 },
  );
});

test('dm-linear: linear_map_sector and linear_dax_pgoff', () => {
  const ti = { type: 'linear' as const, begin: 2048, len: 4096, start: 100, dev: null as never };
  assert.equal(linearMapSector(ti, 2048), 100);
  assert.equal(linearMapSector(ti, 2048 + 17), 117);
  // pgoff 256 is dm sector 2048 → device sector 100 → device page 12 (sector 96..103)
  assert.equal(linearDaxPgoff(ti, 256), 12);
});

const TWO = `
version: 1
name: dm translations
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 1GiB }
    - { id: region1, spa: 0x280000000, size: 1GiB }
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 }
    - { id: namespace1.0, region: region1, mode: fsdax, device: pmem1 }
  dm:
    - id: dm-0
      table:
        - { start: 0, length: 8192, target: linear, device: pmem1, offset: 4096 }
        - { start: 8192, length: 1048576, target: striped, chunk: 64, devices: [pmem0, pmem1], offsets: [0, 1048576] }
`;

function machineOf(text: string) {
  const s = loadScenario(text, 'dm.poison.yaml');
  return buildMachine(s);
}

test('the dm bdev maps every sector to the SPA its table says', () => {
  const m = machineOf(TWO);
  const md = m.dm('dm-0')!;
  const p0 = m.pmem('pmem0')!;
  const p1 = m.pmem('pmem1')!;
  const expectSpa = (sector: number): number => {
    if (sector < 8192) return p1.dataStart + (4096 + sector) * 512;
    const { stripe: st, result } = stripeMapSector(stripe(8192, 64, 2), sector);
    return st === 0 ? p0.dataStart + result * 512 : p1.dataStart + (1048576 + result) * 512;
  };
  for (const sector of [0, 1, 8191, 8192, 8192 + 63, 8192 + 64, 8192 + 129, 8192 + 1048575]) {
    assert.equal(dmSpaRanges(md, sector * 512, 1)[0]![0], expectSpa(sector), `sector ${sector}`);
    assert.equal(m.bdev('dm-0')!.spaRanges(sector * 512 + 100, 1)[0]![0], expectSpa(sector) + 100);
  }
  // a range is split where the table splits it: at the line boundary and at every chunk
  const r = dmSpaRanges(md, (8192 - 8) * 512, (8 + 64 + 64) * 512);
  assert.deepEqual(r, [
    [expectSpa(8184), 8 * 512],
    [expectSpa(8192), 64 * 512],
    [expectSpa(8256), 64 * 512],
  ]);
  assert.equal(dmTableFindTarget(md, 8192 + 1048576), undefined);
  assert.equal(dmMapSector(md, 8192 + 1048576), undefined);
});

test('dm_dax_direct_access clamps to the chunk and the target, and hands back the pfn of the device page', () => {
  const m = machineOf(TWO);
  const md = m.dm('dm-0')!;
  const k = m.k;
  // page 1024 is dm sector 8192, the first of the striped line; a chunk is 8 pages
  const r = daxDirectAccess(k, md.dax, 1024 + 3, 100, 'DAX_ACCESS');
  assert.equal(r.ret, 5);
  assert.equal(r.pfn * 4096, m.bdev('dm-0')!.spaRanges((1024 + 3) * 4096, 1)[0]![0]);
  // the last page of the linear line stops at the target end
  const l = daxDirectAccess(k, md.dax, 1023, 100, 'DAX_ACCESS');
  assert.equal(l.ret, 1);
  assert.equal(maxIoLen(dmTableFindTarget(md, 8192 + 70)!, 8192 + 70), 58);
  // beyond the table: -EIO
  assert.equal(daxDirectAccess(k, md.dax, (8192 + 1048576) / 8, 1, 'DAX_ACCESS').ret, -5);
});

test('dm claims no holder below it; a filesystem on dm holds the dm dax device', () => {
  const m = machineOf(TWO + 'filesystems:\n  - { device: dm-0, type: xfs, mount: /mnt/dm }\n');
  assert.equal(m.pmem('pmem0')!.dax.holderData, null);
  assert.equal(m.pmem('pmem1')!.dax.holderData, null);
  const md: MappedDevice = m.dm('dm-0')!;
  assert.equal(md.daxCapable, true);
  assert.equal(md.dax.holderOps?.name, 'xfs_dax_holder_operations');
  assert.equal(m.k.superblocks[0]!.daxDev, md.dax);
});

test('a table over a raw namespace offers no DAX: XFS on it uses the page cache', () => {
  const text = TWO.replace('{ id: namespace1.0, region: region1, mode: fsdax, device: pmem1 }', '{ id: namespace1.0, region: region1, mode: raw, device: pmem1 }') + 'filesystems:\n  - { device: dm-0, type: xfs, mount: /mnt/dm }\n';
  const m = machineOf(text);
  const md = m.dm('dm-0')!;
  assert.equal(md.daxCapable, false);
  assert.equal(m.bdev('dm-0')!.dax, null);
  assert.equal(m.k.superblocks[0]!.dax, false);
});

test('dm table errors name the field, and nothing runs', () => {
  const cases: [string, string, string][] = [
    ['{ start: 0, length: 8192, target: linear, device: pmem1, offset: 4096 }\n        - { start: 8200, length: 8, target: linear, device: pmem0 }', '/platform/dm/0/table/1/start', 'leaves a gap'],
    ['{ start: 0, length: 8192, target: linear, device: pmem1, offset: 4096 }\n        - { start: 8000, length: 8, target: linear, device: pmem0 }', '/platform/dm/0/table/1/start', 'overlaps'],
    ['{ start: 0, length: 8192, target: linear, device: pmem1, offset: 2060000 }', '/platform/dm/0/table/0/device', 'has 2060288 sectors'],
    ['{ start: 0, length: 8192, target: striped, chunk: 12, devices: [pmem0, pmem1] }', '/platform/dm/0/table/0/chunk', 'multiple of 8'],
    ['{ start: 0, length: 8190, target: striped, chunk: 8, devices: [pmem0, pmem1] }', '/platform/dm/0/table/0/length', 'whole number of chunks'],
    ['{ start: 0, length: 8, target: linear, device: pmem9 }', '/platform/dm/0/table/0/device', 'is not a block device'],
  ];
  for (const [line, path, says] of cases) {
    const text = TWO.replace(/table:\n[\s\S]*$/, `table:\n        - ${line}\n`);
    try {
      loadScenario(text, 'bad.poison.yaml');
      assert.fail(`accepted: ${line}`);
    } catch (err) {
      assert.ok(err instanceof ScenarioErrors, String(err));
      const d = err.diagnostics.find((x) => x.path === path);
      assert.ok(d, `${path} not reported for ${line}: ${err.diagnostics.map((x) => `${x.path} ${x.message}`).join('; ')}`);
      assert.match(d.message, new RegExp(says));
    }
  }
});

test('an event on a dm sector beyond the table is refused and changes nothing', () => {
  // the loader refuses it in a file; a hand-made event (the extension's) reaches the machine
  assert.throws(() => loadScenario(TWO + 'events:\n  - { do: media-error, device: dm-0, sector: 5000000 }\n', 'dm.poison.yaml'), ScenarioErrors);
  const s = loadScenario(TWO + 'events:\n  - { do: media-error, device: dm-0, sector: 0 }\n', 'dm.poison.yaml');
  const session = new Session(s);
  const before = JSON.stringify(session.report);
  const bad = structuredClone(s.events[0]!) as unknown as { target: { sector: number } };
  bad.target.sector = 5000000;
  assert.throws(() => session.step(bad as never), (e: unknown) => e instanceof InputError && /sector 5000000 is beyond dm-0/.test(e.message));
  assert.equal(JSON.stringify(session.report), before);
});

// ---- the core's property tests over a dm-striped machine --------------------

const BASE = `
version: 1
name: dm property base
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 1GiB }
    - { id: region1, spa: 0x280000000, size: 1GiB, ars: false }
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 }
    - { id: namespace1.0, region: region1, mode: fsdax, device: pmem1 }
  dm:
    - id: dm-0
      table:
        - { start: 0, length: 2097152, target: striped, chunk: 16, devices: [pmem0, pmem1] }
filesystems:
  - { device: dm-0, type: xfs, mount: /mnt/dm, reflink: false }
files:
  - { path: /mnt/dm/a, size: 64KiB }
  - { path: /mnt/dm/c, size: 32KiB }
processes:
  - pid: 100
    mceKill: early
    mappings: [ { id: m0, file: /mnt/dm/a, addr: 0x7f0000000000, populate: true } ]
  - pid: 101
    mappings: [ { id: m0, file: /mnt/dm/a, addr: 0x7f0000000000, populate: true } ]
  - pid: 102
    mappings: [ { id: m0, file: /mnt/dm/c, addr: 0x7f0000000000, populate: true } ]
`;
const FILES: Record<string, number> = { '/mnt/dm/a': 65536, '/mnt/dm/c': 32768 };
const MAPS: Record<number, { addr: number; len: number }> = { 100: { addr: 0x7f0000000000, len: 65536 }, 101: { addr: 0x7f0000000000, len: 65536 }, 102: { addr: 0x7f0000000000, len: 32768 } };
const pid = fc.constantFrom(100, 101, 102);
const file = fc.constantFrom(...Object.keys(FILES));
const page = fc.integer({ min: 0, max: 15 });
const eventArb = fc.oneof(
  fc.record({ do: fc.constant('media-error'), file, page }).map((e) => `{ do: media-error, file: ${e.file}, offset: ${Math.min(e.page, FILES[e.file]! / 4096 - 1) * 4096 + 64} }`),
  fc.record({ ns: fc.constantFrom('namespace0.0', 'namespace1.0'), block: fc.integer({ min: 0, max: 40000 }), count: fc.integer({ min: 1, max: 16 }) }).map((e) => `{ do: inject-error, namespace: ${e.ns}, block: ${e.block}, count: ${e.count} }`),
  fc.record({ p: pid, page }).map((e) => `{ do: load, process: ${e.p}, addr: ${MAPS[e.p]!.addr + Math.min(e.page, MAPS[e.p]!.len / 4096 - 1) * 4096} }`),
  fc.record({ p: pid, page }).map((e) => `{ do: madvise-hwpoison, process: ${e.p}, addr: ${MAPS[e.p]!.addr + Math.min(e.page, MAPS[e.p]!.len / 4096 - 1) * 4096}, length: 4096 }`),
  fc.record({ op: fc.constantFrom('read', 'write'), p: pid, file, page }).map((e) => `{ do: ${e.op}, process: ${e.p}, file: ${e.file}, offset: ${Math.min(e.page, FILES[e.file]! / 4096 - 1) * 4096}, length: 4096 }`),
  fc.record({ sector: fc.integer({ min: 0, max: 2097151 }) }).map((e) => `{ do: read, process: 102, device: dm-0, offset: ${e.sector * 512}, length: 512, direct: true }`),
  fc.constant('{ do: unbind, namespace: namespace1.0 }'),
);

function run(events: string[]): Session {
  return runPrefix(loadScenario(BASE + (events.length ? `events:\n${events.map((e) => `  - ${e}`).join('\n')}\n` : ''), 'dm-property.poison.yaml')).session;
}

test('property (dm): signals only go to tasks that map the address', () => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 10 }), (evs) => {
      const session = run(evs);
      for (const sig of session.report.signals) {
        if (sig.signo !== 'SIGBUS' || sig.code === 'none') continue;
        const m = MAPS[sig.pid]!;
        const addr = Number(sig.addr);
        assert.ok(addr >= m.addr && addr < m.addr + m.len, `signal to ${sig.pid} at ${sig.addr}`);
      }
    }),
    { numRuns: 40 },
  );
});

test('property (dm): badblocks on each pmem only where media errors or injected errors were', () => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 10 }), (evs) => {
      const session = run(evs);
      const k = session.machine.k;
      for (const name of ['pmem0', 'pmem1']) {
        const pmem = session.machine.pmem(name)!;
        for (const [s, n] of pmem.bb.show()) {
          for (let x = s; x < s + n; x++) {
            const spa = pmem.dataStart + x * 512;
            assert.ok(k.platform.media.overlaps(spa, spa + 512) || k.platform.injected.overlaps(spa, spa + 512), `${name} badblock ${x} has no bad media behind it`);
          }
        }
      }
    }),
    { numRuns: 40 },
  );
});

test('property (dm): the DAX path and the bio path agree on where every dm page lives', () => {
  const m = machineOf(BASE);
  const md = m.dm('dm-0')!;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2097152 / 8 - 1 }), (pg) => {
      const r = daxDirectAccess(m.k, md.dax, pg, 1, 'DAX_ACCESS');
      assert.equal(r.ret, 1);
      assert.equal(r.pfn * 4096, dmSpaRanges(md, pg * 4096, 4096)[0]![0]);
    }),
    { numRuns: 300 },
  );
});

test('dm scenarios rerun byte for byte, and compare covers the striped line under corrupted-range', () => {
  const s: Scenario = loadScenario(BASE + 'events:\n  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000003000, length: 4096 }\n', 'x.poison.yaml');
  assert.equal(JSON.stringify(runScenario(s)), JSON.stringify(runScenario(s)));
  const cr = runScenario(s, { design: 'corrupted-range' });
  // no target with ->rmap under a striped table: -ENODEV, nobody signalled
  assert.equal(cr.events[0]!.result.errno, 'ENODEV');
  assert.equal(cr.signals.length, 0);
  const up = runScenario(s);
  assert.equal(up.events[0]!.result.ret, 0);
  // upstream: the generic path finds the file through page->mapping; 100 asked for
  // it (AR), 101 maps it with late kill and is left alone
  assert.deepEqual(up.signals.map((x) => [x.pid, x.code]), [[100, 'BUS_MCEERR_AR']]);
});
