// Boot the guest under QEMU TCG with an emulated NVDIMM, follow its record
// stream on the second serial port, and answer its machine-check requests
// through the QEMU monitor (HMP on a unix socket).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** 1 GiB region + 128 KiB label area: the region must be a multiple of 16 MiB */
export const NVDIMM_BACKEND_SIZE = 1073741824 + 131072;
/** MCi_STATUS VAL|UC|EN|MISCV|ADDRV|S|AR, data-load MCA code; MCG_STATUS MCIP|EIPV|RIPV; MISC: physical address mode, LSB 6 */
export const MCE_STATUS = '0xbd80000000000134';
export const MCE_MCG_STATUS = '0x7';
export const MCE_MISC = '0x86';
/** an action-optional patrol-scrub error (SRAO): VAL|UC|EN|MISCV|ADDRV|S, no AR, MCACOD 0xC0 (memory scrubbing); MCG_STATUS MCIP|RIPV */
export const MCE_STATUS_SRAO = '0xbd000000000000c0';
export const MCE_MCG_STATUS_SRAO = '0x5';

/** MCi_MISC for an error granule: physical address mode (2 << 6) and MCI_MISC_ADDR_LSB = log2(granule) */
export function mceMisc(granule: number): string {
  return `0x${(0x80 | Math.round(Math.log2(granule))).toString(16)}`;
}

export interface GuestRecord {
  t: string;
  [k: string]: unknown;
}

export interface BootResult {
  records: GuestRecord[];
  console: string;
  exitCode: number | null;
  timedOut: boolean;
  /**
   * the guest stopped answering in the middle of the events: no record for
   * stallSec after the last one (and no machine check pending), so an event
   * never returned; the guest was stopped
   */
  stalled: boolean;
  panicked: boolean;
  seconds: number;
  qemuArgs: string[];
}

export interface BootOptions {
  vmlinuz: string;
  initrd: string;
  runDir: string;
  needsMce: boolean;
  /** MCi_MISC of every injected machine check (default MCE_MISC: LSB 6) */
  mceMisc?: string;
  timeoutSec: number;
  /**
   * once the events began, how long the guest may send nothing before an
   * event is taken to have hung (default 60 s; a pending machine check, whose
   * spin lasts up to 90 s, does not count)
   */
  stallSec?: number;
  log: (s: string) => void;
}

export function qemuArgs(o: BootOptions, img: string, out: string, con: string, mon: string): string[] {
  const cpu = o.needsMce ? ['-smp', '1', '-cpu', 'qemu64,vendor=GenuineIntel,family=6,model=63,+mce,+mca'] : ['-smp', '2', '-cpu', 'qemu64,+mce,+mca'];
  return [
    '-accel', 'tcg,thread=multi',
    ...cpu,
    '-machine', 'pc,nvdimm=on',
    '-m', '1G,slots=2,maxmem=4G',
    '-object', `memory-backend-file,id=mem1,share=on,mem-path=${img},size=${NVDIMM_BACKEND_SIZE}`,
    '-device', 'nvdimm,id=nvdimm1,memdev=mem1,label-size=128K',
    '-kernel', o.vmlinuz,
    '-initrd', o.initrd,
    '-append', 'console=ttyS0 panic=-1 quiet loglevel=4',
    '-nodefaults', '-display', 'none', '-no-reboot',
    '-serial', `file:${con}`,
    '-serial', `file:${out}`,
    '-monitor', `unix:${mon},server,nowait`,
  ];
}

