// Each collected file's parser: what it reads from real output (the oracle
// guest's, under test/fixtures/machines/guest-*), and the positioned error
// it gives for a truncated, foreign-locale, hostile or huge file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImportError, MAX_FILE_BYTES, textOf } from '../../src/import/errors';
import { InputError } from '../../src/sim/errors';
import {
  parseBadblocks,
  parseCxl,
  parseDaxctl,
  parseDmesg,
  parseDumpe2fs,
  parseFilefrag,
  parseFindmnt,
  parseFsmap,
  parseIomem,
  parseMaps,
  parseNdctl,
  parseStat,
  parseSysctl,
  parseSysfsNd,
  parseUname,
  parseXfsInfo,
} from '../../src/import/parsers';

function root(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const M = path.join(root(), 'test', 'fixtures', 'machines');
const read = (rel: string) => fs.readFileSync(path.join(M, rel), 'utf8');

/** the error must be an ImportError (an InputError) naming the file and the line, with the words given */
function refuses(fn: () => unknown, file: string, line: number, ...words: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ImportError, `not an ImportError: ${String(e)}`);
    assert.ok(e instanceof InputError);
    assert.equal(e.location?.file, file);
    assert.equal(e.location?.line, line, e.message);
    assert.ok(e.message.startsWith(line ? `${file}:${line}: ` : `${file}: `), e.message);
    for (const w of words) assert.match(e.message, w);
    return true;
  });
}

test('ndctl list -BDRNM -vvv (the guest): the region, its fsdax namespace, the disabled seed', () => {
  const rs = parseNdctl('n.json', read('guest-xfs-reflink/ndctl-list.json'));
  assert.equal(rs.length, 1);
  assert.equal(rs[0]!.dev, 'region0');
  assert.equal(rs[0]!.size, 1073741824);
  const ns = rs[0]!.namespaces.find((n) => n.dev === 'namespace0.0')!;
  assert.deepEqual([ns.mode, ns.size, ns.align, ns.blockdev], ['fsdax', 1054867456, 2097152, 'pmem0']);
  assert.equal(rs[0]!.namespaces.find((n) => n.dev === 'namespace0.1')!.size, 0);
});

test('ndctl: media errors of a region and a namespace, a devdax namespace\'s chardev and align', () => {
  const rs = parseNdctl('n.json', read('nvdimm-two-regions/ndctl-list.json'));
  assert.deepEqual(rs.map((r) => r.dev), ['region0', 'region1']);
  assert.deepEqual(rs[0]!.badblocks.map((b) => [b.offset, b.length]), [[37056, 8]]);
  assert.deepEqual(rs[0]!.namespaces[0]!.badblocks.map((b) => [b.offset, b.length]), [[192, 8]]);
  const dd = rs[1]!.namespaces[0]!;
  assert.deepEqual([dd.mode, dd.chardev, dd.align], ['devdax', 'dax1.0', 2097152]);
});

test('ndctl: truncated JSON is refused at the line it ends on, saying truncated', () => {
  const t = read('nvdimm-two-regions/ndctl-list.json');
  const cut = t.slice(0, t.indexOf('"namespaces"'));
  refuses(() => parseNdctl('ndctl-list.json', cut), 'ndctl-list.json', cut.split('\n').length, /truncated/);
});

test('ndctl -u: a size rounded for people is refused, asking for the exact listing', () => {
  const t = read('guest-xfs-reflink/ndctl-list.json').replace('"size":1073741824', '"size":"1024.00 MiB (1073.74 MB)"');
  const line = t.split('\n').findIndex((l) => l.includes('1024.00 MiB')) + 1;
  refuses(() => parseNdctl('n.json', t), 'n.json', line, /rounded for people/, /without -u/);
});

test('JSON: nesting 10,000 levels deep is refused before it can exhaust the stack; a number above 2^53 is refused', () => {
  refuses(() => parseNdctl('n.json', '['.repeat(10000) + ']'.repeat(10000) + '\n'), 'n.json', 1, /more than 64 levels/);
  refuses(() => parseNdctl('n.json', '[{"dev":"region0",\n"size":123456789012345678901}]\n'), 'n.json', 2, /below 2\^53/);
  refuses(() => parseNdctl('n.json', '[{"dev":"region0","size":1,"dev":"region1"}]\n'), 'n.json', 1, /appears twice/);
});

