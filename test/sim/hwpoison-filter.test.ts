// mm/memory-failure.c hwpoison_filter() and the debugfs knobs of
// mm/hwpoison-inject.c (docs/hwpoison-filter.md): the loader's checks, each
// test on the generic device path, the holder path that never asks, and
// corrupt-pfn's early return with the filter on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { ScenarioErrors } from '../../src/sim/errors';
import { fsdaxHead } from './helpers';

const base = (fs: string, filter: string, events: string, version = '') => `
${fsdaxHead({ name: 'filter', kernel: `hwpoisonFilter: ${filter}${version ? `, version: "${version}"` : ''}`, fs })}
files:
  - { path: /mnt/pmem/data, size: 64KiB, fill: 0x61 }
processes:
  - pid: 100
    comm: injector
    mappings:
      - { id: m0, file: /mnt/pmem/data, populate: true }
events:
${events}
`;

const madvise = (addr = '0x7f0000001000') => `  - { do: madvise-hwpoison, process: 100, addr: ${addr}, length: 4096 }`;

function run(text: string) {
  return runScenario(loadScenario(text, 'filter.poison.yaml'));
}

function diagnostics(text: string): string[] {
  try {
    loadScenario(text, 'filter.poison.yaml');
  } catch (e) {
    assert.ok(e instanceof ScenarioErrors, String(e));
    return e.diagnostics.map((d) => `${d.path}: ${d.message}`);
  }
  assert.fail('the scenario loaded');
}

test('hwpoisonFilter: bad values are refused with the field, its value and its place', () => {
  assert.match(diagnostics(base('ext4', '{ enable: true, devMajor: 4294967296 }', madvise())).join('\n'), /\/kernel\/hwpoisonFilter\/devMajor: .*4294967296 \(0x100000000\) is too large for corrupt-filter-dev-major, a u32/);
  assert.match(diagnostics(base('ext4', '{ enable: true, memcg: -1 }', madvise())).join('\n'), /\/kernel\/hwpoisonFilter\/memcg: .*-1 .*must not be negative/);
  assert.match(diagnostics(base('ext4', '{ enable: yes-please }', madvise())).join('\n'), /\/kernel\/hwpoisonFilter\/enable/);
  assert.match(diagnostics(base('ext4', '{ enabled: true }', madvise())).join('\n'), /\/kernel\/hwpoisonFilter\/enabled: .*unknown field "enabled"/);
  assert.match(diagnostics(base('ext4', '{ enable: true }', `  - { do: set, hwpoisonFilter: { devMinor: "0x1ffffffff" } }`)).join('\n'), /\/events\/0\/hwpoisonFilter\/devMinor: .* a u32/);
});

test('hwpoison_filter: a memcg filter keeps madvise(MADV_HWPOISON) from a pmem page on the generic path (ext4)', () => {
  const r = run(base('ext4', '{ enable: true, memcg: 1 }', madvise()));
  assert.deepEqual(r.events[0]!.result, { ret: 0 });
  assert.deepEqual(r.signals, []);
  assert.deepEqual(r.hwpoison, []);
  assert.ok([...r.dmesg].some((l) => l.startsWith('Injecting memory failure for pfn')));
  assert.ok(![...r.dmesg].some((l) => l.includes('recovery action')), [...r.dmesg].join('\n'));
  assert.equal(r.calls.hwpoison_filter_task, 1);
});

test('hwpoison_filter: the dev test compares the filesystem device (pmem0 is 259:0)', () => {
  const pass = run(base('ext4', '{ enable: true, devMajor: 259, devMinor: 0 }', madvise()));
  assert.equal(pass.signals.length, 1);
  assert.equal(pass.signals[0]!.code, 'BUS_MCEERR_AR');
  const minor = run(base('ext4', '{ enable: true, devMajor: 259, devMinor: 1 }', madvise()));
  assert.deepEqual(minor.signals, []);
  const major = run(base('ext4', '{ enable: true, devMajor: 8 }', madvise()));
  assert.deepEqual(major.signals, []);
});

