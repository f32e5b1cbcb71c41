// CXL devices, decoders and regions (docs/cxl.md): the loader's refusals,
// each naming the field and the value; run-time refusals that change
// nothing; the nd_region a pmem region provides; the report's cxlPoison
// extension; and property tests of the core over CXL configurations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario, Session } from '../../src/sim/run';
import type { EventSpec, Scenario } from '../../src/sim/scenario/types';
import { InputError, ScenarioErrors, type Diagnostic } from '../../src/sim/errors';
import { hex } from '../../src/sim/units';

function diagnostics(text: string): Diagnostic[] {
  try {
    loadScenario(text, 'cxl.poison.yaml');
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.diagnostics;
    throw e;
  }
  return [];
}

/** the scenario is refused with a diagnostic at `path` whose message contains every needle */
function refused(text: string, path: string, ...needles: string[]): Diagnostic {
  const ds = diagnostics(text);
  const d = ds.find((x) => x.path === path);
  assert.ok(d, `no diagnostic at ${path}; got:\n${ds.map((x) => `${x.path}: ${x.message}`).join('\n') || '(accepted)'}`);
  for (const n of needles) assert.ok(d.message.includes(n), `"${d.message}" lacks "${n}"`);
  assert.ok(d.line > 0, 'positioned in the file');
  return d;
}

function cxl(body: string, extra = ''): string {
  return `version: 1
name: cxl case
platform:
  regions: []
  cxl:
${body
  .split('\n')
  .map((l) => (l ? `    ${l}` : l))
  .join('\n')}
${extra}`;
}

const TWO = `memdevs:
  - { id: mem0, pmem: 1GiB }
  - { id: mem1, pmem: 1GiB }`;

// ---- loader refusals ---------------------------------------------------------

test('an interleave that does not divide the region size is refused at size', () => {
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 768MiB, targets: [mem0, mem1] }`), '/platform/cxl/regions/0/size', '"768MiB"', 'interleave does not divide', '2 x 256MiB');
});

test('unsupported ways and granularity name the value and what 6.12 accepts', () => {
  const five = `memdevs:\n${[0, 1, 2, 3, 4].map((i) => `  - { id: mem${i}, pmem: 1GiB }`).join('\n')}`;
  refused(cxl(`${five}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 5GiB, targets: [mem0, mem1, mem2, mem3, mem4] }`), '/platform/cxl/regions/0/targets', 'ways_to_eiw accepts 1, 2, 4, 8, 16, 3, 6, 12');
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 2GiB, granularity: 128, targets: [mem0, mem1] }`), '/platform/cxl/regions/0/granularity', '128', 'from 256 to 16KiB');
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 2GiB, granularity: 32KiB, targets: [mem0, mem1] }`), '/platform/cxl/regions/0/granularity', '"32KiB"');
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 2GiB, ways: 4, targets: [mem0, mem1] }`), '/platform/cxl/regions/0/targets', '2 targets for 4 interleave ways');
});

test('targets that overflow their devices are refused at the target (cxl_dpa_alloc -ENOSPC)', () => {
  refused(
    cxl(`memdevs:\n  - { id: mem0, pmem: 512MiB }\n  - { id: mem1, pmem: 1GiB }\nregions:\n  - { id: region0, spa: 0x1000000000, size: 2GiB, targets: [mem0, mem1] }`),
    '/platform/cxl/regions/0/targets/0',
    '"mem0"',
    'has 512MiB of free pmem capacity',
    '-ENOSPC',
  );
  // a second region finds the first one's DPA taken
  refused(
    cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 2GiB, targets: [mem0, mem1] }\n  - { id: region1, spa: 0x2000000000, size: 256MiB, targets: [mem1] }`),
    '/platform/cxl/regions/1/targets/0',
    'has 0 of free pmem capacity',
  );
  // a ram region on a device without ram
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, mode: ram, spa: 0x1000000000, size: 256MiB, targets: [mem0] }`), '/platform/cxl/regions/0/targets/0', 'free ram capacity');
});

