// Scenario loader tests: the examples of the format document load as
// written, JSON and YAML agree, defaults are the documented ones, and every
// bad input gives a diagnostic at the right place that names the value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { autoDataOffset, diagnosticFromInputError, loadScenario, positionOf } from '../../src/sim/scenario/load';
import { Diagnostic, InputError, ScenarioErrors } from '../../src/sim/errors';
import type { EventSpec, Scenario } from '../../src/sim/scenario/types';
import schema from '../../schema/scenario.schema.json';

// ---------------------------------------------------------------------------
// helpers

/** 1-based line/column of the nth occurrence of `needle` in `text`. */
function where(text: string, needle: string, nth = 0): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i <= nth; i++) {
    offset = text.indexOf(needle, offset + 1);
    assert.ok(offset >= 0, `test bug: ${JSON.stringify(needle)} (#${nth}) not in the scenario`);
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function diagnosticsOf(text: string, file = 'case.poison.yaml'): Diagnostic[] {
  try {
    loadScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.diagnostics;
    throw e;
  }
  assert.fail('expected the scenario to be rejected');
}

interface Expected {
  path: string;
  /** text whose first character the diagnostic must point at */
  at: string;
  nth?: number;
  /** fragments the message must contain */
  says: (string | RegExp)[];
  file?: string;
}

/** Exactly one diagnostic for `path`, at `at`, naming what `says` lists. */
function rejects(text: string, expected: Expected): Diagnostic {
  const file = expected.file ?? 'case.poison.yaml';
  const all = diagnosticsOf(text, file);
  const matching = all.filter((d) => d.path === expected.path);
  assert.equal(matching.length, 1, `one diagnostic for ${expected.path}; got:\n${all.map((d) => `${d.path}: ${d.message}`).join('\n')}`);
  const d = matching[0]!;
  assert.deepEqual({ line: d.line, column: d.column }, where(text, expected.at, expected.nth ?? 0), `position of: ${d.message}`);
  assert.equal(d.file, file);
  assert.equal(d.field, expected.path.split('/').pop());
  for (const fragment of expected.says) {
    if (typeof fragment === 'string') assert.ok(d.message.includes(fragment), `message ${JSON.stringify(d.message)} should contain ${JSON.stringify(fragment)}`);
    else assert.match(d.message, fragment);
  }
  return d;
}

function load(text: string, file = 'case.poison.yaml'): Scenario {
  try {
    return loadScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioErrors) assert.fail(`unexpected diagnostics:\n${e.message}`);
    throw e;
  }
}

function eventOf<K extends EventSpec['do']>(s: Scenario, index: number, kind: K): EventSpec & { do: K } {
  const e = s.events[index]!;
  assert.equal(e.do, kind);
  return e as EventSpec & { do: K };
}

// A small machine most bad-input cases modify one section of.
const SECTIONS = {
  platform: `platform:
  regions:
    - id: region0
      spa: 0x240000000
      size: 4GiB
  namespaces:
    - id: namespace0.0
      region: region0
      size: 2GiB
    - id: namespace0.1
      region: region0
      size: 1GiB
      mode: devdax
`,
  filesystems: `filesystems:
  - device: pmem0
    type: xfs
    mount: /mnt/pmem
`,
  files: `files:
  - path: /mnt/pmem/a
    size: 64KiB
`,
  processes: `processes:
  - pid: 1001
    comm: reader
    mappings:
      - file: /mnt/pmem/a
`,
  events: `events:
  - do: load
    process: 1001
    addr: 0x7f0000000000
`,
  expect: '',
};

function scenario(overrides: Partial<typeof SECTIONS> = {}): string {
  const s = { ...SECTIONS, ...overrides };
  return `version: 1\nname: case\n${s.platform}${s.filesystems}${s.files}${s.processes}${s.events}${s.expect}`;
}

// ---------------------------------------------------------------------------
// The format document's examples, assembled into whole scenarios.

const DOC_SCENARIO = `version: 1
name: reflinked block poisoned while both files are mapped
description: optional free text
kernel:
  design: upstream
  earlyKill: false
  recovery: true
  reporting: native
platform:
  regions:
    - id: region0
      spa: 0x240000000          # start of the region in system physical address space
      size: 4GiB
      ars: true                 # the platform implements Address Range Scrub (default true)
      clearUnit: 256            # ND_CMD_ARS_CAP clear_err_unit, bytes, a power of two (default 256)
      errorGranularity: 64      # bytes marked bad by one media error (MCI_MISC_ADDR_LSB) (default 64)
  namespaces:
    - id: namespace0.0
      region: region0
      offset: 0                 # within the region; default: packed in order
      size: 2GiB                # default: the rest of the region
      mode: fsdax               # fsdax | devdax | raw
      align: 2MiB               # default 2MiB
      dataOffset: auto          # bytes before the data area (info block + struct page memmap);
                                # auto = alignUp(8KiB + 64 * size/4KiB, align); 0 for raw
      device: pmem0             # block device name (fsdax, raw) or dax device name (devdax, e.g. dax0.0)
filesystems:
  - device: pmem0               # or dm-0
    type: xfs                   # xfs | ext4
    mount: /mnt/pmem
    dax: always                 # always | never
    rmapbt: true                # xfs only; default true
    reflink: true               # xfs only; default true
    agcount: 4                  # xfs only
    blockSize: 4KiB
    log: internal               # internal | <device id of an external log>
files:
  - path: /mnt/pmem/testfile
    size: 64KiB
    fill: 0x61                  # byte the file holds
  - path: /mnt/pmem/poisonfile
    reflink: /mnt/pmem/testfile # whole-file clone, like cp --reflink=always
  - path: /mnt/pmem/mixed
    size: 64KiB
    fill: 0x62
    clone:                      # share chosen ranges, like FICLONERANGE
      - { from: /mnt/pmem/testfile, srcOffset: 0, dstOffset: 0, length: 4KiB }
  - path: /mnt/pmem/placed
    size: 8KiB
    extents:                    # optional explicit placement, in filesystem blocks
      - { offset: 0, block: 1000, length: 2 }
processes:
  - pid: 1000
    comm: writer
  - pid: 1001
    comm: reader                # truncated to 15 characters in log lines, as the kernel does
    mceKill: default            # default | early | late (prctl PR_MCE_KILL)
    sigbus: handle              # handle (default): a handler records the signal and the access is abandoned;
                                # default: the kernel's default action, the process dies and its mappings go away
    mappings:
      - id: m0
        file: /mnt/pmem/testfile    # or device: /dev/dax0.0
        offset: 0
        length: 64KiB
        addr: 0x7f0000000000        # default: assigned
        prot: rw                    # r | rw
        flags: shared               # shared | shared-sync (MAP_SHARED_VALIDATE|MAP_SYNC) | private
        populate: true              # fault every page in at start (MAP_POPULATE)
events:
  - do: madvise-hwpoison
    process: 1001
    addr: 0x7f0000001000
    length: 4096
  - do: corrupt-pfn
    pfn: 0x240a01
  - do: media-error
    file: /mnt/pmem/poisonfile
    offset: 8KiB
  - do: read
    process: 1000
    file: /mnt/pmem/poisonfile
    offset: 8KiB
    length: 4096
expect:
  - signal: { pid: 1001, signo: SIGBUS, code: BUS_MCEERR_AR, addr: 0x7f0000001000, lsb: 12 }
  - noSignal: { pid: 1000 }
  - result: { event: e4, errno: EIO }            # or { event: e4, bytes: 4096 }
  - result: { event: e4, bytes: 4096 }
  - badblocks: { device: pmem0, ranges: [ [42, 8] ] }   # exactly this list of [sector, count]
  - dmesg: { contains: "recovery action for dax page: Recovered" }
  - dmesg: { notContains: "Sending SIGBUS to reader" }
  - fs: { mount: /mnt/pmem, shutdown: SHUTDOWN_CORRUPT_ONDISK }   # or shutdown: none
  - fs: { mount: /mnt/pmem, shutdown: none }
  - calls: { symbol: memory_failure, count: 1 }
  - hwpoison: { pfn: 0x240a01, set: true }
`;