test('daxctl and cxl listings: devices, memdevs, endpoint decoders, an interleaved region, media errors', () => {
  assert.deepEqual(parseDaxctl('d.json', read('nvdimm-two-regions/daxctl-list.json')).map((d) => [d.chardev, d.size, d.align]), [['dax1.0', 1054867456, 2097152]]);
  const c = parseCxl('c.json', read('cxl-interleave/cxl-list.json'));
  assert.deepEqual(c.memdevs.map((m) => [m.memdev, m.ram, m.pmem, m.host]), [['mem0', 0, 536870912, '0000:0d:00.0'], ['mem1', 0, 536870912, '0000:0e:00.0'], ['mem2', 268435456, 0, '0000:0f:00.0']]);
  assert.deepEqual(c.decoders.filter((d) => d.size).map((d) => [d.decoder, d.port, d.dpa, d.size, d.mode, d.region]), [['decoder2.0', 2, 0, 268435456, 'pmem', 'region0'], ['decoder3.0', 3, 0, 268435456, 'pmem', 'region0']]);
  assert.deepEqual(c.regions.map((r) => [r.region, r.resource, r.size, r.ways, r.granularity, r.targets.map((t) => t.decoder)]), [['region0', 0x1000000000, 536870912, 2, 4096, ['decoder2.0', 'decoder3.0']]]);
  const me = parseCxl('m.json', read('cxl-interleave/cxl-media-errors.json')).mediaErrors;
  // ndctl v80+ (cxl/json.c poison_event_to_json): under the region first (offset from its resource), then under the memdev (offset = DPA)
  assert.deepEqual(me.map((e) => [e.region ?? e.memdev, e.region ? e.hpaOffset : e.dpa, e.length, e.source]), [['region0', 0xa01000, 128, 'Internal'], ['mem1', 0x500000, 128, 'Internal']]);
});

test('cxl --media-errors: the unreleased record shape, an unknown source, and a non-list are refused at their line', () => {
  const memdev = (rec: string) => `[\n  {\n    "memdev":"mem0",\n    "pmem_size":268435456,\n    "ram_size":0,\n    "media_errors":[\n      ${rec}\n    ]\n  }\n]\n`;
  refuses(() => parseCxl('m.json', memdev('{ "dpa":0, "dpa_length":64, "source":"Internal" }')), 'm.json', 7, /"dpa" and no "offset": the shape of an unreleased/);
  refuses(() => parseCxl('m.json', memdev('{ "offset":0, "length":64, "source":"Cosmic" }')), 'm.json', 7, /not a media-error source/);
  refuses(() => parseCxl('m.json', memdev('{ "offset":0, "source":"Internal" }')), 'm.json', 7, /has no length/);
  refuses(() => parseCxl('m.json', '[{"memdev":"mem0","pmem_size":0,\n"media_errors":{"nr_poison_records":1}}]\n'), 'm.json', 2, /expected an array of media-error records/);
  const ok = parseCxl('m.json', memdev('{ "offset":"0x40000000", "length":64, "source":"Injected", "flags":"Overflow,", "overflow_t":"0x17a2b" }')).mediaErrors;
  assert.deepEqual(ok.map((e) => [e.memdev, e.dpa, e.length, e.source, e.overflow]), [['mem0', 0x40000000, 64, 'Injected', true]]);
});

test('sysfs-nd.txt, badblocks, /proc/iomem (the guest)', () => {
  const s = parseSysfsNd('s', read('guest-xfs-reflink/sysfs-nd.txt'));
  assert.equal(s.devs.get('pfn0.0')!.get('resource')!.v, '0x101200000');
  assert.equal(s.devs.get('pfn0.0')!.get('namespace')!.v, 'namespace0.0');
  assert.deepEqual(parseBadblocks('b', '37056 8\n40000 1\n').map((b) => [b.offset, b.length, b.line]), [[37056, 8, 1], [40000, 1, 2]]);
  assert.deepEqual(parseBadblocks('b', ''), []);
  const io = parseIomem('i', read('guest-xfs-reflink/iomem.txt'));
  const pm = io.find((e) => e.name === 'Persistent Memory')!;
  assert.deepEqual([pm.start, pm.end, pm.depth], [0x100000000, 0x13fffffff, 0]);
  assert.equal(io.find((e) => e.name === 'namespace0.0')!.depth, 1);
});