test('the same memdev twice, unknown targets, misaligned bases and overlaps are refused', () => {
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 512MiB, targets: [mem0, mem0] }`), '/platform/cxl/regions/0/targets/1', 'positions 0 and 1');
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 256MiB, targets: [mem9] }`), '/platform/cxl/regions/0/targets/0', '"mem9"', 'memdevs: mem0, mem1');
  refused(cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000100000, size: 256MiB, targets: [mem0] }`), '/platform/cxl/regions/0/spa', '256MiB aligned');
  refused(
    cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 256MiB, targets: [mem0] }\n  - { id: region1, spa: 0x1000000000, size: 256MiB, targets: [mem1] }`),
    '/platform/cxl/regions/1/spa',
    'over CXL region region0',
  );
  const withNfit = `version: 1\nplatform:\n  regions:\n    - { id: region0, spa: 0x1000000000, size: 1GiB }\n  cxl:\n    memdevs: [ { id: mem0, pmem: 1GiB } ]\n    regions:\n      - { id: region1, spa: 0x1000000000, size: 256MiB, targets: [mem0] }\n`;
  refused(withNfit, '/platform/cxl/regions/0/spa', 'over region0');
  refused(withNfit.replace('id: region1', 'id: region0').replace('spa: 0x1000000000, size: 256MiB', 'spa: 0x2000000000, size: 256MiB'), '/platform/cxl/regions/0/id', 'region0');
});

test('memdev capacities and explicit decoders are checked (units, DPA range, order, mixed mode)', () => {
  refused(cxl(`memdevs:\n  - { id: mem0, pmem: 100MiB }`), '/platform/cxl/memdevs/0/pmem', '"100MiB"', '256MiB');
  refused(cxl(`memdevs:\n  - { id: mem0 }`), '/platform/cxl/memdevs/0/pmem', 'no capacity');
  refused(cxl(`${TWO}\ndecoders:\n  - { id: decoder0.0, memdev: mem0, skip: 768MiB, size: 512MiB }`), '/platform/cxl/decoders/0/size', 'outside mem0');
  refused(cxl(`${TWO}\ndecoders:\n  - { id: decoder0.1, memdev: mem0, size: 256MiB }`), '/platform/cxl/decoders/0/id', 'out of order', 'decoder0.0');
  refused(cxl(`memdevs:\n  - { id: mem0, ram: 256MiB, pmem: 256MiB }\ndecoders:\n  - { id: decoder0.0, memdev: mem0, size: 512MiB }`), '/platform/cxl/decoders/0/size', 'mixed-mode');
  refused(cxl(`${TWO}\ndecoders:\n  - { id: decoder0.0, memdev: mem0, size: 256MiB }\n  - { id: decoder0.1, memdev: mem0, size: 256MiB }\nregions:\n  - { id: region0, spa: 0x1000000000, size: 256MiB, targets: [decoder0.1] }`), '/platform/cxl/decoders/0/id', 'commit in order');
  refused(cxl(`${TWO}\ndecoders:\n  - { id: decoder0.0, memdev: mem0, size: 512MiB }\nregions:\n  - { id: region0, spa: 0x1000000000, size: 256MiB, targets: [decoder0.0] }`), '/platform/cxl/regions/0/targets/0', 'decodes 512MiB', '256MiB');
});

test('6.12 cxl_dpa_alloc: a second pmem decoder while ram is unallocated collides with its own skip', () => {
  refused(
    cxl(`memdevs:\n  - { id: mem0, ram: 256MiB, pmem: 512MiB }\nregions:\n  - { id: region0, spa: 0x1000000000, size: 256MiB, targets: [mem0] }\n  - { id: region1, spa: 0x2000000000, size: 256MiB, targets: [mem0] }`),
    '/platform/cxl/regions/1/targets/0',
    'over decoder0.0',
    '-EBUSY',
  );
});

test('CXL events are checked when the file is loaded: memdev, DPA range and alignment, exactly one of memdev/region', () => {
  const base = cxl(TWO);
  refused(`${base}events:\n  - { do: cxl-inject-poison, memdev: mem0, dpa: 0x40000000 }\n`, '/events/0/dpa', '(0x40000000)', 'outside mem0', 'EINVAL');
  refused(`${base}events:\n  - { do: cxl-clear-poison, memdev: mem0, dpa: 0x1001 }\n`, '/events/0/dpa', 'not 64-byte aligned');
  refused(`${base}events:\n  - { do: cxl-inject-poison, memdev: mem7, dpa: 0 }\n`, '/events/0/memdev', '"mem7"');
  refused(`${base}events:\n  - { do: cxl-poison-list, memdev: mem0, region: region0 }\n`, '/events/0', 'exactly one of memdev or region (found both)');
  refused(`${base}events:\n  - { do: cxl-poison-list, region: region9 }\n`, '/events/0/region', 'not a CXL region');
  refused(`${base}expect:\n  - cxlPoison: { memdev: mem0, hpa: maybe }\n`, '/expect/0/cxlPoison/hpa');
  refused(`version: 1\nplatform:\n  regions: []\n`, '/platform/regions', 'has no region');
});

