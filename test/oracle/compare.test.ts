// The simulator against the real 6.12 and 6.1 kernels, through the kernel
// reports recorded by `npm run oracle` (oracle/recorded/*.report.json for
// 6.12, oracle/recorded-6.1/ for 6.1 with the simulator run at
// kernel.version 6.1; each with a .meta.json naming the scenario and the
// command that recorded it). Fast: no
// QEMU here. Each recorded scenario is run in the simulator over the events
// the kernel ran and compared (oracle/src/compare.ts says what is compared
// and why); a disagreement fails with a readable diff.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { compareWithSimulator, formatDisagreements, type Disagreement, type KernelReport } from '../../oracle/src/compare';
import { scenarioHash } from '../../oracle/src/hash';
import { underVersion } from '../../oracle/src/main';
import type { KernelVersion } from '../../src/sim/version';
import { inFamily, normalizeLine, shutdownFromLines, type Translator } from '../../oracle/src/dmesg';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error('no package.json above ' + __dirname);
    d = up;
  }
  return d;
}

const ROOT = repoRoot();
const RECORDED = path.join(ROOT, 'oracle', 'recorded');
/** each version's recordings; 6.12's are the ones above */
const RECORDED_BY_VERSION: [KernelVersion, string][] = [
  ['6.12', RECORDED],
  ['6.1', path.join(ROOT, 'oracle', 'recorded-6.1')],
];

interface Meta {
  scenario: string;
  scenarioHash: string;
  command: string;
  kernel: string;
  refused?: string;
  eventsRun: string[];
}

/** simulator bugs already reported: shown as TODO, not failures (the file says why); kernel absent = 6.12 */
const KNOWN: { scenario: string; kernel?: KernelVersion; where: string; what: string; why: string }[] = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'oracle', 'known-disagreements.json'), 'utf8'),
).entries;

/** recorded/<stem>.meta.json, and recorded/random/<seed>.meta.json for the randomized differential (oracle/src/random.ts) */
const metaFiles = (dir: string, prefix: string) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.meta.json')).sort().map((f) => prefix + f) : [];
const metas = [...metaFiles(RECORDED, ''), ...metaFiles(path.join(RECORDED, 'random'), 'random/')];

test('recordings exist for the built-in scenarios', () => {
  const builtins = ['scenarios', 'oracle/scenarios'].flatMap((d) =>
    fs.existsSync(path.join(ROOT, d)) ? fs.readdirSync(path.join(ROOT, d)).filter((f) => /\.poison\.(ya?ml|json)$/.test(f)).map((f) => `${d}/${f}`) : [],
  );
  const recorded = new Set(metas.map((m) => (JSON.parse(fs.readFileSync(path.join(RECORDED, m), 'utf8')) as Meta).scenario));
  const missing = builtins.filter((b) => !recorded.has(b));
  assert.ok(recorded.size > 0, 'no recorded kernel reports in oracle/recorded');
  if (missing.length) console.log(`# not recorded yet (npm run oracle -- <file>): ${missing.join(', ')}`);
});

for (const [version, dir] of RECORDED_BY_VERSION) {
  // and the randomized differential's recordings, in random/
  const vmetas = [...metaFiles(dir, ''), ...metaFiles(path.join(dir, 'random'), 'random/')];
  for (const m of vmetas) {
    const meta: Meta = JSON.parse(fs.readFileSync(path.join(dir, m), 'utf8'));
    const stem = m.replace(/\.meta\.json$/, '');
    const reportPath = path.join(dir, `${stem}.report.json`);
    if (!fs.existsSync(reportPath)) continue; // the kernel could not run it (meta.refused says why)
    test(`simulator matches the kernel${version === '6.12' ? '' : ` ${version}`}: ${meta.scenario}`, (t) => {
      const file = path.join(ROOT, meta.scenario);
      assert.ok(fs.existsSync(file), `${meta.scenario} (recorded by \`${meta.command}\`) no longer exists`);
      const text = fs.readFileSync(file, 'utf8');
      const s0 = loadScenario(text, meta.scenario);
      const s = underVersion(s0, version);
      // stale only when the machine or the events changed (not the name, description or expectations)
      assert.equal(scenarioHash(s0), meta.scenarioHash, `${meta.scenario}: its machine or events changed since it was recorded: re-record with \`${meta.command}\``);
      const report: KernelReport = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
      if (report.notRun.length) t.diagnostic(`the kernel did not run: ${report.notRun.map((n) => `${n.id} (${n.reason})`).join('; ')}`);
      const ds = compareWithSimulator(s, report);
      const known = KNOWN.filter((k) => k.scenario === meta.scenario && (k.kernel ?? '6.12') === version);
      const isKnown = (d: Disagreement) => known.some((k) => k.where === d.where && k.what === d.what);
      const unexpected = ds.filter((d) => !isKnown(d));
      assert.ok(unexpected.length === 0, formatDisagreements(meta.scenario, unexpected));
      const fixed = known.filter((k) => !ds.some((d) => d.where === k.where && d.what === k.what));
      assert.ok(fixed.length === 0, `${meta.scenario}: the simulator now agrees with the kernel on ${fixed.map((k) => `${k.where} ${k.what}`).join(', ')}: delete those entries from oracle/known-disagreements.json`);
      if (ds.length) t.todo(`known simulator bugs (oracle/known-disagreements.json):\n${formatDisagreements(meta.scenario, ds)}`);
    });
  }
}

// the translation of guest lines, without QEMU
const tr: Translator = {
  pfn: (g) => g - 0x101200n + 0x241200n,
  phys: (g) => g - 0x101200000n + 0x241200000n,
  addr: (_pid, g) => g,
  pid: (g) => ({ 193: 1000, 194: 1001 })[g],
  device: (d) => d,
};