const DM_SCENARIO = `version: 1
name: xfs on device-mapper over three pmem namespaces
platform:
  regions:
    - id: region0
      spa: 0x240000000
      size: 8GiB
  namespaces:
    - { id: namespace0.0, region: region0, size: 2GiB }
    - { id: namespace0.1, region: region0, size: 2GiB }
    - { id: namespace0.2, region: region0, size: 2GiB }
  dm:
    - id: dm-0
      table:                    # dmsetup-style lines, in 512-byte sectors
        - { start: 0, length: 2097152, target: linear, device: pmem0, offset: 0 }
        - { start: 2097152, length: 4194304, target: striped, chunk: 256, devices: [pmem1, pmem2] }
filesystems:
  - device: dm-0
    type: xfs
    mount: /mnt/dm
`;

const ALL_EVENTS_SCENARIO = `version: 1
name: every event kind
kernel: { design: corrupted-range }
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 4GiB }
  namespaces:
    - { id: namespace0.0, region: region0, size: 2GiB }
    - { id: namespace0.1, region: region0, mode: devdax, size: 1GiB }
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem }
files:
  - { path: /mnt/pmem/f, size: 64KiB }
processes:
  - pid: 1001
    mappings:
      - { file: /mnt/pmem/f, populate: true }
  - pid: 1002
    comm: daxuser
    mappings:
      - { device: /dev/dax0.0, length: 2MiB }
events:
  - { do: media-error, spa: 0x240a01000 }
  - { do: media-error, region: region0, offset: 0x1000, length: 512 }
  - { do: media-error, namespace: namespace0.0, offset: 4MiB }
  - { do: media-error, device: pmem0, sector: 42 }
  - { do: media-error, file: /mnt/pmem/f, offset: 0 }
  - { do: media-error, process: 1001, addr: 0x7f0000000000 }
  - { do: inject-error, namespace: namespace0.0, block: 42, count: 8 }
  - { do: inject-error, namespace: namespace0.0, block: 100, count: 1, notify: false }
  - { do: uninject-error, namespace: namespace0.0, block: 100, count: 1 }
  - { do: scrub }
  - { do: scrub, region: region0, at: 20ms }
  - { do: clear-errors, namespace: namespace0.0 }
  - { do: load, process: 1001, addr: 0x7f0000000000 }
  - { do: store, process: 1001, addr: 0x7f0000000008, length: 64 }
  - { id: rd, do: read, process: 1001, file: /mnt/pmem/f, offset: 4KiB, length: 4KiB }
  - { do: write, process: 1001, device: pmem0, offset: 0, length: 512, direct: true }
  - { do: punch-hole, process: 1001, file: /mnt/pmem/f, offset: 0, length: 4KiB }
  - { do: madvise-hwpoison, process: 1001, addr: 0x7f0000000000 }
  - { do: madvise-soft-offline, process: 1001, addr: 0x7f0000000000, length: 8KiB }
  - { do: corrupt-pfn, pfn: 0x240a01 }
  - { do: ghes, spa: 0x240a01000 }
  - { do: ghes, namespace: namespace0.0, offset: 0, sync: true }
  - { do: set, earlyKill: true, reporting: firmware-first }
  - { do: set, process: 1001, mceKill: early }
  - { do: mmap, process: 1001, file: /mnt/pmem/f, length: 8KiB }
  - { do: mmap, process: 1002, id: second, device: dax0.0, offset: 2MiB, length: 2MiB, addr: 0x7f0000400000, prot: r, flags: shared-sync, populate: true }
  - { do: munmap, process: 1001, id: m0 }
  - { do: unbind, namespace: namespace0.0, at: 1s, expect: [ { signal: { pid: 1001, code: BUS_MCEERR_AO } } ] }
  - { do: exit, process: 1001 }
expect:
  - result: { event: rd, bytes: 4096, ret: 4096 }
`;

test('the format document\'s examples load as written', () => {
  const s = load(DOC_SCENARIO, 'reflink.poison.yaml');
  assert.equal(s.name, 'reflinked block poisoned while both files are mapped');
  assert.equal(s.description, 'optional free text');
  assert.deepEqual(s.kernel, { design: 'upstream', earlyKill: false, recovery: true, reporting: 'native' });
  assert.deepEqual(s.platform.regions[0], {
    id: 'region0', spa: 0x240000000, size: 4 * 2 ** 30, ars: true, clearUnit: 256, errorGranularity: 64, path: '/platform/regions/0',
  });
  assert.deepEqual(s.platform.namespaces[0], {
    id: 'namespace0.0', region: 'region0', offset: 0, size: 2 * 2 ** 30, mode: 'fsdax', align: 2 * 2 ** 20,
    dataOffset: 35651584, device: 'pmem0', path: '/platform/namespaces/0',
  });
  assert.deepEqual(s.filesystems[0], {
    device: 'pmem0', type: 'xfs', mount: '/mnt/pmem', dax: 'always', rmapbt: true, reflink: true, agcount: 4,
    blockSize: 4096, log: 'internal', path: '/filesystems/0',
  });
  const [testfile, poisonfile, mixed, placed] = s.files;
  assert.deepEqual(testfile, { path: '/mnt/pmem/testfile', size: 65536, fill: 0x61, clone: [], cached: true, pathPtr: '/files/0' });
  assert.equal(poisonfile!.reflink, '/mnt/pmem/testfile');
  assert.equal(poisonfile!.size, 65536, 'a whole-file clone has its source\'s size');
  assert.deepEqual(mixed!.clone, [{ from: '/mnt/pmem/testfile', srcOffset: 0, dstOffset: 0, length: 4096 }]);
  assert.deepEqual(placed!.extents, [{ offset: 0, block: 1000, length: 2 }]);
  assert.deepEqual(s.processes[1]!.mappings[0], {
    id: 'm0', file: '/mnt/pmem/testfile', offset: 0, length: 65536, addr: 0x7f0000000000, prot: 'rw', flags: 'shared',
    populate: true, path: '/processes/1/mappings/0',
  });
  assert.equal(s.processes[1]!.comm, 'reader');
  assert.equal(s.expect.length, 11);
  assert.deepEqual(s.expect[0], {
    path: '/expect/0',
    signal: { pid: 1001, signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr: 0x7f0000001000, lsb: 12 },
  });
  assert.deepEqual(s.expect[4], { path: '/expect/4', badblocks: { device: 'pmem0', ranges: [[42, 8]] } });
  assert.deepEqual(s.expect[10], { path: '/expect/10', hwpoison: { pfn: 0x240a01, set: true } });
  assert.deepEqual(eventOf(s, 2, 'media-error').target, { kind: 'file', file: '/mnt/pmem/poisonfile', offset: 8192 });
});