// ---- run time ----------------------------------------------------------------

const X2 = cxl(`${TWO}\nregions:\n  - { id: region0, spa: 0x1000000000, size: 2GiB, granularity: 4KiB, targets: [mem0, mem1] }`);

function ev(s: Scenario, e: Partial<EventSpec> & { do: EventSpec['do'] }): EventSpec {
  return { id: 'x1', at: 1_000_000, expect: [], path: '/events/0', ...e } as EventSpec;
}

test('a bad DPA reaching the simulator is an InputError naming dpa, and changes nothing', () => {
  const s = loadScenario(X2, 'cxl.poison.yaml');
  const session = new Session(s);
  session.step(ev(s, { do: 'cxl-inject-poison', memdev: 'mem0', dpa: 0x1000 } as Partial<EventSpec> & { do: 'cxl-inject-poison' }));
  const before = JSON.stringify(session.report);
  const poisonBefore = JSON.stringify(session.machine.k.cxl!.memdevs.map((m) => m.poison));
  for (const bad of [
    { do: 'cxl-inject-poison', memdev: 'mem0', dpa: 0x40000000, field: 'dpa' },
    { do: 'cxl-clear-poison', memdev: 'mem1', dpa: 0x20, field: 'dpa' },
    { do: 'cxl-inject-poison', memdev: 'mem5', dpa: 0, field: 'memdev' },
    { do: 'cxl-poison-list', region: 'region9', field: 'region' },
  ] as const) {
    const { field, ...e } = bad;
    assert.throws(
      () => session.step(ev(s, { ...e, id: 'bad' } as never)),
      (err: unknown) => err instanceof InputError && err.field === field && err.message.includes('bad:'),
    );
  }
  assert.equal(JSON.stringify(session.report), before);
  assert.equal(JSON.stringify(session.machine.k.cxl!.memdevs.map((m) => m.poison)), poisonBefore);
});

test('CXL events on a machine without CXL are refused', () => {
  const s = loadScenario(`version: 1\nplatform:\n  regions:\n    - { id: region0, spa: 0x240000000, size: 1GiB }\n`, 'n.poison.yaml');
  const session = new Session(s);
  assert.throws(() => session.step(ev(s, { do: 'cxl-poison-list', memdev: 'mem0' } as never)), (err: unknown) => err instanceof InputError && /no CXL devices/.test(err.message));
});

test('a pmem CXL region is an nd_region without ARS: scrub and inject-error get ENOTTY, nfit_handle_mce ignores it', () => {
  const text = `${X2}  namespaces:\n    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 }\nevents:\n  - { do: scrub, region: region0 }\n  - { do: inject-error, namespace: namespace0.0, block: 0, count: 1 }\n  - { do: media-error, region: region0, offset: 0x3040 }\n`;
  const s = loadScenario(text, 'cxl.poison.yaml');
  const r = runScenario(s);
  assert.deepEqual(r.events.map((e) => e.result.errno ?? e.result.ret), ['ENOTTY', 'ENOTTY', 0]);
  assert.equal(r.calls['acpi_nfit_ars_rescan'] ?? 0, 0);
  assert.equal(r.calls['acpi_nfit_ctl'] ?? 0, 0);
  // the media error at HPA offset 0x3040 is DPA 0x1040 of mem1 (position 1)
  const session = new Session(s);
  for (const e of s.events) session.step(e);
  const mem1 = session.machine.k.cxl!.memdev('mem1')!;
  assert.deepEqual(mem1.poison, [{ dpa: 0x1040, length: 64, source: 'Internal' }]);
  assert.ok(session.machine.k.platform.media.overlaps(0x1000003040, 0x1000003080));
  assert.deepEqual(r.badblocks['region0'], []);
  assert.deepEqual(r.badblocks['pmem0'], []);
});

test('reports without CXL records have no cxlPoison field; with them it comes last', () => {
  const plain = runScenario(loadScenario(`version: 1\nplatform:\n  regions:\n    - { id: region0, spa: 0x240000000, size: 1GiB }\n`, 'p.poison.yaml'));
  assert.ok(!('cxlPoison' in plain));
  const r = runScenario(loadScenario(`${X2}events:\n  - { do: cxl-inject-poison, memdev: mem1, dpa: 0x1040 }\n`, 'c.poison.yaml'));
  assert.equal(Object.keys(r).pop(), 'cxlPoison');
  assert.deepEqual(r.cxlPoison, [
    { event: 'e1', memdev: 'mem1', host: '0000:0e:00.0', traceType: 'Inject', region: 'region0', hpa: '0x1000003040', dpa: '0x1040', dpaLength: 64, source: 'Injected' },
  ]);
});