test('guest dmesg lines are rewritten into the scenario terms', () => {
  assert.equal(
    normalizeLine('Memory failure: 0x101218: Sending SIGBUS to reader:193 due to hardware memory corruption', tr),
    'Memory failure: 0x241218: Sending SIGBUS to reader:1000 due to hardware memory corruption',
  );
  assert.equal(
    normalizeLine('Injecting memory failure for pfn 0x101218 at process virtual address 0x7f0000000000', tr, 1001),
    'Injecting memory failure for pfn 0x241218 at process virtual address 0x7f0000000000',
  );
  assert.equal(
    normalizeLine('XFS (pmem0): Corruption of on-disk metadata (0x10) detected at xfs_dax_notify_ddev_failure+0x2b4/0x3a0 [xfs] (fs/xfs/xfs_notify_failure.c:318).  Shutting down filesystem.', tr),
    'XFS (pmem0): Corruption of on-disk metadata (0x10) detected at xfs_dax_notify_ddev_failure (fs/xfs/xfs_notify_failure.c:318).  Shutting down filesystem.',
  );
  assert.equal(normalizeLine('mce: Uncorrected hardware memory error in user-access at 101218040', tr), 'mce: Uncorrected hardware memory error in user-access at 241218040');
  assert.equal(
    normalizeLine('MCE: Killing reader:193 due to hardware memory corruption fault at 7f0000000010', tr),
    'MCE: Killing reader:1000 due to hardware memory corruption fault at 7f0000000010',
  );
  assert.ok(!inFamily('mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: bd80000000000134'));
  assert.ok(inFamily('XFS (pmem0): Device is about to be removed!'));
  assert.equal(shutdownFromLines(['XFS (pmem0): User initiated shutdown received.', 'XFS (pmem0): Metadata I/O Error (0x4) detected at x (f:1).  Shutting down filesystem.'], 'pmem0'), 'SHUTDOWN_FORCE_UMOUNT');
});

test('device-mapper device names in kernel lines are translated whole', () => {
  const dm: Translator = { ...tr, device: (d) => ({ pmem0: 'pmem7', 'dm-0': 'dm-3' })[d] ?? d };
  assert.equal(normalizeLine('XFS (dm-0): log I/O error -5', dm), 'XFS (dm-3): log I/O error -5');
  assert.equal(normalizeLine('EXT4-fs (dm-0): shut down requested (2)', dm), 'EXT4-fs (dm-3): shut down requested (2)');
  assert.equal(normalizeLine('Aborting journal on device dm-0-8.', dm), 'Aborting journal on device dm-3-8.');
  assert.equal(normalizeLine('Aborting journal on device pmem0-8.', dm), 'Aborting journal on device pmem7-8.');
  assert.equal(shutdownFromLines(['XFS (dm-0): Metadata I/O Error (0x4) detected at x (f:1).  Shutting down filesystem.'], 'dm-0'), 'SHUTDOWN_FORCE_UMOUNT');
  assert.equal(shutdownFromLines(['XFS (dm-0): Metadata I/O Error (0x4) detected at x (f:1).  Shutting down filesystem.'], 'pmem0'), null);
});

// the real 6.1 never returned from e5 (oracle/recorded-6.1/madvise-hwpoison-efault: the guest
// went silent and was stopped): the comparison agrees only with a simulated event that blocks
test('an event the kernel never finished agrees only with a simulated event that blocks for good', () => {
  const file = 'scenarios/madvise-hwpoison-efault.poison.yaml';
  const s = loadScenario(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
  const report: KernelReport = JSON.parse(fs.readFileSync(path.join(ROOT, 'oracle', 'recorded-6.1', 'madvise-hwpoison-efault.report.json'), 'utf8'));
  const hung = report.notRun.find((n) => n.id === 'e5');
  assert.ok(hung && hung.reason.startsWith('never returned'), JSON.stringify(report.notRun));
  assert.deepEqual(compareWithSimulator(underVersion(s, '6.1'), report), []);
  const under612 = compareWithSimulator(underVersion(s, '6.12'), report);
  const e5 = under612.find((d) => d.where === 'e5' && d.what === 'result');
  assert.ok(e5, formatDisagreements(file, under612));
  assert.deepEqual(e5.simulator, ['-14 (EFAULT)']);
});

// 6.1 warns once when a reflinked page's second file faults it in (fs/dax.c:380); the
// recording keeps setup's WARNING lines, compared without the CPU number
test("setup's kernel warnings are compared: 6.1's reflinked-page warning", () => {
  const file = 'scenarios/reflink-both-mapped-6.1.poison.yaml';
  const s = loadScenario(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
  const report: KernelReport = JSON.parse(fs.readFileSync(path.join(ROOT, 'oracle', 'recorded-6.1', 'reflink-both-mapped-6.1.report.json'), 'utf8'));
  assert.equal(report.dmesgByEvent.setup?.length, 1);
  assert.match(report.dmesgByEvent.setup![0]!, /^WARNING: CPU: \d+ PID: 1001 at fs\/dax\.c:380 dax_insert_entry$/);
  assert.deepEqual(compareWithSimulator(s, report), []);
  // the same machine under 6.12 shares the entry and does not warn
  const under612 = compareWithSimulator(underVersion(s, '6.12'), report);
  const setup = under612.find((d) => d.where === 'setup' && d.what === 'dmesg');
  assert.ok(setup, formatDisagreements(file, under612));
  assert.deepEqual(setup.simulator, []);
});