test('the device-mapper example loads, with striped offsets defaulting to 0', () => {
  const s = load(DM_SCENARIO);
  assert.deepEqual(s.platform.dm, [
    {
      id: 'dm-0',
      path: '/platform/dm/0',
      table: [
        { start: 0, length: 2097152, target: 'linear', device: 'pmem0', offset: 0, path: '/platform/dm/0/table/0' },
        { start: 2097152, length: 4194304, target: 'striped', chunk: 256, devices: ['pmem1', 'pmem2'], offsets: [0, 0], path: '/platform/dm/0/table/1' },
      ],
    },
  ]);
  assert.deepEqual(s.platform.namespaces.map((n) => [n.device, n.offset]), [
    ['pmem0', 0],
    ['pmem1', 2 * 2 ** 30],
    ['pmem2', 4 * 2 ** 30],
  ]);
  assert.equal(s.filesystems[0]!.device, 'dm-0');
});

test('every event kind of the table loads, with its defaults', () => {
  const s = load(ALL_EVENTS_SCENARIO);
  assert.equal(s.events.length, 29);
  assert.deepEqual(s.events.map((e) => e.id).slice(0, 3), ['e1', 'e2', 'e3']);
  assert.equal(s.events[14]!.id, 'rd');
  // at: 1ms steps, an explicit at restarts the count
  assert.deepEqual(s.events.slice(0, 3).map((e) => e.at), [1e6, 2e6, 3e6]);
  assert.equal(s.events[10]!.at, 20e6);
  assert.equal(s.events[11]!.at, 21e6);
  assert.equal(s.events[27]!.at, 1e9);

  assert.deepEqual(eventOf(s, 0, 'media-error').target, { kind: 'spa', spa: 0x240a01000 });
  assert.equal(eventOf(s, 0, 'media-error').length, undefined, 'media-error length: the simulator uses the error granule');
  assert.equal('length' in s.events[0]!, false);
  assert.deepEqual(eventOf(s, 1, 'media-error').target, { kind: 'region', region: 'region0', offset: 0x1000 });
  assert.equal(eventOf(s, 1, 'media-error').length, 512);
  assert.deepEqual(eventOf(s, 2, 'media-error').target, { kind: 'namespace', namespace: 'namespace0.0', offset: 4 * 2 ** 20 });
  assert.deepEqual(eventOf(s, 3, 'media-error').target, { kind: 'device', device: 'pmem0', sector: 42 });
  assert.deepEqual(eventOf(s, 5, 'media-error').target, { kind: 'process', process: 1001, addr: 0x7f0000000000 });
  assert.equal(eventOf(s, 6, 'inject-error').notify, true);
  assert.equal(eventOf(s, 7, 'inject-error').notify, false);
  assert.deepEqual(eventOf(s, 8, 'uninject-error'), {
    id: 'e9', do: 'uninject-error', namespace: 'namespace0.0', block: 100, count: 1, at: 9e6, expect: [], path: '/events/8',
  });
  assert.equal(eventOf(s, 9, 'scrub').region, undefined);
  assert.equal(eventOf(s, 12, 'load').length, 8);
  assert.equal(eventOf(s, 13, 'store').length, 64);
  assert.equal(eventOf(s, 14, 'read').direct, false);
  assert.deepEqual(
    { ...eventOf(s, 15, 'write') },
    { id: 'e16', do: 'write', process: 1001, device: 'pmem0', offset: 0, length: 512, direct: true, at: 25e6, expect: [], path: '/events/15' },
  );
  assert.equal(eventOf(s, 17, 'madvise-hwpoison').length, 4096);
  assert.equal(eventOf(s, 20, 'ghes').sync, false);
  assert.equal(eventOf(s, 21, 'ghes').sync, true);
  assert.deepEqual(eventOf(s, 22, 'set').kernel, { earlyKill: true, reporting: 'firmware-first' });
  assert.equal(eventOf(s, 23, 'set').mceKill, 'early');
  assert.equal(eventOf(s, 23, 'set').process, 1001);
  const mmap = eventOf(s, 24, 'mmap');
  assert.equal(mmap.id, 'e25', 'an mmap event keeps its positional id; `id` names the mapping');
  assert.deepEqual(mmap.mapping, {
    id: 'm1', file: '/mnt/pmem/f', offset: 0, length: 8192, prot: 'rw', flags: 'shared', populate: false, path: '/events/24',
  });
  assert.deepEqual(eventOf(s, 25, 'mmap').mapping.device, 'dax0.0');
  assert.equal(eventOf(s, 25, 'mmap').mapping.id, 'second');
  assert.equal(eventOf(s, 26, 'munmap').mapping, 'm0');
  assert.deepEqual(s.events[27]!.expect, [{ path: '/events/27/expect/0', signal: { pid: 1001, code: 'BUS_MCEERR_AO' } }]);
  assert.equal(eventOf(s, 28, 'exit').process, 1001);
  assert.deepEqual(s.processes[1]!.mappings[0]!.device, 'dax0.0', '/dev/ is dropped from device names');
  assert.deepEqual(s.expect[0], { path: '/expect/0', result: { event: 'rd', bytes: 4096, ret: 4096 } });
});

// ---------------------------------------------------------------------------
// JSON and YAML

const JSON_TEXT = `{
  "version": 1,
  "name": "same machine, written as JSON",
  "platform": {
    "regions": [ { "id": "region0", "spa": "0x240000000", "size": "4GiB" } ],
    "namespaces": [ { "id": "namespace0.0", "region": "region0", "size": "2GiB" } ]
  },
  "filesystems": [ { "device": "pmem0", "type": "xfs", "mount": "/mnt/pmem" } ],
  "files": [ { "path": "/mnt/pmem/a", "size": "64KiB", "fill": "0x61" } ],
  "processes": [ { "pid": 1001, "mappings": [ { "file": "/mnt/pmem/a", "addr": "0x7f0000000000" } ] } ],
  "events": [
    { "do": "madvise-hwpoison", "process": 1001, "addr": "0x7f0000000000" },
    { "do": "read", "process": 1001, "file": "/mnt/pmem/a", "length": 4096, "at": "5ms" }
  ],
  "expect": [ { "hwpoison": { "pfn": "0x242202", "set": true } } ]
}
`;

const YAML_TEXT = `version: 1
name: same machine, written as JSON
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 4GiB }
  namespaces:
    - id: namespace0.0
      region: region0
      size: 2GiB
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem }
files:
  - { path: /mnt/pmem/a, size: 65536, fill: 0x61 }
processes:
  - pid: 1001
    mappings:
      - file: /mnt/pmem/a
        addr: 139637976727552
events:
  - do: madvise-hwpoison
    process: 1001
    addr: "0x7f0000000000"
  - { do: read, process: 1001, file: /mnt/pmem/a, length: 4KiB, at: 5000000 }
expect:
  - hwpoison: { pfn: 0x242202 }
`;