test('badblocks: truncated, foreign-locale, zero-length and garbage lines are refused at their line', () => {
  refuses(() => parseBadblocks('badblocks/pmem0', '8 8\n16 8'), 'badblocks/pmem0', 2, /truncated/);
  refuses(() => parseBadblocks('badblocks/pmem0', '8 8\n1.024 8\n'), 'badblocks/pmem0', 2, /digit grouping or a decimal comma/, /LC_ALL=C/);
  refuses(() => parseBadblocks('badblocks/pmem0', '8 0\n'), 'badblocks/pmem0', 1, /0 sectors/);
  refuses(() => parseBadblocks('badblocks/pmem0', 'eight 8\n'), 'badblocks/pmem0', 1, /"eight" is not a number/);
  refuses(() => parseIomem('iomem.txt', '100000000-0fffffff : Persistent Memory\n'), 'iomem.txt', 1, /ends before it starts/);
});

test('findmnt -J: the tree flattened, with maj:min', () => {
  const ms = parseFindmnt('f', read('guest-xfs-reflink/findmnt.json'));
  const m = ms.find((x) => x.target === '/mnt/pmem')!;
  assert.deepEqual([m.source, m.fstype, m.majmin], ['/dev/pmem0', 'xfs', '259:0']);
  assert.ok(m.options.split(',').includes('dax=always'));
  refuses(() => parseFindmnt('findmnt.json', '{"mounts": []}\n'), 'findmnt.json', 1, /no "filesystems" list/);
});

test('xfs_info (the guest): geometry and features; another language refused at line 1; a cut file refused', () => {
  const x = parseXfsInfo('x', read('guest-xfs-reflink/fs1.xfs_info.txt'));
  assert.deepEqual([x.agcount, x.agsize, x.bsize, x.blocks, x.rmapbt, x.reflink, x.log, x.sectsz], [4, 64384, 4096, 257536, true, true, 'internal', 4096]);
  refuses(() => parseXfsInfo('fs1.xfs_info.txt', 'Metadaten=/dev/pmem0 isize=512\n'), 'fs1.xfs_info.txt', 1, /meta-data=/, /LC_ALL=C/);
  const t = read('guest-xfs-reflink/fs1.xfs_info.txt').split('\n').slice(0, 4).join('\n') + '\n';
  refuses(() => parseXfsInfo('fs1.xfs_info.txt', t), 'fs1.xfs_info.txt', 4, /no data\.bsize|no data section/, /truncated/);
});

test('fsmap -d -v (the guest): metadata, two owners of the reflinked blocks with file offsets, free space', () => {
  const rs = parseFsmap('f', read('guest-xfs-reflink/fs1.fsmap.txt'));
  const data = rs.filter((r) => typeof r.owner === 'number');
  assert.deepEqual(data.map((r) => [r.owner, r.start, r.end, r.fileStart, r.fileEnd, r.flags]), [[131, 192, 319, 0, 127, 0o100000], [132, 192, 319, 0, 127, 0o100000]]);
  assert.equal(rs[0]!.owner, 'static fs metadata');
  assert.ok(rs.every((r) => r.dev === '259:0'));
});

test('fsmap: records missing from the middle, a cut last line, another header, two devices', () => {
  const t = read('guest-xfs-reflink/fs1.fsmap.txt');
  const ls = t.split('\n');
  refuses(() => parseFsmap('fs1.fsmap.txt', [...ls.slice(0, 4), ...ls.slice(6)].join('\n')), 'fs1.fsmap.txt', 5, /records are missing/);
  refuses(() => parseFsmap('fs1.fsmap.txt', ls.slice(0, 8).join('\n') + '\n' + ls[8]!.slice(0, 20)), 'fs1.fsmap.txt', 9, /truncated/);
  refuses(() => parseFsmap('fs1.fsmap.txt', ' NR: DEV  BEREICH\n'), 'fs1.fsmap.txt', 1, /header/);
  refuses(() => parseFsmap('fs1.fsmap.txt', ls.slice(0, 3).join('\n') + '\n' + ls[3]!.replace('259:0', '259:1') + '\n'), 'fs1.fsmap.txt', 4, /two filesystems/);
});

