// The guest's ingredients: Debian's kernel image (extracted by
// scripts/oracle-setup.sh), the static guest program, and a base initramfs
// (busybox, ndctl, mkfs.xfs, mke2fs, dmsetup with their libraries, the modules,
// /init). All of it lives under .cache/oracle and is rebuilt only when its
// inputs change.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KernelVersion } from '../../src/sim/version';
import releases from '../../src/kernel/releases.json';

export const KVER = '6.12.117+deb12-amd64';

/**
 * The real kernel a run boots (issue 15): Debian's 6.12.117 image (the
 * default) or the 6.1 image src/kernel/releases.json pins. Each has its own
 * extracted tree, base initramfs, run folders and recordings.
 */
export interface OracleKernel {
  version: KernelVersion;
  /** uname -r of the image */
  kver: string;
  /** the extracted image under .cache/oracle (scripts/oracle-setup.sh [version]) */
  dir: string;
  /** the recordings, under oracle/ */
  recorded: string;
  /** suffix of the per-version build products and run folders ('' for 6.12) */
  suffix: string;
}

export function oracleKernel(v: KernelVersion = '6.12'): OracleKernel {
  if (v === '6.12') return { version: v, kver: KVER, dir: 'kernel', recorded: 'recorded', suffix: '' };
  return { version: v, kver: releases[v].kver, dir: `kernel-${v}`, recorded: `recorded-${v}`, suffix: `-${v}` };
}
// dm_mod (CONFIG_BLK_DEV_DM=m) carries dm-linear and dm-stripe; loading it changes nothing until a table is made
export const MODULES = ['libnvdimm', 'nd_pmem', 'nd_btt', 'nfit', 'dax_pmem', 'device_dax', 'xfs', 'ext4', 'hwpoison_inject', 'nd_e820', 'dm_mod'];
const TOOLS = ['/usr/bin/ndctl', '/usr/sbin/mkfs.xfs', '/usr/sbin/mke2fs', '/usr/sbin/xfs_io', '/usr/sbin/xfs_db', '/sbin/dmsetup'];

export interface Paths {
  root: string;
  kernel: OracleKernel;
  cache: string;
  kernelDir: string;
  vmlinuz: string;
  poisonlab: string;
  baseCpio: string;
}

export function paths(root: string, kernel: OracleKernel = oracleKernel()): Paths {
  const cache = path.join(root, '.cache', 'oracle');
  const kernelDir = path.join(cache, kernel.dir);
  return {
    root,
    kernel,
    cache,
    kernelDir,
    vmlinuz: path.join(kernelDir, 'boot', `vmlinuz-${kernel.kver}`),
    poisonlab: path.join(cache, 'build', 'poisonlab'),
    baseCpio: path.join(cache, 'build', `base${kernel.suffix}.cpio`),
  };
}