test('JSON and YAML forms of a scenario normalize identically', () => {
  const fromJson = load(JSON_TEXT, 'same.poison.json');
  const fromYaml = load(YAML_TEXT, 'same.poison.yaml');
  assert.deepEqual({ ...fromJson, source: '' }, { ...fromYaml, source: '' });
  assert.equal(fromJson.source, 'same.poison.json');
});

test('the document example, converted to JSON, normalizes like the YAML', () => {
  const json = JSON.stringify(parseYaml(DOC_SCENARIO), null, 2);
  assert.deepEqual({ ...load(json, 'doc.poison.json'), source: '' }, { ...load(DOC_SCENARIO, 'doc.poison.yaml'), source: '' });
});

test('a JSON file must be JSON, and its errors are positioned', () => {
  const trailingComma = JSON_TEXT.replace('"size": "2GiB" } ]', '"size": "2GiB" }, ]');
  const [syntax] = diagnosticsOf(trailingComma, 'bad.poison.json');
  assert.match(syntax!.message, /JSON syntax error/);
  assert.deepEqual({ line: syntax!.line, column: syntax!.column }, where(trailingComma, ']', 1));

  const badValue = JSON_TEXT.replace('"spa": "0x240000000"', '"spa": "0x24000000g"');
  rejects(badValue, {
    file: 'bad.poison.json',
    path: '/platform/regions/0/spa',
    at: '"0x24000000g"',
    says: ['platform.regions[0].spa: "0x24000000g" is not an address (expected an integer or a hex string like "0x240000000")'],
  });
});

test('a YAML syntax error is reported at its line and column', () => {
  const text = scenario().replace('    type: xfs\n', '    type: xfs\n    type: ext4\n');
  const [d, ...rest] = diagnosticsOf(text);
  assert.equal(rest.length, 0);
  assert.match(d!.message, /YAML syntax error: Map keys must be unique/);
  assert.deepEqual({ line: d!.line, column: d!.column }, where(text, 'type: ext4'));

  const unclosed = scenario().replace('size: 64KiB', 'size: [64KiB');
  const [u] = diagnosticsOf(unclosed);
  assert.match(u!.message, /YAML syntax error/);
  assert.ok(u!.line >= where(unclosed, '[64KiB').line, 'at or after the unclosed bracket');
});

test('an empty file is one positioned diagnostic', () => {
  const [d] = diagnosticsOf('# nothing here\n');
  assert.match(d!.message, /empty/);
});

// ---------------------------------------------------------------------------
// Defaults

test('defaults of the format are applied', () => {
  const s = load(
    scenario({
      platform: `platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 4GiB }
    - { id: region1, spa: 0x440000000, size: 2GiB }
  namespaces:
    - { id: namespace0.0, region: region0, size: 1GiB }
    - { id: namespace0.1, region: region0, size: 1GiB, mode: devdax }
    - { id: namespace0.2, region: region0, mode: raw }
    - { id: namespace1.0, region: region1, size: 1GiB, mode: devdax }
    - { id: namespace1.1, region: region1 }
`,
      events: `events:
  - { do: load, process: 1001, addr: 0x7f0000000000 }
  - { do: load, process: 1001, addr: 0x7f0000000000, at: 10ms }
  - { do: load, process: 1001, addr: 0x7f0000000000 }
`,
    }),
    'dir/sub/defaults.poison.yaml',
  );
  assert.equal(s.name, 'case');
  assert.equal(s.seed, 1);
  assert.deepEqual(s.kernel, { design: 'upstream', earlyKill: false, recovery: true, reporting: 'native' });
  assert.deepEqual(s.platform.dm, []);
  const ns = s.platform.namespaces;
  assert.deepEqual(ns.map((n) => n.offset), [0, 2 ** 30, 2 * 2 ** 30, 0, 2 ** 30], 'packed in order within each region');
  assert.deepEqual(ns.map((n) => n.size), [2 ** 30, 2 ** 30, 2 * 2 ** 30, 2 ** 30, 2 ** 30], 'the last takes the rest');
  assert.deepEqual(ns.map((n) => n.device), ['pmem0', 'dax0.0', 'pmem1', 'dax1.0', 'pmem2']);
  assert.deepEqual(ns.map((n) => n.mode), ['fsdax', 'devdax', 'raw', 'devdax', 'fsdax']);
  assert.ok(ns.every((n) => n.align === 2 ** 21));
  assert.equal(ns[2]!.dataOffset, 0, 'raw has no info block');
  const region = s.platform.regions[1]!;
  assert.deepEqual([region.ars, region.clearUnit, region.errorGranularity], [true, 256, 64]);
  const p = s.processes[0]!;
  assert.deepEqual([p.comm, p.mceKill, p.sigbus], ['reader', 'default', 'handle']);
  assert.deepEqual(p.mappings[0], {
    id: 'm0', file: '/mnt/pmem/a', offset: 0, length: 65536, prot: 'rw', flags: 'shared', populate: false, path: '/processes/0/mappings/0',
  });
  assert.deepEqual(s.files[0], { path: '/mnt/pmem/a', size: 65536, fill: 0, clone: [], cached: true, pathPtr: '/files/0' });
  assert.deepEqual(s.events.map((e) => e.at), [1e6, 10e6, 11e6]);
  assert.deepEqual(s.expect, []);
});

test('unnamed scenarios take the file name; comm defaults to proc<pid>; mapping length is the rest of the file', () => {
  const s = load(
    scenario({ processes: 'processes:\n  - pid: 42\n    mappings:\n      - { file: /mnt/pmem/a, offset: 16KiB }\n      - { file: /mnt/pmem/a }\n', events: '' }).replace('name: case\n', ''),
    'scenarios/reflink-both-mapped.poison.yaml',
  );
  assert.equal(s.name, 'reflink-both-mapped');
  assert.equal(s.processes[0]!.comm, 'proc42');
  assert.deepEqual(s.processes[0]!.mappings.map((m) => [m.id, m.offset, m.length]), [
    ['m0', 16384, 49152],
    ['m1', 0, 65536],
  ]);
  assert.deepEqual(s.events, []);
});

test('ext4 gets no rmapbt or reflink; xfs options are its defaults', () => {
  const s = load(scenario({ filesystems: 'filesystems:\n  - { device: pmem0, type: ext4, mount: /mnt/pmem, dax: never }\n' }));
  const fs = s.filesystems[0]!;
  assert.deepEqual([fs.type, fs.dax, fs.rmapbt, fs.reflink, fs.blockSize, fs.log], ['ext4', 'never', false, false, 4096, 'internal']);
});