test('a failing cxlPoison expectation says what was expected and which records there were', () => {
  const r = runScenario(loadScenario(`${X2}events:\n  - do: cxl-inject-poison\n    memdev: mem1\n    dpa: 0x1040\n    expect:\n      - cxlPoison: { memdev: mem1, hpa: 0x1000001040 }\n      - cxlPoison: { traceType: Inject, count: 2 }\n`, 'c.poison.yaml'));
  const [a, b] = r.expectations;
  assert.equal(a!.ok, false);
  assert.match(a!.detail, /expected a cxl_poison record matching mem1 hpa 0x1000001040 in event e1; records in event e1: Inject mem1 dpa 0x1040 .* hpa 0x1000003040/);
  assert.equal(b!.ok, false);
  assert.match(b!.detail, /exactly 2 cxl_poison records .*; 1 match/);
});

// ---- property tests over CXL configurations ----------------------------------

const CONFIGS: { name: string; ways: number; gran: number }[] = [
  { name: 'x1', ways: 1, gran: 256 },
  { name: 'x2', ways: 2, gran: 4096 },
  { name: 'x3', ways: 3, gran: 1024 },
  { name: 'x4', ways: 4, gran: 256 },
  { name: 'x6', ways: 6, gran: 512 },
];

function configText(ways: number, gran: number): string {
  const mds = Array.from({ length: ways }, (_, i) => `      - { id: mem${i}, pmem: 512MiB }`).join('\n');
  return `version: 1
name: cxl property
platform:
  regions: []
  cxl:
    memdevs:
${mds}
      - { id: memx, pmem: 256MiB }
    regions:
      - { id: region0, spa: 0x4000000000, size: ${ways * 256}MiB, ways: ${ways}, granularity: ${gran}, targets: [${Array.from({ length: ways }, (_, i) => `mem${i}`).join(', ')}] }
  namespaces:
    - { id: namespace0.0, region: region0, mode: devdax, align: 2MiB, device: dax0.0 }
processes:
  - pid: 500
    mappings: [ { id: m0, device: dax0.0, offset: 0, length: 8MiB, populate: true } ]
  - pid: 501
    mceKill: early
    mappings: [ { id: m0, device: dax0.0, offset: 8MiB, length: 8MiB, populate: true } ]
`;
}

