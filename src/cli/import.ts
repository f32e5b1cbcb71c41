// `node dist/cli.js import <dir> [-o <scenario.poison.yaml>]`: a folder that
// scripts/collect-machine.sh wrote → a scenario file, and the import report
// (where each part came from, approximations, what was missing) on stderr.
// Exit 0 when the scenario was written (an incomplete one says so, in the
// file and in the report), 2 on bad input (a bad or mismatched file, with
// its path and line), 3 on an internal error.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImportError, MAX_FOLDER_BYTES, MAX_FOLDER_FILES, formatImportReport, importAndCheck, type MachineFiles } from '../import';

/** every regular file under dir (symbolic links are not followed), relative path → bytes */
export function readMachineFolder(dir: string): MachineFiles {
  const out: MachineFiles = new Map();
  let total = 0;
  const walk = (rel: string) => {
    for (const ent of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(r);
      else if (ent.isFile()) {
        if (out.size >= MAX_FOLDER_FILES) throw new ImportError(dir, 0, 'files', out.size, `holds more than ${MAX_FOLDER_FILES.toLocaleString('en-US')} files: not a collected machine`);
        const st = fs.statSync(path.join(dir, r));
        total += st.size;
        if (total > MAX_FOLDER_BYTES) throw new ImportError(dir, 0, 'size', total, `holds more than ${MAX_FOLDER_BYTES / 1024 / 1024} MiB: not a collected machine`);
        out.set(r, fs.readFileSync(path.join(dir, r)));
      }
    }
  };
  walk('');
  return out;
}

export interface ImportIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

export function importCommand(args: string[], io: ImportIO): number {
  let dir: string | undefined;
  let outFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      outFile = args[++i];
      if (outFile === undefined) return usage(io, `${a} needs a file name`);
    } else if (a.startsWith('--output=')) outFile = a.slice(9);
    else if (a.startsWith('-')) return usage(io, `unknown option ${JSON.stringify(a)} for import (its options: -o <scenario.poison.yaml>)`);
    else if (dir === undefined) dir = a;
    else return usage(io, `import takes one folder, got ${JSON.stringify(dir)} and ${JSON.stringify(a)}`);
  }
  if (dir === undefined) return usage(io, 'import needs a folder that scripts/collect-machine.sh wrote');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    io.stderr(`${dir}: not a folder (run scripts/collect-machine.sh -o ${dir} on the machine first)\n`);
    return 2;
  }
  const target = outFile ?? `${path.basename(path.resolve(dir))}.poison.yaml`;
  if (!/\.poison\.(ya?ml)$/.test(target)) return usage(io, `${JSON.stringify(target)}: the scenario must be a *.poison.yaml file`);
  try {
    const files = readMachineFolder(dir);
    const r = importAndCheck(files, dir.replace(/\/+$/, ''), target);
    fs.writeFileSync(target, r.yaml);
    io.stderr(formatImportReport(r.report, target) + '\n');
    io.stdout(`${target}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ImportError) {
      io.stderr(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function usage(io: ImportIO, msg: string): number {
  io.stderr(`dax-poison-lab: ${msg}\nusage: dax-poison-lab import <dir> [-o <scenario.poison.yaml>]\n`);
  return 2;
}