export async function boot(o: BootOptions): Promise<BootResult> {
  const img = path.join(o.runDir, 'nvdimm.img');
  const out = path.join(o.runDir, 'records.txt');
  const con = path.join(o.runDir, 'console.log');
  const mon = path.join(o.runDir, 'monitor.sock');
  for (const f of [img, out, con, mon]) fs.rmSync(f, { force: true });
  // a fresh, sparse, label-less NVDIMM every run
  fs.writeFileSync(img, '');
  fs.truncateSync(img, NVDIMM_BACKEND_SIZE);
  fs.writeFileSync(out, '');
  const args = qemuArgs(o, img, out, con, mon);
  const t0 = Date.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let qemuErr = '';
  child.stdout.on('data', (d) => (qemuErr += d));
  child.stderr.on('data', (d) => (qemuErr += d));
  const records: GuestRecord[] = [];
  let consumed = 0;
  let partial = '';
  let timedOut = false;
  let stalled = false;
  let began = false;
  let ended = false;
  let mcePending = false;
  let lastRecordAt = Date.now();
  let exited = false;
  let exitCode: number | null = null;
  const exitP = new Promise<void>((res) =>
    child.on('exit', (code) => {
      exited = true;
      exitCode = code;
      res();
    }),
  );
  const injectMce = async (phys: string, kind?: string): Promise<void> => {
    const [status, mcg] = kind === 'ao' ? [MCE_STATUS_SRAO, MCE_MCG_STATUS_SRAO] : [MCE_STATUS, MCE_MCG_STATUS];
    const cmd = `mce 0 1 ${status} ${mcg} ${phys} ${o.mceMisc ?? MCE_MISC}\n`;
    o.log(`  ${kind === 'ao' ? 'action-optional ' : ''}machine check at ${phys} through the QEMU monitor`);
    await new Promise<void>((res) => {
      const s = net.createConnection(mon);
      s.on('error', (e) => {
        o.log(`  monitor: ${e.message}`);
        res();
      });
      let sent = false;
      s.on('data', (d) => {
        if (!sent && d.toString().includes('(qemu)')) {
          sent = true;
          s.write(cmd);
          setTimeout(() => {
            s.end();
            res();
          }, 500);
        }
      });
    });
  };
  const poll = async (): Promise<void> => {
    let size = 0;
    try {
      size = fs.statSync(out).size;
    } catch {
      return;
    }
    if (size <= consumed) return;
    const fd = fs.openSync(out, 'r');
    const buf = Buffer.alloc(size - consumed);
    fs.readSync(fd, buf, 0, buf.length, consumed);
    fs.closeSync(fd);
    consumed = size;
    partial += buf.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r/g, '');
      const i = line.indexOf('@@ ');
      if (i < 0) continue;
      let r: GuestRecord;
      try {
        r = JSON.parse(line.slice(i + 3));
      } catch {
        continue;
      }
      records.push(r);
      lastRecordAt = Date.now();
      if (r.t === 'begin') began = true;
      if (r.t === 'end') ended = true;
      if (r.t === 'mce-request') mcePending = true;
      if (r.t === 'mce-done' || r.t === 'mce-skipped') mcePending = false;
      if (r.t === 'event' || r.t === 'notrun') o.log(`  ${r.event}: ${r.t === 'event' ? `ret ${r.ret}${r.errno ? ` (${r.errno})` : ''}` : `not run: ${r.reason}`}`);
      if (r.t === 'note' && r.key === 'setup-failed') o.log(`  setup failed: ${r.text}`);
      if (r.t === 'mce-request') await injectMce(String(r.phys), r.kind === undefined ? undefined : String(r.kind));
    }
  };
  const deadline = t0 + o.timeoutSec * 1000;
  while (!exited) {
    await Promise.race([exitP, new Promise((r) => setTimeout(r, 200))]);
    await poll();
    if (!exited && Date.now() > deadline) {
      timedOut = true;
      child.kill('SIGKILL');
      await exitP;
    } else if (!exited && began && !ended && !mcePending && Date.now() - lastRecordAt > (o.stallSec ?? 60) * 1000) {
      stalled = true;
      o.log(`  the guest sent nothing for ${o.stallSec ?? 60} s in the middle of the events: an event never returned; stopping the guest`);
      child.kill('SIGKILL');
      await exitP;
    }
  }
  await poll();
  const consoleText = fs.existsSync(con) ? fs.readFileSync(con, 'utf8') : '';
  fs.rmSync(img, { force: true });
  if (qemuErr.trim()) o.log(`  qemu: ${qemuErr.trim().split('\n').slice(0, 5).join(' | ')}`);
  return {
    records,
    console: consoleText,
    exitCode,
    timedOut,
    stalled,
    panicked: /Kernel panic/.test(consoleText),
    seconds: (Date.now() - t0) / 1000,
    qemuArgs: args,
  };
}
