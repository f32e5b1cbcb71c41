// npm run bench, "large extent lists": loading a scenario whose one file has
// 10^6 extents (every other block of AG 1 of a 1 TiB XFS), written as an
// extents file and as one repeated pattern, and a scenario of 10^5 explicit
// extents in YAML (10^3 files of 100). Each case runs in its own process
// (scripts/bench.mjs passes the case), so the memory added is its own:
// resident memory after the load minus before it, both after a gc.
// "load" is what `run` does before the first event: read, parse, validate,
// expand, then build the machine (mkfs, the files' extents with their
// bmap, rmap and free-space records).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../src/sim/scenario/load';
import { Session } from '../src/sim/run';
import { readTextFile } from '../src/cli/main';
import { XfsMount } from '../src/sim/fs/xfs/xfs_mount';

const TiB = 2 ** 40;
const GiB = 2 ** 30;
const ms = (ns: bigint) => Number(ns) / 1e6;
const now = () => process.hrtime.bigint();
const rssMB = () => process.memoryUsage().rss / 1e6;
/** CPU time of this process in ms (user + system): on a shared machine, what the load itself cost */
const cpuMs = (since?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

const HEAD = `version: 1
platform:
  regions: [ { id: region0, spa: 0x10000000000, size: 1TiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 1GiB, dataOffset: 16GiB } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem } ]
`;

/** the first free block of AG 1 (fsb), past its headers and btree roots */
function firstFree(): number {
  const probe = XfsMount.mkfs({ deviceBytes: TiB - 16 * GiB, blockSize: 4096, agcount: 4, rmapbt: true, reflink: true });
  // (well past them: the mounted filesystem places its own root directory and inode chunk there)
  return 2 ** probe.geo.agblklog + probe.freeExtents(1)[0]!.startblock + 1024;
}

function line(name: string, value: string, target: string, ok: boolean): void {
  console.log(`${ok ? 'ok  ' : 'MISS'}  ${name.padEnd(58)} ${value.padStart(14)}   target ${target}`);
}

const which = process.argv[2] ?? 'file';
const base = firstFree();
const dir = mkdtempSync(join(tmpdir(), 'dpl-bench-extents-'));
const N = which === 'yaml' ? 100_000 : 1_000_000;
let text: string;
let label: string;
if (which === 'file') {
  const lines: string[] = ['# offset block length'];
  for (let i = 0; i < N; i++) lines.push(`${i} ${base + 2 * i} 1`);
  writeFileSync(join(dir, 'frag.extents'), `${lines.join('\n')}\n`);
  text = `${HEAD}files:\n  - { path: /mnt/pmem/frag, size: ${N * 4096}, extentsFile: ./frag.extents }\n`;
  label = '10^6 extents, extentsFile (one file, every other block)';
} else if (which === 'pattern') {
  text = `${HEAD}files:\n  - path: /mnt/pmem/frag\n    size: ${N * 4096}\n    extents:\n      - { offset: 0, block: ${base}, length: 1, count: ${N}, stride: 2 }\n`;
  label = '10^6 extents, one pattern (count, stride)';
} else {
  const parts: string[] = [`${HEAD}files:\n`];
  for (let f = 0; f < N / 100; f++) {
    parts.push(`  - path: /mnt/pmem/f${f}\n    size: 1600KiB\n    extents:\n`);
    for (let j = 0; j < 100; j++) parts.push(`      - { offset: ${4 * j}, block: ${base + 5 * (f * 100 + j)}, length: 4 }\n`);
  }
  text = parts.join('');
  label = '10^5 explicit extents in YAML (10^3 files of 100)';
}
const file = join(dir, 'extents.poison.yaml');
writeFileSync(file, text);

global.gc?.();
const rss0 = rssMB();
let t = now();
const c0 = process.cpuUsage();
const scenario = loadScenario(readTextFile(file), file, { readFile: (p) => readTextFile(p) });
const parse = ms(now() - t);
t = now();
const session = new Session(scenario);
const build = ms(now() - t);
const cpu = cpuMs(c0);
global.gc?.();
const added = rssMB() - rss0;
const extents = scenario.files.reduce((n, f) => n + (f.extents?.length ?? 0), 0);
if (extents !== N) throw new Error(`expected ${N} extents, loaded ${extents}`);
void session;
rmSync(dir, { recursive: true, force: true });

const total = parse + build;
const limit = 5000;
line(`${label}: load`, `${total.toFixed(0)} ms`, `≤ ${limit} ms`, total <= limit);
line('  CPU time of the load (user + system)', `${cpu.toFixed(0)} ms`, '-', true);
line('  read, parse, validate, expand', `${parse.toFixed(0)} ms`, '-', true);
line('  build the machine (XFS extents, rmap, free space)', `${build.toFixed(0)} ms`, '-', true);
line('  resident memory added', `${added.toFixed(0)} MB`, '≤ 500 MB', added <= 500);