for (const c of CONFIGS) {
  test(`property (${c.name}, granularity ${c.gran}): translations agree, records match the device, signals only to mappers, rejected events change nothing`, () => {
    const text = configText(c.ways, c.gran);
    const base = loadScenario(text, 'prop.poison.yaml');
    const dataOffset = base.platform.namespaces[0]!.dataOffset;
    const memdev = fc.constantFrom(...Array.from({ length: c.ways }, (_, i) => `mem${i}`), 'memx');
    // DPAs in a small window just past the namespace's info block and memmap on
    // every device (its data area), so that injections, loads and clears meet
    const d0 = Math.ceil(dataOffset / c.ways / 4096) * 4096;
    const dpa = fc.nat({ max: 1 }).map((n) => d0 + n * 64);
    const target = fc.constantFrom(...Array.from({ length: c.ways }, (_, i) => `mem${i}`));
    const event = fc.oneof(
      fc.record({ do: fc.constant('cxl-inject-poison'), memdev, dpa }),
      fc.record({ do: fc.constant('cxl-clear-poison'), memdev, dpa }),
      fc.record({ do: fc.constant('cxl-poison-list'), memdev }),
      fc.record({ do: fc.constant('load'), process: fc.constant(500), memdev: target, dpa, byte: fc.nat({ max: 56 }) }),
      fc.record({ do: fc.constant('load'), process: fc.constantFrom(500, 501), off: fc.nat({ max: 8 * 1024 * 1024 - 8 }) }),
      fc.record({ do: fc.constant('media-error'), off: fc.nat({ max: c.ways * 256 * 1024 * 1024 - 64 }) }),
    );
    const invalid = fc.oneof(
      fc.record({ do: fc.constant('cxl-inject-poison'), memdev: fc.constant('mem0'), dpa: fc.constant(512 * 1024 * 1024) }),
      fc.record({ do: fc.constant('cxl-clear-poison'), memdev: fc.constant('memx'), dpa: fc.constant(0x41) }),
      fc.record({ do: fc.constant('cxl-poison-list'), memdev: fc.constant('nope') }),
    );
    const toEvent = (x: Record<string, unknown>, i: number): EventSpec => {
      const common = { id: `e${i + 1}`, at: (i + 1) * 1_000_000, expect: [], path: `/events/${i}` };
      // the address is the offset into the process's mapping until the mapping is known
      if (x.do === 'load') return { ...common, do: 'load', process: x.process as number, addr: (x.off as number | undefined) ?? 0, length: 8 } as EventSpec;
      if (x.do === 'media-error') return { ...common, do: 'media-error', target: { kind: 'spa', spa: 0x4000000000 + (x.off as number) } } as EventSpec;
      return { ...common, ...x } as unknown as EventSpec;
    };
    let consumed = 0;
    fc.assert(
      fc.property(fc.array(event, { maxLength: 16 }), invalid, (evs, bad) => {
        const s = loadScenario(text, 'prop.poison.yaml');
        const session = new Session(s);
        const k = session.machine.k;
        const st = k.cxl!;
        const region = st.region('region0')!;
        const procMaps = new Map<number, { start: number; end: number }>();
        for (const t of k.tasks) procMaps.set(t.pid, { start: t.mm!.vmas[0]!.start, end: t.mm!.vmas[0]!.end });
        const dataStart = region.start + dataOffset;
        const events = evs.map((gen, i) => {
          const x = gen as Record<string, unknown>;
          const e = toEvent(x, i);
          if (e.do !== 'load') return e;
          if (x.memdev === undefined) return { ...e, addr: procMaps.get(e.process)!.start + e.addr };
          // a load of the cacheline a DPA of one of the targets is mapped at (through pid 500's mapping)
          const md = st.memdev(x.memdev as string)!;
          const hpa = region.hpaOf(md.decoders[0]!, x.dpa as number) + (x.byte as number);
          return { ...e, addr: procMaps.get(500)!.start + hpa - dataStart };
        });
        for (const e of events) {
          const recordsBefore = st.records.length;
          try {
            session.step(e);
          } catch (err) {
            if (err instanceof InputError) continue;
            throw err;
          }
          // every List record of this event is on the device's list right now, at the HPA its position gives
          for (const r of st.records.slice(recordsBefore)) {
            const md = st.memdev(r.memdev)!;
            const d = Number(r.dpa);
            if (r.traceType === 'List') assert.ok(md.poison.some((p) => p.dpa === d && p.length === r.dpaLength), `listed ${r.dpa} on ${r.memdev} is not on its list`);
            if (r.region) {
              const hpa = Number(r.hpa);
              const back = region.decode(hpa);
              assert.equal(back.decoder.memdev.id, r.memdev);
              assert.equal(back.dpa, d);
            } else {
              assert.equal(r.hpa, '0xffffffffffffffff');
              assert.ok(!md.decoderAt(d)?.region, `${r.memdev} ${r.dpa} has a region but the record has none`);
            }
          }
        }
        // the media the CPU sees is exactly the mapped part of the devices' poison lists
        const expected: string[] = [];
        for (const md of st.memdevs)
          for (const p of md.poison)
            for (let a = p.dpa; a < p.dpa + p.length; a += 64) {
              const d = md.decoderAt(a);
              if (d?.region) expected.push(hex(d.region.hpaOf(d, a)));
            }
        const media: string[] = [];
        for (const [a, b] of k.platform.media.all()) for (let x = a; x < b; x += 64) media.push(hex(x));
        assert.deepEqual(media.sort(), expected.sort());
        // signals only to tasks that map the address
        if (session.report.signals.length) consumed++;
        for (const sig of session.report.signals) {
          if (sig.code === 'none') continue;
          const m = procMaps.get(sig.pid)!;
          const addr = Number(sig.addr);
          assert.ok(addr >= m.start && addr < m.end, `signal to ${sig.pid} at ${sig.addr} outside its mapping`);
        }
        // a rejected event changes neither the report nor the devices
        const reportBefore = JSON.stringify(session.report);
        const devBefore = JSON.stringify(st.memdevs.map((m) => m.poison));
        assert.throws(() => session.step(toEvent(bad, events.length)), InputError);
        assert.equal(JSON.stringify(session.report), reportBefore);
        assert.equal(JSON.stringify(st.memdevs.map((m) => m.poison)), devBefore);
      }),
      { numRuns: 80, seed: 20260 + c.ways },
    );
    // the generator does reach poison through the mapping (the signal check is not vacuous)
    assert.ok(consumed > 0, 'no run consumed poison');
  });
}
