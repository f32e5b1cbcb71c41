// The dmesg lines the oracle compares, and how a guest line is rewritten into
// the scenario's terms so that kernel and simulator lines compare literally.

/**
 * The families compared: memory-failure (mm/memory-failure.c, madvise and
 * debugfs injection, soft offline's own "Soft offline: " prefix), the fault path's "MCE: Killing", the x86 MCE handler's
 * "mce: " lines except the "[Hardware Error]" dump of the machine-check
 * registers (it describes QEMU's injected bank values, not a kernel decision),
 * XFS and ext4/jbd2 messages, and the first line of a kernel crash (oops).
 */
export const FAMILY = /^(Memory failure: |Soft offline: |soft_offline_page: |Injecting memory failure|Soft offlining pfn|MCE: Killing|mce: (?!\[Hardware Error\])|XFS \(|EXT4-fs \(|Aborting journal|BUG: |Oops: |general protection fault|kernel BUG at |WARNING: )/;

export function inFamily(line: string): boolean {
  return FAMILY.test(line);
}

/**
 * The first line of a kernel warning (__warn: `WARNING: CPU: <cpu> PID: <pid>
 * at <file>:<line> <caller>`), the one line of a WARN splat compared. Setup's
 * warnings are compared too (a reflinked page faulted in by its second file
 * warns on 6.1 while the guest populates the mappings); a recording made
 * before warnings were recorded has no `setup` entry in dmesgByEvent, and
 * its WARNING lines are compared on neither side.
 */
export const WARNING = /^WARNING: /;

/**
 * A line as compared: the %pS offsets and the CPU a warning names dropped
 * (the build's and the scheduler's, not the code path's: the oracle's guest
 * has one or two CPUs, the simulator prints CPU 0).
 */
export function comparable(line: string): string {
  return dropSymbolOffsets(line).replace(/^WARNING: CPU: \d+ /, 'WARNING: CPU: * ');
}

export interface Translator {
  /** guest pfn → scenario pfn */
  pfn(gpfn: bigint): bigint;
  /** guest physical address → scenario SPA */
  phys(gphys: bigint): bigint;
  /** guest virtual address of a guest pid's (or scenario pid's) mapping → scenario address */
  addr(spid: number | undefined, gaddr: bigint): bigint;
  /** guest pid → scenario pid */
  pid(gpid: number): number | undefined;
  /** guest block device name → scenario device name */
  device: (name: string) => string;
}

const h = (n: bigint) => '0x' + n.toString(16);
const hx = (s: string) => BigInt('0x' + s.replace(/^0x/, ''));

/**
 * Rewrite one guest line. `eventPid` is the scenario pid of the process the
 * event names (for "at process virtual address", printed by madvise).
 */
/** "xfs_dax_notify_ddev_failure+0x39b/0x430 [xfs]" → "xfs_dax_notify_ddev_failure" (%pS offsets depend on the build) */
export function dropSymbolOffsets(s: string): string {
  return s.replace(/([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+( \[\w+\])?/g, '$1');
}

export function normalizeLine(line: string, t: Translator, eventPid?: number): string {
  let s = line;
  // %pS symbol offsets and module names: "xfs_dax_notify_ddev_failure+0x1a2/0x2b0 [xfs]"
  s = dropSymbolOffsets(s);
  s = s.replace(/^(Injecting memory failure for pfn |Soft offlining pfn )(0x[0-9a-f]+)( at process virtual address )(0x[0-9a-f]+)/, (_m, a, p, b, v) => a + h(t.pfn(hx(p))) + b + h(t.addr(eventPid, hx(v))));
  s = s.replace(/^(Injecting memory failure at pfn )(0x[0-9a-f]+)/, (_m, a, p) => a + h(t.pfn(hx(p))));
  s = s.replace(/^(Memory failure: |Soft offline: )(0x[0-9a-f]+)(:)/, (_m, a, p, b) => a + h(t.pfn(hx(p))) + b);
  // 6.1's soft_offline_page prints __func__ and the pfn with no prefix of its own
  s = s.replace(/^(soft_offline_page: )(0x[0-9a-f]+)( )/, (_m, a, p, b) => a + h(t.pfn(hx(p))) + b);
  s = s.replace(/^(WARNING: CPU: \d+ PID: )(\d+)( at )/, (_m, a, gpid, b) => `${a}${t.pid(Number(gpid)) ?? gpid}${b}`);
  s = s.replace(/^(MCE: Killing )(.+):(\d+)( due to hardware memory corruption fault at )([0-9a-f]+)/, (_m, a, comm, gpid, b, v) => {
    const sp = t.pid(Number(gpid));
    return `${a}${comm}:${sp ?? gpid}${b}${t.addr(sp, hx(v)).toString(16)}`;
  });
  s = s.replace(/^(mce: (?:Uncorrected hardware memory error in user-access|Kernel accessed poison in user space) at )([0-9a-f]+)/, (_m, a, v) => a + t.phys(hx(v)).toString(16));
  // comm:pid after "to " / "killing " (Sending SIGBUS to, Error sending signal to, forcibly killing, Cannot send ... to)
  if (/^Memory failure: /.test(s))
    s = s.replace(/((?:to|killing) )(\S+):(\d+)/g, (_m, a, comm, gpid) => `${a}${comm}:${t.pid(Number(gpid)) ?? gpid}`);
  // device names: pmem0, dm-0 (ext4's journal device is "<dev>-<inode>")
  s = s.replace(/^(XFS|EXT4-fs) \(([\w.:+-]+)\)/, (_m, a, dev) => `${a} (${t.device(dev)})`);
  s = s.replace(/^(Aborting journal on device )([\w.:+-]+)(-\d+)/, (_m, a, dev, b) => a + t.device(dev) + b);
  return s;
}

/** The XFS shutdown flag names (fs/xfs/xfs_mount.h), by value. */
export const SHUTDOWN_NAMES: Record<number, string> = {
  0x1: 'SHUTDOWN_META_IO_ERROR',
  0x2: 'SHUTDOWN_LOG_IO_ERROR',
  0x4: 'SHUTDOWN_FORCE_UMOUNT',
  0x8: 'SHUTDOWN_CORRUPT_INCORE',
  0x10: 'SHUTDOWN_CORRUPT_ONDISK',
  0x20: 'SHUTDOWN_DEVICE_REMOVED',
};

/** the first shutdown a device's log lines announce, as the simulator names it; null when none */
export function shutdownFromLines(lines: string[], device: string): string | null {
  device = device.replace(/[.+]/g, '\\$&');
  for (const l of lines) {
    const x = new RegExp(`^XFS \\(${device}\\): .* \\(0x([0-9a-f]+)\\) detected at `).exec(l);
    if (x) return SHUTDOWN_NAMES[parseInt(x[1]!, 16)] ?? `0x${x[1]}`;
    const e = new RegExp(`^EXT4-fs \\(${device}\\): shut down requested \\((\\d+)\\)`).exec(l);
    if (e) return ['EXT4_GOING_FLAGS_DEFAULT', 'EXT4_GOING_FLAGS_LOGFLUSH', 'EXT4_GOING_FLAGS_NOLOGFLUSH'][Number(e[1])] ?? `EXT4_GOING_${e[1]}`;
  }
  return null;
}
