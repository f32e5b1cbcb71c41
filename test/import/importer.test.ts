// The importer on the hand-written and captured fixtures: what the scenario
// holds (loaded with the project's loader), what the report lists, and the
// refusal of folders whose files come from different machines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImportError, importAndCheck, importMachine, type MachineFiles } from '../../src/import';
import { readMachineFolder } from '../../src/cli/import';
import { Session } from '../../src/sim/run';

function root(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const M = path.join(root(), 'test', 'fixtures', 'machines');
const folder = (name: string): MachineFiles => readMachineFolder(path.join(M, name));
const imp = (name: string, files = folder(name)) => importAndCheck(files, name, `${name}.poison.yaml`);
const edit = (files: MachineFiles, f: string, fn: (s: string) => string): MachineFiles => {
  const out = new Map(files);
  out.set(f, Buffer.from(fn(Buffer.from(files.get(f)!).toString('utf8'))));
  return out;
};
function refuses(files: MachineFiles, file: string, line: number, ...words: RegExp[]): void {
  assert.throws(() => importMachine(files, 'm'), (e: unknown) => {
    assert.ok(e instanceof ImportError, String(e));
    assert.equal(e.location?.file, `m/${file}`, e.message);
    assert.equal(e.location?.line, line, e.message);
    for (const w of words) assert.match(e.message, w);
    return true;
  });
}

test('two NVDIMM regions: placement from sysfs, devdax, reflinked XFS files as clones, the unnamed inode, processes, media errors', () => {
  const { scenario: s, report, yaml } = imp('nvdimm-two-regions');
  assert.deepEqual(s.platform.regions.map((r) => [r.id, r.spa, r.size, r.ars]), [['region0', 0x240000000, 1 << 30, true], ['region1', 0x280000000, 1 << 30, true]]);
  assert.deepEqual(s.platform.namespaces.map((n) => [n.id, n.mode, n.device, n.offset, n.dataOffset]), [['namespace0.0', 'fsdax', 'pmem0', 0, 18 << 20], ['namespace1.0', 'devdax', 'dax1.0', 0, 18 << 20]]);
  assert.equal(s.kernel.earlyKill, true);
  const fsx = s.filesystems[0]!;
  assert.deepEqual([fsx.type, fsx.mount, fsx.dax, fsx.rmapbt, fsx.reflink, fsx.agcount], ['xfs', '/mnt/pmem', 'always', true, true, 4]);
  const byPath = new Map(s.files.map((f) => [f.path, f]));
  assert.deepEqual(byPath.get('/mnt/pmem/testfile')!.extents, [{ offset: 0, block: 24, length: 16 }]);
  assert.deepEqual(byPath.get('/mnt/pmem/poisonfile')!.clone, [{ from: '/mnt/pmem/testfile', srcOffset: 0, dstOffset: 0, length: 65536 }]);
  assert.deepEqual(byPath.get('/mnt/pmem/.inode-133')!.extents, [{ offset: 0, block: 40, length: 8 }]);
  assert.deepEqual(s.processes.map((p) => [p.pid, p.comm, p.mappings.map((m) => [m.file ?? m.device, m.addr, m.length, m.prot, m.flags])]), [
    [1000, 'reader', [['/mnt/pmem/testfile', 0x7f0000000000, 65536, 'rw', 'shared'], ['/mnt/pmem/poisonfile', 0x7f0000200000, 65536, 'r', 'shared']]],
    [1001, 'daxuser', [['dax1.0', 0x7f1000000000, 2 << 20, 'rw', 'shared']]],
  ]);
  assert.deepEqual(s.events.map((e) => e.do), ['media-error', 'media-error', 'scrub']);
  assert.deepEqual(report.targets.map((t) => [t.label, t.spa]), [['region0 sectors 37056+8', 0x240000000 + 37056 * 512], ['region1 sectors 36872+1', 0x280000000 + 36872 * 512]]);
  assert.ok(report.complete);
  assert.ok(report.approximations.some((a) => /inode 133 .* imported as \/mnt\/pmem\/\.inode-133/.test(a)));
  assert.ok(report.approximations.some((a) => /memory_failure\(\) already ran for 1 pfn/.test(a)));
  // comments say where each part came from
  assert.match(yaml, /- \{ id: region0, spa: 0x240000000, size: 1GiB, ars: true \}   # ndctl-list.json line \d+/);
  assert.match(yaml, /# proc\/1001\/maps line 2/);
  // running it recreates the machine's badblocks (the scrub event's expectations)
  const sess = new Session(s);
  for (const e of s.events) sess.step(e);
  assert.deepEqual(sess.report.badblocks['region0'], [[37056, 8]]);
  assert.deepEqual(sess.report.badblocks['pmem0'], [[192, 8]]);
  assert.deepEqual(sess.report.badblocks['region1'], [[36872, 1]]);
  assert.ok(sess.report.expectations.every((x) => x.ok), JSON.stringify(sess.report.expectations));
});

test('CXL: memdevs, explicit endpoint decoders, a 2-way interleaved pmem region, devdax on it, media errors as poison with their HPA', () => {
  const { scenario: s, report } = imp('cxl-interleave');
  const cxl = s.platform.cxl!;
  assert.deepEqual(cxl.memdevs.map((m) => [m.id, m.ram, m.pmem, m.host]), [['mem0', 0, 512 << 20, '0000:0d:00.0'], ['mem1', 0, 512 << 20, '0000:0e:00.0'], ['mem2', 256 << 20, 0, '0000:0f:00.0']]);
  assert.deepEqual(cxl.regions.map((r) => [r.id, r.spa, r.ways, r.granularity, r.targets]), [['region0', 0x1000000000, 2, 4096, ['decoder2.0', 'decoder3.0']]]);
  assert.deepEqual(s.platform.regions, []);
  assert.deepEqual(s.platform.namespaces.map((n) => [n.region, n.mode, n.device]), [['region0', 'devdax', 'dax0.0']]);
  assert.deepEqual(s.events.map((e) => (e.do === 'cxl-inject-poison' ? [e.memdev, e.dpa] : e.do)), [['mem1', 0x500000], ['mem1', 0x500040]]);
  // mem1 is position 1: its DPA 0x500000 is its 1281st 4 KiB chunk, the 2562nd of the region: HPA offset 0xa01000
  assert.deepEqual(report.targets.map((t) => [t.label, t.spa]), [['mem1 DPA 0x500000+128', 0x1000a01000]]);
  assert.ok(report.approximations.some((a) => /source Injected, not Internal/.test(a)));
});

test('CXL media errors in the shape of ndctl v80+: a record listed only under its region is decoded to the memdev at its interleave position; past the region it is refused', () => {
  // the memdev listings without their records: only region0 lists the poison, at offset 0xa01000 from its resource
  const dropMemdev = (t: string) => t.replace(/("host": "0000:0e:00.0"),\n\s*"media_errors": \[[^\]]*\]/g, '$1');
  let files = edit(folder('cxl-interleave'), 'cxl-list.json', dropMemdev);
  files = edit(files, 'cxl-media-errors.json', dropMemdev);
  assert.doesNotMatch(Buffer.from(files.get('cxl-list.json')!).toString(), /"offset": 5242880/);
  const { scenario: s, report, yaml } = imp('cxl-interleave', files);
  assert.deepEqual(s.events.map((e) => (e.do === 'cxl-inject-poison' ? [e.memdev, e.dpa] : e.do)), [['mem1', 0x500000], ['mem1', 0x500040]]);
  assert.match(yaml, /# cxl-list\.json line \d+: region0 offset 0xa01000 → mem1 DPA 0x500000, source Internal/);
  assert.deepEqual(report.targets.map((t) => [t.label, t.spa]), [['mem1 DPA 0x500000+128', 0x1000a01000]]);
  // an offset past the 512 MiB region
  const past = (t: string) => t.replace(/"offset": 10489856/g, '"offset": 536870848');
  const bad = edit(edit(files, 'cxl-list.json', past), 'cxl-media-errors.json', past);
  const line = Buffer.from(bad.get('cxl-list.json')!).toString().split('\n').findIndex((l) => l.includes('536870848')) ;
  refuses(bad, 'cxl-list.json', line, /offset 0x1fffffc0 \+128 of region0, which is 512MiB: past its end/);
});

test('device-mapper: XFS on a dm-linear over pmem0 (/dev/mapper name → dm-0 through dm-sysfs.txt); dm-striped; other targets and other devices are listed, not imported; a bad table line is refused at its line', () => {
  const { scenario: s, report, yaml } = imp('dm-linear');
  assert.deepEqual(s.platform.dm.map((d) => [d.id, d.table.map(({ path: _p, ...t }) => t)]), [['dm-0', [{ start: 0, length: 2060288, target: 'linear', device: 'pmem0', offset: 0 }]]]);
  assert.deepEqual(s.filesystems.map((f) => [f.device, f.mount]), [['dm-0', '/mnt/pmem']]);
  assert.match(yaml, /- id: dm-0 {3}# pmemlin; dmsetup-table\.txt, dm-sysfs\.txt/);
  assert.ok(s.files.some((f) => f.path === '/mnt/pmem/testfile'));
  assert.ok(s.processes.some((p) => p.pid === 1000 && p.mappings.length === 2));
  assert.ok(report.sources.some((x) => x.part === 'platform.dm'));
  // the poison under the stack still runs: the imported session's badblocks, through dm-0
  const run = new Session(s);
  for (const e of s.events) run.step(e);
  assert.deepEqual(run.report.badblocks.pmem0, [[192, 8]]);
  // one stripe over pmem0, 256-sector chunks
  const striped = imp('dm-linear', edit(folder('dm-linear'), 'dmsetup-table.txt', () => 'pmemlin: 0 2060288 striped 1 256 259:0 0\n')).scenario;
  assert.deepEqual(striped.platform.dm[0]!.table.map(({ path: _p, ...t }) => t), [{ start: 0, length: 2060288, target: 'striped', chunk: 256, devices: ['pmem0'], offsets: [0] }]);
  // a target the lab does not model: the dm device and its filesystem are listed, not imported
  const crypt = imp('dm-linear', edit(folder('dm-linear'), 'dmsetup-table.txt', () => 'pmemlin: 0 2060288 crypt aes-xts-plain64 :64:logon:k 0 259:0 0\n'));
  assert.deepEqual(crypt.scenario.platform.dm, []);
  assert.deepEqual(crypt.scenario.filesystems, []);
  assert.ok(crypt.report.approximations.some((a) => /dm-0 \(pmemlin\) is not imported, nor a filesystem on it: its target crypt \(dmsetup-table\.txt line 1\) is not modelled/.test(a)), crypt.report.approximations.join('\n'));
  // over a device that is not an imported pmem device (a disk)
  const disk = imp('dm-linear', edit(folder('dm-linear'), 'dmsetup-table.txt', () => 'pmemlin: 0 2060288 linear 254:1 0\n'));
  assert.ok(disk.report.approximations.some((a) => /its device 254:1 \(dmsetup-table\.txt line 1\) is not in dm-sysfs\.txt/.test(a)), disk.report.approximations.join('\n'));
  // truncated or garbled
  refuses(edit(folder('dm-linear'), 'dmsetup-table.txt', () => 'pmemlin: 0 2060288 linear 259:0\n'), 'dmsetup-table.txt', 1, /a linear line takes "<device> <offset>"/);
  refuses(edit(folder('dm-linear'), 'dmsetup-table.txt', () => 'pmemlin 0 2060288 linear 259:0 0\n'), 'dmsetup-table.txt', 1, /expected "<name>: <start> <length> <target> <args>"/);
  refuses(edit(folder('dm-linear'), 'dmsetup-table.txt', () => 'other: 0 8 linear 259:0 0\n'), 'dmsetup-table.txt', 1, /dm device "other" is not in dm-sysfs\.txt/);
});

test('ext4 placed from filefrag; a 6.1 kernel; the missing cxl listing makes the scenario say INCOMPLETE', () => {
  const { scenario: s, report, yaml } = imp('ext4-filefrag');
  assert.equal(s.kernel.version, '6.1');
  assert.deepEqual(s.files.map((f) => [f.path, f.size, f.extents]), [['/mnt/pmem/a', 65536, [{ offset: 0, block: 33280, length: 16 }]], ['/mnt/pmem/b', 8192, [{ offset: 0, block: 33296, length: 2 }]]]);
  assert.deepEqual(s.processes.map((p) => p.mappings[0]!.flags), ['shared', 'private']);
  assert.equal(report.complete, false);
  assert.deepEqual(report.missing.map((m) => m.file), ['cxl-list.json']);
  assert.match(yaml, /^# INCOMPLETE: pieces the collector could not read/m);
  assert.match(s.description ?? '', /INCOMPLETE: cxl-list\.json missing/);
});

test('the captured guest: region at the guest\'s address, the 18 MiB data offset from pfn0.0, the reflinked pair, three processes', () => {
  const { scenario: s } = imp('guest-xfs-reflink');
  assert.deepEqual(s.platform.regions.map((r) => [r.spa, r.ars]), [[0x100000000, false]]);
  assert.equal(s.platform.namespaces[0]!.dataOffset, 18 << 20);
  assert.deepEqual(s.processes.map((p) => p.comm), ['reader', 'injector', 'watcher']);
  assert.equal(s.files.find((f) => f.path === '/mnt/pmem/poisonfile')!.clone.length, 1);
});

test('mismatched machines are refused at the file and line that disagree', () => {
  const n = folder('nvdimm-two-regions');
  // an fsmap of another device
  refuses(edit(n, 'fs1.fsmap.txt', (t) => t.replace(/259:0/g, '259:3')), 'fs1.fsmap.txt', 2, /device 259:3, but \/mnt\/pmem is 259:0/);
  // a filesystem mounted from a device ndctl does not list
  refuses(edit(n, 'findmnt.json', (t) => t.replace('/dev/pmem0', '/dev/pmem7')), 'findmnt.json', 10, /\/dev\/pmem7, which ndctl-list.json does not list/);
  // a process that maps another inode under the same path
  refuses(edit(n, 'proc/1000/maps', (t) => t.replace('103:00 131 ', '103:00 999 ')), 'proc/1000/maps', 2, /inode 999, but the collected file is inode 131/);
  // filefrag from another machine: the blocks are not where the fsmap puts the inode
  refuses(edit(n, 'files/1.filefrag.txt', (t) => t.replace('24..        39', '64..        79')), 'files/1.filefrag.txt', 4, /not where fs1.fsmap.txt puts inode 131/);
  // a region in sysfs that /proc/iomem does not hold
  refuses(edit(n, 'sysfs-nd.txt', (t) => t.replace('region1 resource 0x280000000', 'region1 resource 0x880000000')), 'iomem.txt', 2, /no "Persistent Memory" range holds region1/);
  // xfs_info of a bigger filesystem than the namespace
  refuses(edit(n, 'fs1.xfs_info.txt', (t) => t.replace('blocks=257536', 'blocks=2575360')), 'fs1.xfs_info.txt', 5, /more than pmem0 holds/);
  // badblocks of a device the listing does not have
  const b = new Map(n);
  b.set('badblocks/pmem9', Buffer.from('8 8\n'));
  refuses(b, 'badblocks/pmem9', 1, /pmem9, which ndctl-list.json does not list/);
});

test('not a collected folder, nothing to import, a hostile pid directory', () => {
  const n = folder('nvdimm-two-regions');
  const noManifest = new Map(n);
  noManifest.delete('manifest.txt');
  refuses(noManifest, 'manifest.txt', 0, /not written by scripts\/collect-machine.sh/);
  const bad = new Map(n);
  bad.set('proc/..%2f1/maps', Buffer.from(''));
  refuses(bad, 'proc/..%2f1', 0, /not a process id/);
  const empty = edit(edit(n, 'ndctl-list.json', () => '[]\n'), 'cxl-list.json', () => '[]\n');
  refuses(empty, 'ndctl-list.json', 1, /no persistent-memory region and no CXL memory device/);
});