test('schema defaults agree with the loader\'s', () => {
  const defs = (schema as unknown as { definitions: Record<string, { properties: Record<string, { default?: unknown }> }> }).definitions;
  assert.equal(defs.region!.properties.clearUnit!.default, 256);
  assert.equal(defs.region!.properties.errorGranularity!.default, 64);
  assert.equal(defs.region!.properties.ars!.default, true);
  assert.equal(defs.namespace!.properties.mode!.default, 'fsdax');
  assert.equal(defs.namespace!.properties.align!.default, '2MiB');
  assert.equal(defs.kernel!.properties.design!.default, 'upstream');
  assert.equal(defs.kernel!.properties.recovery!.default, true);
  assert.equal(defs['event-load']!.properties.length!.default, 8);
  assert.equal(defs['event-inject-error']!.properties.notify!.default, true);
  assert.equal(defs['event-ghes']!.properties.sync!.default, false);
  assert.equal(defs.file!.properties.cached!.default, true);
});

// ---------------------------------------------------------------------------
// dataOffset: auto

test('dataOffset auto = alignUp(8KiB + 64 * size/4KiB, align)', () => {
  // 2GiB: 8KiB + 64 * 524288 = 33562624, up to 2MiB = 35651584
  assert.equal(autoDataOffset(2 * 2 ** 30, 2 * 2 ** 20), 35651584);
  assert.equal(autoDataOffset(2 * 2 ** 30, 4096), 33562624);
  // 4GiB at 1GiB align: 67117056 rounds up to a whole 1GiB
  assert.equal(autoDataOffset(4 * 2 ** 30, 2 ** 30), 2 ** 30);
  const s = load(
    scenario({
      platform: `platform:
  regions: [ { id: region0, spa: 0x240000000, size: 8GiB } ]
  namespaces:
    - { id: namespace0.0, region: region0, size: 2GiB, align: 2MiB, dataOffset: auto }
    - { id: namespace0.1, region: region0, size: 2GiB, align: 4KiB }
    - { id: namespace0.2, region: region0, size: 2GiB, mode: devdax }
    - { id: namespace0.3, region: region0, size: 1GiB, mode: raw, dataOffset: auto }
    - { id: namespace0.4, region: region0, size: 1GiB, dataOffset: 4MiB }
`,
    }),
  );
  assert.deepEqual(s.platform.namespaces.map((n) => n.dataOffset), [35651584, 33562624, 35651584, 0, 4 * 2 ** 20]);
});

// ---------------------------------------------------------------------------
// Bad values: sizes, addresses, durations, enums, unknown fields

test('a bad address names the value and what an address is', () => {
  const text = scenario({ events: 'events:\n  - do: load\n    process: 1001\n    addr: 0x7f0000000000\n  - do: load\n    process: 1001\n    addr: 1\n  - do: media-error\n    spa: "0x12z"\n' });
  rejects(text, {
    path: '/events/2/spa',
    at: '"0x12z"',
    says: ['events[2].spa: "0x12z" is not an address (expected an integer or a hex string like "0x240000000")'],
  });
});

test('"4KB" is refused with the binary unit to write instead', () => {
  const text = scenario({ files: 'files:\n  - path: /mnt/pmem/a\n    size: 4KB\n' });
  rejects(text, { path: '/files/0/size', at: '4KB', says: ['files[0].size: "4KB" is not a size', 'write "4KiB"'] });
});

test('"1.5GiB" is refused: sizes are whole bytes', () => {
  const text = scenario().replace('size: 2GiB', 'size: 1.5GiB');
  rejects(text, { path: '/platform/namespaces/0/size', at: '1.5GiB', says: ['"1.5GiB" is not a size', 'fractions'] });
});

test('a negative size is refused', () => {
  const text = scenario().replace('size: 64KiB', 'size: -4096');
  rejects(text, { path: '/files/0/size', at: '-4096', says: ['files[0].size: -4096 is not a size', 'negative'] });
});

test('a duration with a bad unit is refused', () => {
  const text = scenario({ events: 'events:\n  - { do: load, process: 1001, addr: 0x7f0000000000, at: 5min }\n' });
  rejects(text, { path: '/events/0/at', at: '5min', says: ['events[0].at: "5min" is not a duration', 'ns, us, ms'] });
});

test('a negative duration is refused', () => {
  const text = scenario({ events: 'events:\n  - { do: load, process: 1001, addr: 0x7f0000000000, at: -1 }\n' });
  rejects(text, { path: '/events/0/at', at: '-1', says: ['-1 is not a duration'] });
});

test('an unknown field is named at its key, with the allowed ones', () => {
  const text = scenario().replace('name: case\n', 'name: case\nkernal: { design: upstream }\n');
  rejects(text, { path: '/kernal', at: 'kernal', says: ['unknown field "kernal"', 'did you mean "kernel"', 'allowed: version, name, description, seed, kernel'] });
});

test('an unknown field in an event lists that kind\'s fields', () => {
  const text = scenario({ events: 'events:\n  - do: inject-error\n    namespace: namespace0.0\n    block: 0\n    count: 1\n    notfiy: false\n' });
  rejects(text, { path: '/events/0/notfiy', at: 'notfiy', says: ['unknown field "notfiy" for do: inject-error', 'did you mean "notify"', 'allowed: do, id, at, expect, namespace, block, count, notify'] });
});

test('an unknown event kind is reported against `do` only', () => {
  const text = scenario({ events: 'events:\n  - do: laod\n    process: 1001\n    addr: 0x7f0000000000\n' });
  const all = diagnosticsOf(text);
  assert.equal(all.length, 1, all.map((d) => d.message).join('\n'));
  rejects(text, { path: '/events/0/do', at: 'laod', says: ['events[0].do: "laod" is not an event kind', 'did you mean "load"'] });
});

test('a missing required field is reported at its object, naming the kind', () => {
  const text = scenario({ events: 'events:\n  - do: inject-error\n    namespace: namespace0.0\n    block: 8\n' });
  rejects(text, { path: '/events/0/count', at: 'do: inject-error', says: ['events[0].count: missing', 'do: inject-error needs namespace, block, count'] });
});

test('an empty value is reported at its key', () => {
  const text = scenario().replace('    comm: reader\n', '    comm:\n');
  rejects(text, { path: '/processes/0/comm', at: 'comm:', says: ['processes[0].comm: null is not a string'] });
});

test('a bad enum value lists the allowed ones', () => {
  const text = scenario().replace('name: case\n', 'name: case\nkernel:\n  design: upstrem\n');
  rejects(text, { path: '/kernel/design', at: 'upstrem', says: ['kernel.design: "upstrem" is not one of upstream, page-mapping, corrupted-range, pagemap-failure', 'did you mean "upstream"'] });
});

test('a YAML 1.1 boolean gets a hint', () => {
  const text = scenario({ events: 'events:\n  - { do: ghes, spa: 0x240000000, sync: yes }\n' });
  rejects(text, { path: '/events/0/sync', at: 'yes', says: ['"yes" is not a boolean', 'write true or false'] });
});

test('an unsupported version is refused', () => {
  const text = scenario().replace('version: 1', 'version: 2');
  rejects(text, { path: '/version', at: '2', says: ['version: 2 is not supported (expected 1)'] });
});