test('filefrag -v: extents with flags; a missing trailer (truncated), a count that disagrees, a German header', () => {
  const f = parseFilefrag('f', read('nvdimm-two-regions/files/1.filefrag.txt'));
  assert.deepEqual([f.path, f.size, f.blockSize, f.fsType], ['/mnt/pmem/testfile', 65536, 4096, 0x58465342]);
  assert.deepEqual(f.extents.map((e) => [e.logical, e.physical, e.length, e.flags.join(',')]), [[0, 24, 16, 'last,shared,eof']]);
  const t = read('nvdimm-two-regions/files/1.filefrag.txt');
  refuses(() => parseFilefrag('files/1.filefrag.txt', t.split('\n').slice(0, 4).join('\n') + '\n'), 'files/1.filefrag.txt', 4, /truncated/);
  refuses(() => parseFilefrag('files/1.filefrag.txt', t.replace('1 extent found', '3 extents found')), 'files/1.filefrag.txt', 5, /lists 1/);
  refuses(() => parseFilefrag('files/1.filefrag.txt', t.replace('Filesystem type is', 'Dateisystemtyp ist')), 'files/1.filefrag.txt', 1, /C locale/);
});

test('stat, maps, uname, sysctl, dmesg, dumpe2fs', () => {
  assert.deepEqual(parseStat('s', '131 65536 regular file\n'), { ino: 131, size: 65536, type: 'regular file' });
  const procDir = path.join(M, 'guest-xfs-reflink', 'proc');
  const injector = fs.readdirSync(procDir).find((p) => fs.readFileSync(path.join(procDir, p, 'comm'), 'utf8') === 'injector\n')!;
  const ms = parseMaps('m', read(`guest-xfs-reflink/proc/${injector}/maps`));
  const m = ms.find((x) => x.path === '/mnt/pmem/testfile' || x.path === '/mnt/pmem/poisonfile')!;
  assert.deepEqual([m.start, m.end - m.start, m.perms, m.dev, m.offset], [0x7f0000000000, 65536, 'rw-s', '103:00', 0]);
  refuses(() => parseMaps('proc/1/maps', '7f0000000000-7f0000000800 rw-s 00000000 103:00 131 /x\n'), 'proc/1/maps', 1, /page-aligned/);
  assert.deepEqual(parseUname('u', '6.12.117+deb12-amd64\n'), { release: '6.12.117+deb12-amd64', major: 6, minor: 12 });
  refuses(() => parseUname('uname-r.txt', 'Linux host 6.12.1 #1 SMP\n'), 'uname-r.txt', 1, /one kernel release/);
  assert.equal(parseSysctl('s', 'vm.memory_failure_early_kill = 1\n').get('memory_failure_early_kill')!.v, 1);
  const d = parseDmesg('d', read('nvdimm-two-regions/dmesg-tail.txt'));
  assert.deepEqual(d.failures.map((x) => x.pfn), [0x241218]);
  const e = parseDumpe2fs('e', read('guest-ext4/fs1.dumpe2fs.txt'));
  assert.deepEqual([e.blockSize, e.blockCount], [4096, 257536]);
  refuses(() => parseDumpe2fs('fs1.dumpe2fs.txt', 'Blockgröße: 4096\n'), 'fs1.dumpe2fs.txt', 1, /Block size/);
});

test('hostile bytes: a terminal escape, a NUL, invalid UTF-8, a file larger than the bound', () => {
  refuses(() => textOf('proc/9/comm', Buffer.from('ok\nre\u001b]0;pwned\u0007ad\n')), 'proc/9/comm', 2, /control character \(U\+001B\) at column 3/);
  refuses(() => textOf('badblocks/pmem0', Buffer.from('8 8\n\u0000\n')), 'badblocks/pmem0', 2, /U\+0000/);
  refuses(() => textOf('uname-r.txt', Buffer.from([0x36, 0xff, 0xfe, 0x0a])), 'uname-r.txt', 0, /not UTF-8/);
  refuses(() => textOf('fs1.fsmap.txt', new Uint8Array(MAX_FILE_BYTES + 1)), 'fs1.fsmap.txt', 0, /more than the 32 MiB/);
});

test('huge: more badblock ranges than the importer builds a machine from is refused before parsing them', () => {
  const t = Array.from({ length: 200_001 }, (_, i) => `${i * 8} 1`).join('\n') + '\n';
  refuses(() => parseBadblocks('badblocks/pmem0', t), 'badblocks/pmem0', 200001, /more than 200,000 badblock ranges/);
});
