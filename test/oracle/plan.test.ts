// The oracle's plan, without QEMU: what the guest is asked to build and run
// for each built-in scenario, and that the guest maps every mapping where the
// simulator does (the comparison translates addresses by mapping, but the
// guest asks for the simulator's own addresses).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { assignAddresses, buildPlan, tok } from '../../oracle/src/plan';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const ROOT = repoRoot();
const load = (rel: string) => loadScenario(fs.readFileSync(path.join(ROOT, rel), 'utf8'), rel);
const builtins = ['scenarios', 'oracle/scenarios'].flatMap((d) =>
  fs.readdirSync(path.join(ROOT, d)).filter((f) => /\.poison\.(ya?ml|json)$/.test(f)).map((f) => `${d}/${f}`),
);

for (const rel of builtins) {
  test(`guest mappings sit where the simulator puts them: ${rel}`, () => {
    const s = load(rel);
    const addrs = assignAddresses(s);
    let session: Session;
    try {
      session = new Session(s);
    } catch {
      return; // the simulator cannot build this machine (e.g. ext4): nothing to compare
    }
    for (const t of session.machine.k.tasks) {
      for (const v of t.mm?.vmas ?? []) {
        const a = addrs.get(t.pid)?.get(v.id);
        assert.ok(a, `pid ${t.pid} mapping ${v.id}: not placed by the oracle`);
        assert.equal(a.addr, v.start, `pid ${t.pid} mapping ${v.id}`);
      }
    }
  });
}

test('plan: reflink-both-mapped builds the reflinked files and one madvise', () => {
  const p = buildPlan(load('scenarios/reflink-both-mapped.poison.yaml'));
  assert.equal(p.refused, null);
  assert.match(p.setupSh, /ndctl create-namespace -f -e namespace0\.0 -m fsdax -a 2097152/);
  assert.match(p.setupSh, /mkfs\.xfs -f -m rmapbt=1,reflink=1 -b size=4096 -d agcount=4 \/dev\/pmem0/);
  assert.match(p.planTxt, /^reflink \/mnt\/pmem\/poisonfile \/mnt\/pmem\/testfile$/m);
  assert.match(p.planTxt, /^populate 1000 m0 0\npopulate 1001 m0 0\npopulate 1002 m0 0$/m);
  assert.match(p.planTxt, /^ev e1 madvise 1001 0x7f0000000000 4096 100$/m);
  assert.equal(p.needsMce, false);
  assert.deepEqual(p.notRunStatic, []);
});

test('plan: scenarios that need ARS, GHES or another design are not booted, and say why', () => {
  assert.match(buildPlan(load('scenarios/partial-write-over-poison.poison.yaml')).refused ?? '', /^e2 \(scrub\): .*ARS/);
  assert.match(buildPlan(load('scenarios/scrub-and-heal.poison.yaml')).refused ?? '', /scrub/);
  assert.match(buildPlan(load('scenarios/firmware-first-no-badblocks.poison.yaml')).refused ?? '', /GHES/);
  const s = load('scenarios/reflink-both-mapped.poison.yaml');
  assert.match(buildPlan({ ...s, kernel: { ...s.kernel, design: 'page-mapping' } }).refused ?? '', /upstream design only/);
});

test('plan: a media error consumed by a load needs a real machine check', () => {
  const p = buildPlan(load('oracle/scenarios/mce-load-badblocks.poison.yaml'));
  assert.equal(p.refused, null);
  assert.equal(p.needsMce, true);
  assert.match(p.planTxt, /^ev e1 media file \/mnt\/pmem\/f 64 64$/m);
  assert.match(p.planTxt, /^ev e2 load 7000 0x7f0000000040 8$/m);
});

test('plan: corrupt-pfn is sent as an offset from the data start', () => {
  const p = buildPlan(load('scenarios/xfs-metadata-shutdown.poison.yaml'));
  assert.equal(p.scenarioDataStart, 0x241200000);
  assert.match(p.planTxt, /^ev e1 corrupt 0$/m);
});

test('plan tokens are %-encoded', () => {
  assert.equal(tok('/mnt/pmem/a b'), '/mnt/pmem/a%20b');
  assert.equal(tok('late-reader'), 'late-reader');
});