test('a target written in two forms is refused once, naming what was found', () => {
  const text = scenario({ events: 'events:\n  - do: media-error\n    spa: 0x240000000\n    namespace: namespace0.0\n    offset: 0\n' });
  rejects(text, { path: '/events/0', at: 'do: media-error', says: ['a target is exactly one of: spa; region + offset;', 'found spa, namespace, offset'] });
});

test('a target missing its second half is refused', () => {
  const text = scenario({ events: 'events:\n  - { do: ghes, region: region0 }\n' });
  rejects(text, { path: '/events/0', at: '{ do: ghes', says: ['found region'] });
});

test('read needs exactly one of file or device', () => {
  const text = scenario({ events: 'events:\n  - { do: read, process: 1001, file: /mnt/pmem/a, device: pmem0, length: 4096 }\n' });
  rejects(text, { path: '/events/0', at: '{ do: read', says: ['needs exactly one of file or device (found both)'] });
});

test('set must change something, and process goes with mceKill', () => {
  const text = scenario({ events: 'events:\n  - { do: set }\n  - { do: set, earlyKill: true, process: 1001 }\n' });
  rejects(text, { path: '/events/0', at: '{ do: set', says: ['set changes nothing'] });
  rejects(text, { path: '/events/1/process', at: '1001 }', says: ['needs "mceKill" beside it'] });
});

test('an expectation has exactly one kind', () => {
  const text = scenario({ expect: 'expect:\n  - noSignal: { pid: 1001 }\n    dmesg: { contains: x }\n' });
  rejects(text, { path: '/expect/0', at: 'noSignal', says: ['is not one expectation', 'found noSignal, dmesg'] });
});

test('a badblocks range is a [sector, count] pair', () => {
  const text = scenario({ expect: 'expect:\n  - badblocks: { device: pmem0, ranges: [ [1, 2, 3] ] }\n' });
  rejects(text, { path: '/expect/0/badblocks/ranges/0', at: '[1, 2, 3]', says: ['[1,2,3] is not a [sector, count] pair'] });
});

test('a relative mount point is refused', () => {
  const text = scenario().replace('mount: /mnt/pmem', 'mount: mnt/pmem');
  rejects(text, { path: '/filesystems/0/mount', at: 'mnt/pmem', says: ['"mnt/pmem" is not an absolute path'] });
});

test('several problems are reported together, in file order', () => {
  const text = scenario({ events: 'events:\n  - { do: load, process: 1001, addr: zz }\n  - { do: store, process: 1001, addr: 0, length: 4KB }\n  - { do: exit }\n' });
  const all = diagnosticsOf(text);
  assert.deepEqual(all.map((d) => d.path), ['/events/0/addr', '/events/1/length', '/events/2/process']);
  assert.ok(all.every((d, i) => i === 0 || d.line >= all[i - 1]!.line));
});

// ---------------------------------------------------------------------------
// Cross references and structure

test('duplicate ids are refused: regions', () => {
  const text = scenario().replace('  namespaces:', '    - id: region0\n      spa: 0x440000000\n      size: 1GiB\n  namespaces:');
  rejects(text, { path: '/platform/regions/1/id', at: 'region0', nth: 1, says: ['platform.regions[1].id: "region0" is already used by platform.regions[0].id'] });
});

test('duplicate ids are refused: namespaces', () => {
  const text = scenario().replace('id: namespace0.1', 'id: namespace0.0');
  rejects(text, { path: '/platform/namespaces/1/id', at: 'namespace0.0', nth: 1, says: ['"namespace0.0" is already used by platform.namespaces[0].id'] });
});

test('duplicate device names are refused', () => {
  const text = scenario().replace('      size: 2GiB\n', '      size: 2GiB\n      device: pmem0\n').replace('      mode: devdax\n', '      mode: devdax\n      device: pmem0\n');
  rejects(text, { path: '/platform/namespaces/1/device', at: 'pmem0', nth: 1, says: ['"pmem0" is already the name of the device defined at platform.namespaces[0].device'] });
});

test('duplicate ids are refused: dm devices and device names', () => {
  const text = scenario().replace(
    'filesystems:',
    '  dm:\n    - id: dm-0\n      table: [ { start: 0, length: 8, target: linear, device: dax0.0 } ]\n    - id: dm-0\n      table: [ { start: 0, length: 8, target: linear, device: pmem0 } ]\nfilesystems:',
  );
  const all = diagnosticsOf(text);
  const dup = all.find((d) => d.path === '/platform/dm/1/id');
  assert.ok(dup && dup.message.includes('"dm-0" is already the name of the device defined at platform.dm[0].id'));
  assert.deepEqual({ line: dup.line, column: dup.column }, where(text, 'dm-0', 1));
  const dax = all.find((d) => d.path === '/platform/dm/0/table/0/device');
  assert.ok(dax && dax.message.includes('"dax0.0" is a device-dax character device'));
});

test('duplicate ids are refused: mappings of one process', () => {
  const text = scenario().replace('      - file: /mnt/pmem/a\n', '      - { id: m0, file: /mnt/pmem/a }\n      - { id: m0, file: /mnt/pmem/a }\n');
  rejects(text, { path: '/processes/0/mappings/1/id', at: 'm0, file', nth: 1, says: ['processes[0].mappings[1].id: "m0" is already used by processes[0].mappings[0].id'] });
});

test('duplicate ids are refused: events, including clashes with the positional default', () => {
  const explicit = scenario({ events: 'events:\n  - { id: poison, do: corrupt-pfn, pfn: 1 }\n  - { id: poison, do: corrupt-pfn, pfn: 2 }\n' });
  rejects(explicit, { path: '/events/1/id', at: 'poison', nth: 1, says: ['"poison" is already the id of events[0]'] });
  const clash = scenario({ events: 'events:\n  - { id: e2, do: corrupt-pfn, pfn: 1 }\n  - { do: corrupt-pfn, pfn: 2 }\n' });
  rejects(clash, { path: '/events/0/id', at: 'e2', says: ['"e2" is also the default id of events[1]'] });
});

test('duplicate ids are refused: pids, file paths, mount points', () => {
  const pids = scenario().replace('processes:\n', 'processes:\n  - pid: 1001\n');
  rejects(pids, { path: '/processes/1/pid', at: '1001', nth: 1, says: ['processes[1].pid: "1001" is already used by processes[0].pid'] });
  const files = scenario({ files: 'files:\n  - { path: /mnt/pmem/a, size: 4KiB }\n  - { path: /mnt/pmem/a, size: 4KiB }\n' });
  rejects(files, { path: '/files/1/path', at: '/mnt/pmem/a', nth: 1, says: ['"/mnt/pmem/a" is already listed at files[0]'] });
  const mounts = scenario({
    platform: SECTIONS.platform.replace('      mode: devdax\n', ''),
    filesystems: 'filesystems:\n  - { device: pmem0, type: xfs, mount: /mnt/pmem }\n  - { device: pmem1, type: xfs, mount: /mnt/pmem }\n',
  });
  rejects(mounts, { path: '/filesystems/1/mount', at: '/mnt/pmem', nth: 1, says: ['"/mnt/pmem" is already used by filesystems[0].mount'] });
});