test('hwpoison_filter: the flags test sees KPF_RESERVED, never KPF_MMAP, and KPF_HWPOISON once poisoned', () => {
  const reserved = run(base('ext4', '{ enable: true, flagsMask: 0x100000800, flagsValue: 0x100000000 }', madvise()));
  assert.equal(reserved.signals.length, 1);
  // a fresh page lacks KPF_HWPOISON; once poisoned (with the filter off) it has it
  const hw = run(base('ext4', '{ enable: true, flagsMask: 0x80000, flagsValue: 0x80000 }', [madvise(), '  - { do: set, hwpoisonFilter: { enable: false } }', madvise(), '  - { do: set, hwpoisonFilter: { enable: true } }', madvise()].join('\n')));
  assert.deepEqual(hw.signals.map((s) => s.event), ['e3', 'e5']);
});

test('hwpoison_filter: a holder (XFS with rmapbt) never asks the filter', () => {
  const r = run(base('xfs', '{ enable: true, memcg: 1 }', madvise()));
  assert.equal(r.signals.length, 1);
  assert.equal(r.calls.hwpoison_filter ?? 0, 0);
  assert.ok([...r.dmesg].some((l) => l.endsWith('recovery action for dax page: Recovered')));
});

test('hwpoison_inject: with the filter on, corrupt-pfn returns 0 and injects nothing into a ZONE_DEVICE page', () => {
  const r = run(base('ext4', '{ enable: true }', '  - { do: corrupt-pfn, pfn: 0x249401 }'));
  assert.deepEqual(r.events[0]!.result, { ret: 0 });
  assert.equal(r.calls.memory_failure ?? 0, 0);
  assert.equal(r.calls.shake_folio, 1);
  assert.ok(![...r.dmesg].some((l) => l.startsWith('Injecting')), [...r.dmesg].join('\n'));
  // 6.1: shake_page, the same early return
  const r61 = run(base('ext4', '{ enable: true }', '  - { do: corrupt-pfn, pfn: 0x249401 }', '6.1'));
  assert.equal(r61.calls.shake_page, 1);
  assert.equal(r61.calls.memory_failure ?? 0, 0);
});

test('hwpoison_filter: 6.12 and 6.1 filter a device-dax page by its compound head; 6.1 still prints "dax page: Failed"', () => {
  const devdax = (version: string) => `
version: 1
name: devdax filter
kernel:
  hwpoisonFilter: { enable: true, flagsMask: 0x18000, flagsValue: 0x10000 }${version ? `\n  version: "${version}"` : ''}
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 1GiB }
  namespaces:
    - { id: namespace0.0, region: region0, mode: devdax, align: 2MiB, device: dax0.0 }
processes:
  - pid: 100
    comm: injector
    mappings:
      - { id: m0, device: /dev/dax0.0, length: 4MiB, populate: true }
events:
  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000003000, length: 4096 }
`;
  // the poisoned page is a tail; both see the head (KPF_COMPOUND_HEAD), so a filter wanting a tail filters it
  const r612 = run(devdax(''));
  const r61 = run(devdax('6.1'));
  assert.deepEqual(r612.signals, []);
  assert.deepEqual(r61.signals, []);
  assert.deepEqual(r612.events[0]!.result, { ret: 0 });
  assert.deepEqual(r61.events[0]!.result, { ret: 0 });
  // memory_failure_dev_pagemap: 6.12 skips action_result for -EOPNOTSUPP, 6.1 does not (oracle/recorded-6.1/hwpoison-filter-devdax e1)
  assert.ok(![...r612.dmesg].some((l) => l.includes('recovery action')));
  assert.ok([...r61.dmesg].includes('Memory failure: 0x241203: recovery action for dax page: Failed'), [...r61.dmesg].join('\n'));
});