/** the sbin directories too: modprobe, depmod and mkfs live there, and CI's PATH may not have them */
const ENV = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/local/sbin:/usr/sbin:/sbin` };

function sh(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer | string } = {}): string {
  return execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, env: ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'inherit'] });
}

/** install packages and extract the kernel if anything is missing */
export function ensureHostTools(p: Paths, log: (s: string) => void): void {
  log('checking host packages and the kernel image (scripts/oracle-setup.sh)');
  execFileSync('bash', [path.join(p.root, 'scripts', 'oracle-setup.sh'), p.kernel.version], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function hashOf(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const x of parts) h.update(x);
  return h.digest('hex').slice(0, 16);
}

/** gcc -static the guest program when its source changed */
export function buildGuestProgram(p: Paths, log: (s: string) => void): string {
  const src = path.join(p.root, 'oracle', 'guest', 'poisonlab.c');
  const stamp = p.poisonlab + '.hash';
  const h = hashOf([fs.readFileSync(src)]);
  if (fs.existsSync(p.poisonlab) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === h) return h;
  log('building the static guest program (gcc -static)');
  fs.mkdirSync(path.dirname(p.poisonlab), { recursive: true });
  sh('gcc', ['-static', '-O2', '-Wall', '-o', p.poisonlab, src]);
  fs.writeFileSync(stamp, h);
  return h;
}

/** modules in load order, from modprobe --show-depends on the extracted tree */
function moduleOrder(p: Paths): string[] {
  const order: string[] = [];
  for (const m of MODULES) {
    const out = sh('modprobe', ['-C', '/dev/null', '-d', p.kernelDir, '-S', p.kernel.kver, '--show-depends', m]);
    for (const line of out.split('\n')) {
      const mm = /^insmod (\S+)/.exec(line.trim());
      if (mm && !order.includes(mm[1]!)) order.push(mm[1]!);
    }
  }
  return order;
}

export function libsOf(bin: string): string[] {
  const out = sh('ldd', [bin]);
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

export function copyInto(root: string, file: string): void {
  const dest = path.join(root, file);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), dest);
  fs.chmodSync(dest, 0o755);
}

/** the base initramfs (uncompressed newc cpio: decompression is slow under TCG) */
export function buildBaseInitramfs(p: Paths, progHash: string, log: (s: string) => void): void {
  const init = fs.readFileSync(path.join(p.root, 'oracle', 'guest', 'init.sh'));
  const h = hashOf([init, progHash, p.kernel.kver, MODULES.join(","), TOOLS.join(","), "v2"]);
  const stamp = p.baseCpio + '.hash';
  if (fs.existsSync(p.baseCpio) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === h) return;
  log('building the guest initramfs');
  const root = path.join(p.cache, 'build', `rootfs${p.kernel.suffix}`);
  fs.rmSync(root, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'run', 'tmp', 'mnt', 'plan', 'lib64', 'lib/modules'])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  // busybox and its applets
  fs.copyFileSync('/bin/busybox', path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  for (const a of sh('/bin/busybox', ['--list']).split('\n').filter(Boolean)) {
    const l = path.join(root, 'bin', a);
    if (!fs.existsSync(l)) fs.symlinkSync('busybox', l);
  }
  // tools and their libraries (the dynamic loader comes with ldd's list)
  const libs = new Set<string>();
  for (const t of TOOLS) {
    copyInto(root, t);
    for (const l of libsOf(t)) libs.add(l);
  }
  for (const l of libs) copyInto(root, l);
  fs.symlinkSync('mke2fs', path.join(root, 'usr/sbin/mkfs.ext4'));
  if (fs.existsSync('/etc/mke2fs.conf')) fs.copyFileSync('/etc/mke2fs.conf', path.join(root, 'etc/mke2fs.conf'));
  // modules, decompressed, and their load order
  const order = moduleOrder(p);
  const rel: string[] = [];
  for (const abs of order) {
    const r = path.relative(path.join(p.kernelDir, 'lib', 'modules', p.kernel.kver), abs).replace(/\.xz$/, '');
    const dest = path.join(root, 'lib', 'modules', r);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const data = abs.endsWith('.xz') ? execFileSync('xz', ['-dc', abs], { maxBuffer: 64 * 1024 * 1024 }) : fs.readFileSync(abs);
    fs.writeFileSync(dest, data);
    rel.push(r);
  }
  fs.writeFileSync(path.join(root, 'etc', 'oracle-modules'), rel.join('\n') + '\n');
  fs.copyFileSync(p.poisonlab, path.join(root, 'bin', 'poisonlab'));
  fs.chmodSync(path.join(root, 'bin', 'poisonlab'), 0o755);
  fs.writeFileSync(path.join(root, 'init'), init);
  fs.chmodSync(path.join(root, 'init'), 0o755);
  writeCpio(root, p.baseCpio);
  fs.writeFileSync(stamp, h);
}

export function writeCpio(dir: string, out: string): void {
  const list = sh('find', ['.', '-mindepth', '1'], { cwd: dir });
  const data = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0'], { cwd: dir, input: list, maxBuffer: 512 * 1024 * 1024 });
  fs.writeFileSync(out, data);
}

/** base initramfs + the scenario's /plan, concatenated (the kernel unpacks both) */
export function buildRunInitrd(p: Paths, runDir: string, setupSh: string, planTxt: string): string {
  const d = path.join(runDir, 'planfs');
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(path.join(d, 'plan'), { recursive: true });
  fs.writeFileSync(path.join(d, 'plan', 'setup.sh'), setupSh);
  fs.writeFileSync(path.join(d, 'plan', 'plan.txt'), planTxt);
  const planCpio = path.join(runDir, 'plan.cpio');
  writeCpio(d, planCpio);
  const initrd = path.join(runDir, 'initrd.cpio');
  fs.writeFileSync(initrd, Buffer.concat([fs.readFileSync(p.baseCpio), fs.readFileSync(planCpio)]));
  return initrd;
}