test('plan: dm-linear over the one namespace is built with dmsetup and its table translates FIEMAP offsets', () => {
  const p = buildPlan(load('oracle/scenarios/dm-linear-not-told.poison.yaml'));
  assert.equal(p.refused, null);
  assert.deepEqual(p.dm, { id: 'dm-0', kernelName: 'dm-0', lines: [{ start: 0, length: 2058240, offset: 2048 }] });
  assert.equal(p.scenarioFsDevice, 'dm-0');
  assert.equal(p.scenarioDevice, 'pmem0');
  assert.match(p.setupSh, /^printf '%s\\n' '0 2058240 linear \/dev\/pmem0 2048' > \/tmp\/dm\.table$/m);
  assert.match(p.setupSh, /^DM_DISABLE_UDEV=1 dmsetup create dm-0 < \/tmp\/dm\.table /m);
  assert.match(p.setupSh, /\/sys\/block\/dm-0\/dm\/name/);
  assert.match(p.setupSh, /^mkfs\.xfs -f .* \/dev\/mapper\/dm-0 /m);
  assert.match(p.setupSh, /^mkdir -p \/mnt\/dm && mount -t xfs -o dax=always \/dev\/mapper\/dm-0 \/mnt\/dm /m);
  // dm bytes [0, 2058240 sectors) sit at pmem0 data offset 1 MiB
  assert.match(p.planTxt, /^dmlinear 0 1053818880 1048576$/m);
  assert.match(p.planTxt, /^trace .* linear_dax_direct_access$/m);
  // the superblock's pfn (pmem0 sector 2048) goes as a data-area offset
  assert.match(p.planTxt, /^ev e2 corrupt 1048576$/m);
});

test('plan: a media error on a dm sector goes through the linear table', () => {
  const s = load('oracle/scenarios/dm-linear-not-told.poison.yaml');
  const dm = { ...s.platform.dm[0]!, table: [
    { start: 0, length: 8192, target: 'linear' as const, device: 'pmem0', offset: 16384, path: '' },
    { start: 8192, length: 8192, target: 'linear' as const, device: 'pmem0', offset: 2048, path: '' },
  ] };
  const p = buildPlan({
    ...s,
    platform: { ...s.platform, dm: [dm] },
    filesystems: [],
    files: [],
    processes: [],
    events: [{ id: 'e1', do: 'media-error', at: 0, target: { kind: 'device', device: 'dm-0', sector: 8200 }, expect: [], path: '' } as never, { id: 'e2', do: 'corrupt-pfn', at: 0, pfn: 0x241300, expect: [], path: '' } as never],
  });
  assert.equal(p.refused, null);
  assert.match(p.planTxt, /^dmlinear 0 4194304 8388608\ndmlinear 4194304 4194304 1048576$/m);
  // dm sector 8200 is line 1's 8th sector: pmem0 sector 2056
  assert.match(p.planTxt, /^ev e1 media data 1052672 \d+$/m);
});

test('plan: device-mapper the guest cannot build is refused with the reason', () => {
  assert.match(buildPlan(load('scenarios/dm-linear-xfs-not-told.poison.yaml')).refused ?? '', /one NVDIMM region; the scenario has 2/);
  assert.match(buildPlan(load('scenarios/dm-striped-mixed-recovery.poison.yaml')).refused ?? '', /one NVDIMM region/);
  const s = load('oracle/scenarios/dm-linear-not-told.poison.yaml');
  const striped = { ...s.platform.dm[0]!, table: [{ start: 0, length: 16384, target: 'striped' as const, chunk: 8, devices: ['pmem0'], offsets: [0], path: '' }] };
  assert.match(buildPlan({ ...s, platform: { ...s.platform, dm: [striped] } }).refused ?? '', /dm-0 line 0 is striped: the guest builds dm-linear tables only/);
  const two = { ...s.platform.dm[0]!, id: 'dm-1' };
  assert.match(buildPlan({ ...s, platform: { ...s.platform, dm: [s.platform.dm[0]!, two] } }).refused ?? '', /at most one device-mapper device/);
});