test('a namespace naming a missing region', () => {
  const text = scenario().replace('      region: region0\n      size: 1GiB', '      region: region9\n      size: 1GiB');
  rejects(text, { path: '/platform/namespaces/1/region', at: 'region9', says: ['"region9" is not a region (regions: region0)'] });
});

test('namespaces overlapping each other', () => {
  const text = scenario().replace('      size: 1GiB\n      mode: devdax', '      offset: 1GiB\n      size: 1GiB\n      mode: devdax');
  rejects(text, { path: '/platform/namespaces/1/offset', at: '1GiB\n      size', says: ['puts namespace0.1 [0x40000000, 0x80000000) over namespace0.0 [0x0, 0x80000000)'] });
});

test('a namespace running past the end of its region', () => {
  const text = scenario().replace('      size: 1GiB\n      mode: devdax', '      size: 3GiB\n      mode: devdax');
  rejects(text, { path: '/platform/namespaces/1/size', at: '3GiB', says: ['"3GiB" runs past the end of region0', 'the region is 4GiB'] });
});

test('namespace offset and size must be multiples of 4KiB', () => {
  const text = scenario().replace('      size: 1GiB\n      mode: devdax', '      offset: 0x80000200\n      size: 1GiB\n      mode: devdax');
  rejects(text, { path: '/platform/namespaces/1/offset', at: '0x80000200', says: ['is not a multiple of 4KiB'] });
});

test('dataOffset must be a multiple of align and leave a data area; raw has none', () => {
  const unaligned = scenario().replace('      size: 2GiB\n', '      size: 2GiB\n      dataOffset: 1MiB\n');
  rejects(unaligned, { path: '/platform/namespaces/0/dataOffset', at: '1MiB', says: ['"1MiB" is not a multiple of the namespace align (2MiB)'] });
  const tooBig = scenario().replace('      size: 2GiB\n', '      size: 2GiB\n      dataOffset: 2GiB\n');
  rejects(tooBig, { path: '/platform/namespaces/0/dataOffset', at: '2GiB', nth: 1, says: ['leaves no data area'] });
  const raw = scenario().replace('      size: 2GiB\n', '      size: 2GiB\n      mode: raw\n      dataOffset: 2MiB\n');
  rejects(raw, { path: '/platform/namespaces/0/dataOffset', at: '2MiB', says: ['must be 0 or auto for a raw namespace'] });
});

test('clearUnit and errorGranularity must be powers of two', () => {
  const text = scenario().replace('      size: 4GiB\n', '      size: 4GiB\n      clearUnit: 100\n      errorGranularity: 48\n');
  rejects(text, { path: '/platform/regions/0/clearUnit', at: '100', says: ['platform.regions[0].clearUnit: 100 is not a power of two'] });
  rejects(text, { path: '/platform/regions/0/errorGranularity', at: '48', says: ['48 is not a power of two'] });
});

test('a filesystem on a device nothing provides, or on a device-dax device', () => {
  const missing = scenario().replace('  - device: pmem0', '  - device: pmem7');
  rejects(missing, { path: '/filesystems/0/device', at: 'pmem7', says: ['"pmem7" is not a block device (block devices: pmem0)'] });
  const dax = scenario().replace('  - device: pmem0', '  - device: /dev/dax0.0');
  rejects(dax, { path: '/filesystems/0/device', at: '/dev/dax0.0', says: ['is a device-dax character device'] });
});

test('two filesystems on one device', () => {
  const text = scenario({ filesystems: 'filesystems:\n  - { device: pmem0, type: xfs, mount: /mnt/a }\n  - { device: pmem0, type: ext4, mount: /mnt/b }\n' });
  rejects(text.replace('path: /mnt/pmem/a', 'path: /mnt/a/a').replace('file: /mnt/pmem/a', 'file: /mnt/a/a'), {
    path: '/filesystems/1/device',
    at: 'pmem0',
    nth: 1,
    says: ['"pmem0" is already used by filesystems[0].device'],
  });
});

test('a filesystem on a device device-mapper holds', () => {
  const text = DM_SCENARIO.replace('  - device: dm-0', '  - device: pmem1');
  rejects(text, { path: '/filesystems/0/device', at: 'pmem1', nth: 1, says: ['is held by device-mapper (platform.dm[0].table[1].devices[0])'] });
});

test('a file outside any mount', () => {
  const text = scenario({ files: 'files:\n  - path: /mnt/pmem/a\n    size: 64KiB\n  - path: /mnt/pmemx/b\n    size: 4KiB\n' });
  rejects(text, { path: '/files/1/path', at: '/mnt/pmemx/b', says: ['"/mnt/pmemx/b" is not under any mount point (mounts: /mnt/pmem)'] });
});

test('a reflink or clone source must be an earlier-listed file', () => {
  const later = scenario({ files: 'files:\n  - path: /mnt/pmem/a\n    reflink: /mnt/pmem/b\n  - path: /mnt/pmem/b\n    size: 4KiB\n' });
  rejects(later, { path: '/files/0/reflink', at: '/mnt/pmem/b', says: ['"/mnt/pmem/b" is not a file listed before this one'] });
  const clone = scenario({ files: 'files:\n  - path: /mnt/pmem/a\n    size: 64KiB\n    clone: [ { from: /mnt/pmem/nope, length: 4KiB } ]\n' });
  rejects(clone, { path: '/files/0/clone/0/from', at: '/mnt/pmem/nope', says: ['"/mnt/pmem/nope" is not a file listed before this one'] });
});

test('reflink needs a filesystem that shares extents', () => {
  const text = scenario({
    filesystems: 'filesystems:\n  - { device: pmem0, type: ext4, mount: /mnt/pmem }\n',
    files: 'files:\n  - { path: /mnt/pmem/a, size: 64KiB }\n  - { path: /mnt/pmem/b, reflink: /mnt/pmem/a }\n',
  });
  rejects(text, { path: '/files/1/reflink', at: '/mnt/pmem/a', nth: 1, says: ['ext4 has no reflink'] });
});

test('a mapping naming a missing file or device', () => {
  const file = scenario().replace('      - file: /mnt/pmem/a\n', '      - file: /mnt/pmem/zz\n');
  rejects(file, { path: '/processes/0/mappings/0/file', at: '/mnt/pmem/zz', says: ['"/mnt/pmem/zz" is not one of the files (files: /mnt/pmem/a)'] });
  const device = scenario().replace('      - file: /mnt/pmem/a\n', '      - { device: /dev/dax9.0, length: 2MiB }\n');
  rejects(device, { path: '/processes/0/mappings/0/device', at: '/dev/dax9.0', says: ['"/dev/dax9.0" is not a device (devices: pmem0, dax0.0)'] });
});

test('a device-dax mapping must be shared and aligned', () => {
  const text = scenario().replace('      - file: /mnt/pmem/a\n', '      - { device: dax0.0, length: 4KiB, flags: private }\n');
  rejects(text, { path: '/processes/0/mappings/0/flags', at: 'private', says: ['is refused by device-dax'] });
  rejects(text, { path: '/processes/0/mappings/0/length', at: '4KiB, flags', says: ['"4KiB" is not a multiple of 2MiB, the align of dax0.0'] });
});

