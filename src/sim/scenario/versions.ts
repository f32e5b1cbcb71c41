// What a scenario may ask of a kernel release (issue 15): a scenario that
// uses something its kernel.version does not have is refused, naming the
// field and the release that added it, before any machine is built. The
// loader refuses it for the scenario's own kernel.version (so the editor
// places it), and a run under another version (`--kernel 6.1`, Switch Kernel
// Version, `compare --versions`) refuses it before anything runs.
//
// Each feature is written down with the symbol a 6.12 tree has and a 6.1
// tree does not (src/kernel/symbols-6.1.json lists them as absent) and the
// mainline release that added it.

import { InputError } from '../errors';
import { versionAtLeast, type KernelVersion } from '../version';
import type { Expectation, Scenario } from './types';

/** a feature a scenario can use and the mainline release that added it */
export interface VersionFeature {
  /** what it is, in words */
  what: string;
  /** the first mainline release with it */
  since: string;
  /** the kernel symbol or string it rests on (absent from older trees) */
  symbol: string;
}

export const FEATURES = {
  cxlInject: { what: 'CXL poison injection (debugfs cxl/<memdev>/inject_poison, cxl_inject_poison)', since: '6.4', symbol: 'cxl_inject_poison' },
  cxlClear: { what: 'CXL poison clearing (debugfs cxl/<memdev>/clear_poison, cxl_clear_poison)', since: '6.4', symbol: 'cxl_clear_poison' },
  cxlList: { what: 'the CXL poison list (sysfs trigger_poison_list, cxl_trigger_poison_list)', since: '6.4', symbol: 'cxl_trigger_poison_list' },
  cxlTrace: { what: 'the cxl_poison trace event (cxl_get_poison_by_endpoint, cxl_mem_get_poison)', since: '6.4', symbol: 'cxl_mem_get_poison' },
  preRemove: { what: "the holder's pre-remove notification (MF_MEM_PRE_REMOVE, XFS \"Device is about to be removed!\")", since: '6.7', symbol: 'MF_MEM_PRE_REMOVE' },
  deviceRemoved: { what: 'the XFS shutdown flag SHUTDOWN_DEVICE_REMOVED (xfs_fs_shutdown through fs_holder_ops: "xfs: wire up sops->shutdown", block updates for 6.5)', since: '6.5', symbol: 'SHUTDOWN_DEVICE_REMOVED' },
} as const satisfies Record<string, VersionFeature>;

/** one use of a feature: where it is written */
export interface VersionRefusal {
  /** JSON pointer of the field */
  path: string;
  field: string;
  value: unknown;
  feature: VersionFeature;
  /** the message, without the field label */
  message: string;
}

const PRE_REMOVE_LINE = 'Device is about to be removed';

/** Every use in `s` of something `version` does not have, in the order written. */
export function versionRefusals(s: Scenario, version: KernelVersion): VersionRefusal[] {
  const out: VersionRefusal[] = [];
  const use = (path: string, field: string, value: unknown, f: VersionFeature, how: string) => {
    if (versionAtLeast(version, f.since)) return;
    out.push({ path, field, value, feature: f, message: `${how} needs ${f.what}, which arrived in ${f.since}; kernel.version ${version} does not have it (${f.symbol} is not in linux-source-${version})` });
  };
  const expectation = (x: Expectation) => {
    if ('cxlPoison' in x) use(`${x.path}/cxlPoison`, 'cxlPoison', x.cxlPoison, FEATURES.cxlTrace, 'a cxlPoison expectation');
    if ('dmesg' in x && x.dmesg.contains !== undefined && x.dmesg.contains.includes(PRE_REMOVE_LINE))
      use(`${x.path}/dmesg/contains`, 'contains', x.dmesg.contains, FEATURES.preRemove, `expecting ${JSON.stringify(x.dmesg.contains)}`);
    if ('verdict' in x && x.verdict.reason !== undefined && x.verdict.reason.includes('MF_MEM_PRE_REMOVE'))
      use(`${x.path}/verdict/reason`, 'reason', x.verdict.reason, FEATURES.preRemove, `a verdict for ${x.verdict.reason}`);
    if ('fs' in x && x.fs.shutdown.split('|').some((f) => f.trim() === 'SHUTDOWN_DEVICE_REMOVED'))
      use(`${x.path}/fs/shutdown`, 'shutdown', x.fs.shutdown, FEATURES.deviceRemoved, 'a shutdown with SHUTDOWN_DEVICE_REMOVED');
  };
  for (const e of s.events) {
    if (e.do === 'cxl-inject-poison') use(`${e.path}/do`, 'do', e.do, FEATURES.cxlInject, `event ${e.id} (${e.do})`);
    else if (e.do === 'cxl-clear-poison') use(`${e.path}/do`, 'do', e.do, FEATURES.cxlClear, `event ${e.id} (${e.do})`);
    else if (e.do === 'cxl-poison-list') use(`${e.path}/do`, 'do', e.do, FEATURES.cxlList, `event ${e.id} (${e.do})`);
    for (const x of e.expect) expectation(x);
  }
  for (const x of s.expect) expectation(x);
  return out;
}

/** The first refusal as an InputError (positioned by its pointer), or nothing. */
export function checkVersion(s: Scenario, version: KernelVersion): void {
  const r = versionRefusals(s, version)[0];
  if (r) throw new InputError(r.path, r.field, r.value, `${fieldLabel(r.path)}: ${r.message}`);
}

/** "/events/2/do" → "events[2].do", as the loader labels a field */
function fieldLabel(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .reduce((label, x) => (/^\d+$/.test(x) ? `${label}[${x}]` : label ? `${label}.${x}` : x), '');
}

/**
 * The scenario with no expectations: what a comparison of kernel versions
 * runs. Expectations hold one kernel's outcome (a 6.12 scenario expects
 * "Device is about to be removed!"); a comparison shows what each kernel
 * does, so only what a version cannot run at all (an event it has no
 * interface for) refuses it there.
 */
export function withoutExpectations(s: Scenario): Scenario {
  return { ...s, events: s.events.map((e) => (e.expect.length ? { ...e, expect: [] } : e)), expect: [] };
}