test('events naming a missing process, file, namespace, region or device', () => {
  const text = scenario({
    events: `events:
  - { do: load, process: 999, addr: 0x7f0000000000 }
  - { do: punch-hole, process: 1001, file: /mnt/pmem/zz }
  - { do: unbind, namespace: namespace7.0 }
  - { do: scrub, region: region7 }
  - { do: media-error, device: pmem7, sector: 0 }
`,
  });
  rejects(text, { path: '/events/0/process', at: '999', says: ['events[0].process: 999 is not a process (pids: 1001)'] });
  rejects(text, { path: '/events/1/file', at: '/mnt/pmem/zz', says: ['"/mnt/pmem/zz" is not one of the files'] });
  rejects(text, { path: '/events/2/namespace', at: 'namespace7.0', says: ['"namespace7.0" is not a namespace (namespaces: namespace0.0, namespace0.1)'] });
  rejects(text, { path: '/events/3/region', at: 'region7', says: ['"region7" is not a region (regions: region0)'] });
  rejects(text, { path: '/events/4/device', at: 'pmem7', says: ['"pmem7" is not a device'] });
});

test('an event naming a process that has exited', () => {
  const text = scenario({ events: 'events:\n  - { do: exit, process: 1001 }\n  - { do: load, process: 1001, addr: 0x7f0000000000 }\n' });
  rejects(text, { path: '/events/1/process', at: '1001', nth: 2, says: ['names a process that has exited (at events[0])'] });
});

test('munmap of a mapping the process does not have', () => {
  const text = scenario({ events: 'events:\n  - { do: munmap, process: 1001, id: m0 }\n  - { do: munmap, process: 1001, id: m0 }\n' });
  rejects(text, { path: '/events/1/id', at: 'm0 }', nth: 1, says: ['"m0" is not a live mapping of process 1001 (live: none)'] });
});

test('an event target beyond its object', () => {
  const text = scenario({ events: 'events:\n  - { do: media-error, file: /mnt/pmem/a, offset: 64KiB }\n  - { do: inject-error, namespace: namespace0.0, block: 0x1000000, count: 8 }\n' });
  rejects(text, { path: '/events/0/offset', at: '64KiB', nth: 1, says: ['is beyond the end of /mnt/pmem/a (64KiB)'] });
  rejects(text, { path: '/events/1/block', at: '0x1000000', says: ['runs past the end of namespace0.0\'s data area'] });
});

test('an expectation referring to an unknown event id, or to one not run yet', () => {
  const unknown = scenario({ expect: 'expect:\n  - result: { event: e9, errno: EIO }\n' });
  rejects(unknown, { path: '/expect/0/result/event', at: 'e9', says: ['"e9" is not an event id (events: e1)'] });
  const early = scenario({ events: 'events:\n  - { do: load, process: 1001, addr: 0x7f0000000000, expect: [ { result: { event: e2, ret: 0 } } ] }\n  - { do: load, process: 1001, addr: 0x7f0000000000 }\n' });
  rejects(early, { path: '/events/0/expect/0/result/event', at: 'e2', says: ['has not run yet'] });
});

test('expectations naming unknown processes, devices or mounts', () => {
  const text = scenario({ expect: 'expect:\n  - noSignal: { pid: 4242 }\n  - badblocks: { device: pmem5, ranges: [] }\n  - fs: { mount: /mnt/x, shutdown: none }\n' });
  rejects(text, { path: '/expect/0/noSignal/pid', at: '4242', says: ['4242 is not a process'] });
  rejects(text, { path: '/expect/1/badblocks/device', at: 'pmem5', says: ['"pmem5" is not a device or region'] });
  rejects(text, { path: '/expect/2/fs/mount', at: '/mnt/x', says: ['"/mnt/x" is not a mount point (mounts: /mnt/pmem)'] });
});

test('dm table lines with a gap or an overlap', () => {
  const gap = DM_SCENARIO.replace('{ start: 2097152, length: 4194304', '{ start: 2097160, length: 4194304');
  rejects(gap, { path: '/platform/dm/0/table/1/start', at: '2097160', says: ['2097160 (0x200008) leaves a gap: sectors 2097152 to 2097159 are not mapped'] });
  const overlap = DM_SCENARIO.replace('{ start: 2097152, length: 4194304', '{ start: 2097144, length: 4194304');
  rejects(overlap, { path: '/platform/dm/0/table/1/start', at: '2097144', says: ['overlaps the previous line, which maps up to sector 2097151'] });
});

test('dm lines must fit their devices and divide into stripes', () => {
  const tooLong = DM_SCENARIO.replace('length: 2097152, target: linear', 'length: 8388608, target: linear').replace('start: 2097152,', 'start: 8388608,');
  rejects(tooLong, { path: '/platform/dm/0/table/0/device', at: 'pmem0', says: ['has 4124672 sectors, but this line maps sectors 0 to 8388607'] });
  const odd = DM_SCENARIO.replace('length: 4194304, target: striped', 'length: 4194305, target: striped');
  rejects(odd, { path: '/platform/dm/0/table/1/length', at: '4194305', says: ['is not divisible by the number of stripes (2)'] });
});

test('explicit at must not go backwards', () => {
  const text = scenario({ events: 'events:\n  - { do: corrupt-pfn, pfn: 1, at: 5ms }\n  - { do: corrupt-pfn, pfn: 2, at: 4ms }\n  - { do: corrupt-pfn, pfn: 3, at: 5ms }\n' });
  rejects(text, { path: '/events/1/at', at: '4ms', says: ['events[1].at: "4ms" goes backwards: the previous event runs at 5ms'] });
});

// ---------------------------------------------------------------------------
// Positions for the simulator's own errors

test('positionOf finds values, keys of empty values, and the nearest node of missing ones', () => {
  const text = scenario();
  assert.deepEqual(positionOf(text, 'x.poison.yaml', '/events/0/addr'), where(text, '0x7f0000000000'));
  assert.deepEqual(positionOf(text, 'x.poison.yaml', '/platform/namespaces/1'), where(text, 'id: namespace0.1'));
  assert.deepEqual(positionOf(text, 'x.poison.yaml', '/events/0/length'), where(text, 'do: load'));
  assert.deepEqual(positionOf(text, 'x.poison.yaml', ''), { line: 1, column: 1 });
  assert.deepEqual(positionOf(JSON_TEXT, 'x.poison.json', '/events/1/at'), where(JSON_TEXT, '"5ms"'));
});

test('diagnosticFromInputError places a simulator error in the file', () => {
  const text = scenario();
  const err = new InputError('/events/0/addr', 'addr', 0x7f0000000000, 'events[0].addr: 0x7f0000000000 is not in any mapping of process 1001');
  assert.deepEqual(diagnosticFromInputError(text, 'x.poison.yaml', err), {
    file: 'x.poison.yaml',
    ...where(text, '0x7f0000000000'),
    path: '/events/0/addr',
    field: 'addr',
    value: 0x7f0000000000,
    message: err.message,
  });
  const unplaced = diagnosticFromInputError(text, 'x.poison.yaml', new InputError('', '', undefined, 'no scenario'));
  assert.deepEqual([unplaced.line, unplaced.column], [0, 0]);
});
