// The command line: `run`, `check`, `compare` (../shared/docs/scenario-format.md,
// "Command line"). Everything goes through `io` so tests can drive `main`
// with fake files and capture the output; the bottom of this file wires it to
// the real process when this file is the entry point (dist/cli.js).
//
// Exit codes: 0 success; 1 an expectation failed (check) or the simulator
// itself failed; 2 bad input (usage error, unreadable file, a scenario that
// does not load, an event the simulator rejects as invalid). Every refusal
// of a scenario or a cost file is one line on stderr,
// `file:line:col: /json/pointer: message`, placed on the offending node.

import { writeJson } from './json';
import { closeSync, openSync, readSync } from 'node:fs';
import { DESIGNS, type Design, type Scenario } from '../sim/scenario/types';
import type { RunReport } from '../sim/report';
import { InputError, boundMessage, type Diagnostic } from '../sim/errors';
import { loadScenario, diagnosticFromInputError, positionOf, jsonSyntaxError, type LoadOptions } from '../sim/scenario/load';
import { runScenario } from '../sim/run';
import { MAX_INPUT_BYTES as MAX_BYTES, decodeText, tooLargeMessage } from '../sim/scenario/bytes';
import { runMeasured, parseCostTable, DEFAULT_COST_TABLE, type CostTable, type DesignMetrics } from '../sim/compare';
import { COMPARE_WIDTH, renderCheck, renderCompare, writeRouting, type CheckEntry, type CompareRun, type RenderOptions } from '../sim/render';
import { importCommand } from './import';

export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(p: string): string;
  /** colour the text output (the entry point sets it when stdout is a TTY) */
  color?: boolean;
  /** the terminal's width, when stdout is one; compare fits it (120 otherwise) */
  columns?: number;
}

/** The simulator entry points main uses; tests may pass their own. */
export interface CliDeps {
  loadScenario(text: string, file: string, options?: LoadOptions): Scenario;
  diagnosticFromInputError(text: string, file: string, err: InputError): Diagnostic;
  runScenario(s: Scenario, opts?: { design?: Design }): RunReport;
  /** compare: a run with its reach and cost measured */
  runMeasured?(s: Scenario, design: Design, costs: CostTable): { report: RunReport; metrics: DesignMetrics };
}

const defaultDeps: CliDeps = { loadScenario, diagnosticFromInputError, runScenario, runMeasured };

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** the lab itself failed: a bug, never the input's fault */
export const EXIT_INTERNAL = 3;

/** --debug: internal errors print their stack */
let debugStacks = false;

const PROG = 'dax-poison-lab';

export const USAGE = `Usage: ${PROG} <command> [options]

Commands:
  run <scenario> [--design <name>] [--setup] [--depth <n>] [--json]
      Run a scenario and print the routing in words: every event with the
      kernel functions it went through and, for each owner of the failed
      range and each process mapping it, the verdict (AR, AO, killed, SIGBUS,
      unmapped only, none) with the reason and the deciding function; then
      signals, dmesg, badblocks, filesystems and call counts. The setup
      (spans before the first event, or of no event: probes, mounts, mmap,
      populate faults) is one summary line.
  check <scenario>... [--design <name>]
      Run each scenario and check its expectations. Prints every failure with
      what was expected and what happened.
  import <dir> [-o <scenario.poison.yaml>]
      Read a folder that scripts/collect-machine.sh wrote on a real machine
      and write a scenario of it (default <dir>.poison.yaml); print where
      each part came from, the approximations and what was missing.
  compare <scenario> [--wide] [--costs <file.json>] [--json]
      Run a scenario under every design and print them side by side: events'
      results, signals, each event's verdicts (an owner's mapper per row),
      filesystem shutdown, owners reached and missed, simulated cost, calls
      by symbol. The table fits the terminal (120 columns when stdout is not
      one): cells wrap between words, and a row that cannot fit lists the
      designs one per line.

Options:
  --design <name>   routing design, overriding the scenario's kernel.design:
                    ${DESIGNS.join(', ')}
  --setup           run: print the setup's call trees instead of the summary
  --depth <n>       run: print call trees down to n levels (1: each event's
                    first call only); deeper calls become "… N more calls"
  --wide            compare: one line per row, however wide
  --costs <file>    compare: a JSON cost model, ns per call:
                    {"default": 50, "symbols": {"memory_failure": 300}}
  --json            run: the run report v1; compare: {"designs": {"<design>":
                    <run report>}, "metrics": ..., "costs": ...}
  --debug           print the stack of an internal error
  --color, --no-color
                    force colours on or off (default: on when stdout is
                    a terminal)
  -h, --help        show this help

Exit status:
  0  success (check: every expectation of every scenario holds)
  1  an expectation failed
  2  bad input: a usage error, an unreadable file, a scenario that does not
     validate, an event the simulator refuses at run time, a bad cost file
  3  an internal error: a bug in the lab (one line; --debug prints the stack)

Bad input is reported on stderr, one line per problem, and nothing runs:
  file:line:col: /json/pointer: message
(line and column of the offending value in the YAML or JSON file, 1-based).

Bounds (input past one is bad input, exit 2, refused where it crosses it):
  a scenario or cost file   64 MiB of UTF-8 text (UTF-16, NUL bytes and invalid
                            UTF-8 refused with the offset)
  YAML aliases              they may stand for 100,000 nodes in all (counted
                            before anything is built); an alias inside its own
                            anchor, or with no anchor before it, is refused
  text in a scenario        no control characters, lone surrogates, line
                            separators or bidi controls in any string or field
                            name (description may hold newlines and tabs)
  a cost (--costs)          0 to 1000000000 ns per call
  in messages (not refused) an echoed value is cut at 120 characters with its
                            size, a message at 2000; 100 problems per file
Scenarios are *.poison.yaml or *.poison.json files.
`;

class UsageError extends Error {}

interface Options {
  command: 'run' | 'check' | 'compare';
  files: string[];
  design?: Design;
  json: boolean;
  color?: boolean;
  /** compare: a JSON cost model file */
  costs?: string;
  /** run: show the setup's spans */
  setup: boolean;
  /** run: call-tree depth */
  depth?: number;
  /** compare: one line per row */
  wide: boolean;
  /** internal errors print their stack */
  debug: boolean;
}

const COMMAND_OPTIONS: Record<Options['command'], string[]> = {
  run: ['--design', '--json', '--setup', '--depth'],
  check: ['--design'],
  compare: ['--json', '--costs', '--wide'],
};

function parseArgs(argv: string[]): Options | 'help' {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  if (head.includes('--help') || head.includes('-h')) return 'help';
  const positional: string[] = [];
  const seen: string[] = [];
  let design: string | undefined;
  let costs: string | undefined;
  let json = false;
  let setup = false;
  let wide = false;
  let depth: number | undefined;
  let color: boolean | undefined;
  let debug = false;
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (onlyFiles || !a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    if (a === '--') {
      onlyFiles = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    switch (name) {
      case '--design': {
        const v = inline ?? argv[++i];
        if (v === undefined || (inline === undefined && v.startsWith('--'))) {
          throw new UsageError(`option --design needs a value: one of ${DESIGNS.join(', ')}`);
        }
        design = v;
        seen.push(name);
        break;
      }
      case '--costs': {
        const v = inline ?? argv[++i];
        if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError('option --costs needs a file: a JSON cost model {"default": ns, "symbols": {...}}');
        costs = v;
        seen.push(name);
        break;
      }
      case '--depth': {
        const v = inline ?? argv[++i];
        if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError('option --depth needs a number of levels (1 or more)');
        if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`option --depth: ${JSON.stringify(v)} is not a number of levels (expected an integer, 1 or more)`);
        depth = Number(v);
        seen.push(name);
        break;
      }
      case '--json':
      case '--setup':
      case '--wide':
      case '--color':
      case '--no-color':
      case '--debug':
        if (inline !== undefined) throw new UsageError(`option ${name} takes no value (got ${JSON.stringify(a)})`);
        if (name === '--json') json = true;
        else if (name === '--setup') setup = true;
        else if (name === '--wide') wide = true;
        else if (name === '--debug') debug = true;
        else color = name === '--color';
        seen.push(name);
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(a)}`);
    }
  }
  const [command, ...files] = positional;
  if (command === undefined) throw new UsageError('no command given: expected run, check or compare');
  if (command !== 'run' && command !== 'check' && command !== 'compare') {
    throw new UsageError(`unknown command ${JSON.stringify(command)}: expected run, check or compare`);
  }
  for (const opt of seen) {
    if (opt !== '--color' && opt !== '--no-color' && opt !== '--debug' && !COMMAND_OPTIONS[command].includes(opt)) {
      const allowed = COMMAND_OPTIONS[command];
      throw new UsageError(
        `option ${opt} does not apply to ${command}${allowed.length ? ` (its options: ${allowed.join(', ')})` : ''}`,
      );
    }
  }
  if (design !== undefined && !(DESIGNS as readonly string[]).includes(design)) {
    throw new UsageError(`unknown design ${JSON.stringify(design)}: expected one of ${DESIGNS.join(', ')}`);
  }
  if (!files.length) throw new UsageError(`${command} needs a scenario file`);
  if (command !== 'check' && files.length > 1) {
    throw new UsageError(`${command} takes one scenario file, got ${files.length}: ${files.join(' ')}`);
  }
  const opts: Options = { command, files, json, setup, wide, debug };
  if (depth !== undefined) opts.depth = depth;
  if (design !== undefined) opts.design = design as Design;
  if (color !== undefined) opts.color = color;
  if (costs !== undefined) opts.costs = costs;
  return opts;
}

/** "/events/2/spa" -> "events[2].spa": how the loader names a field at the start of its messages */
function fieldLabel(pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (!segments.length) return 'scenario';
  return segments.reduce((label, x) => (/^\d+$/.test(x) ? `${label}[${x}]` : label ? `${label}.${x}` : x), '');
}

/**
 * `file:line:col: /json/pointer: message`: where the offending node starts
 * (1-based) and its JSON pointer; the message without the loader's own
 * field label, which the pointer replaces. `file: ...` when the position is
 * unknown; no pointer for a problem of the whole text (a syntax error).
 */
export function formatCliDiagnostic(d: Diagnostic, file: string): string {
  const f = d.file || file;
  const where = d.line ? `${f}:${d.line}:${d.column}` : f;
  let message = d.message;
  const label = `${fieldLabel(d.path)}: `;
  if (d.path && message.startsWith(label)) message = message.slice(label.length);
  message = boundMessage(message);
  return d.path ? `${where}: ${d.path}: ${message}` : `${where}: ${message}`;
}

function isScenarioErrors(e: unknown): e is { diagnostics: Diagnostic[] } {
  return !!e && typeof e === 'object' && Array.isArray((e as { diagnostics?: unknown }).diagnostics);
}

/** a refusal of input, by type: every subclass (XFS and ext4 refusals among them) whatever it calls itself */
function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}

/** an internal error in one line, saying it is a bug; the stack only under --debug */
function errorText(e: unknown): string {
  const head = e instanceof Error ? `${e.name}: ${(e.message.split('\n')[0] ?? '').slice(0, 500)}` : String(e).slice(0, 500);
  const stack = debugStacks && e instanceof Error && e.stack ? `\n${e.stack.split('\n').slice(1).join('\n')}` : '';
  return `${head} (a bug in DAX Poison Lab: please report it; --debug prints the stack)${stack}`;
}

/** the most problems printed for one file (the rest are counted) */
export const MAX_DIAGNOSTICS = 100;

/** the most a scenario or cost file may hold (a 10^6-extent scenario is about 42 MB) */
export const MAX_INPUT_BYTES = MAX_BYTES;

/**
 * Read a scenario or cost file as UTF-8 text, refusing what is not: more
 * than MAX_INPUT_BYTES (read no further: /dev/zero or a pipe that never ends
 * stops there), UTF-16 (a byte-order mark), binary (a NUL byte), or bytes
 * that are not UTF-8; each refusal says where (decodeText, shared with the
 * extension).
 */
export function readTextFile(path: string, limit = MAX_INPUT_BYTES): string {
  const fd = openSync(path, 'r');
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      total += n;
      if (total > limit) throw new Error(tooLargeMessage(limit));
      chunks.push(buf.slice(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return decodeText(bytes);
}

/** the outcome of one step on one file */
type Outcome<T> = { ok: true; value: T } | { ok: false; code: typeof EXIT_FAILED | typeof EXIT_BAD_INPUT | typeof EXIT_INTERNAL; lines: string[] };

class Session {
  private texts = new Map<string, string>();

  constructor(
    private readonly io: CliIO,
    private readonly deps: CliDeps,
  ) {}

  load(file: string): Outcome<Scenario> {
    let text: string;
    try {
      text = this.io.readFile(file);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return { ok: false, code: EXIT_BAD_INPUT, lines: [`${file}: cannot read the scenario: ${why}`] };
    }
    this.texts.set(file, text);
    try {
      // an extentsFile is read as the scenario is: bounded, UTF-8 only
      return { ok: true, value: this.deps.loadScenario(text, file, { readFile: (p) => this.io.readFile(p) }) };
    } catch (e) {
      if (isScenarioErrors(e)) {
        const lines = e.diagnostics.slice(0, MAX_DIAGNOSTICS).map((d) => formatCliDiagnostic(d, file));
        const more = e.diagnostics.length - MAX_DIAGNOSTICS;
        if (more > 0) lines.push(`${file}: ${more.toLocaleString('en-US')} more problem${more === 1 ? '' : 's'} not shown (the first ${MAX_DIAGNOSTICS} are above)`);
        return { ok: false, code: EXIT_BAD_INPUT, lines: lines.length ? lines : [`${file}: the scenario does not load`] };
      }
      if (isInputError(e)) return { ok: false, code: EXIT_BAD_INPUT, lines: [this.inputError(file, e)] };
      return { ok: false, code: EXIT_INTERNAL, lines: [`${file}: internal error while loading: ${errorText(e)}`] };
    }
  }

  run(file: string, s: Scenario, design: Design | undefined): Outcome<RunReport> {
    try {
      return { ok: true, value: this.deps.runScenario(s, design !== undefined ? { design } : undefined) };
    } catch (e) {
      if (isInputError(e)) return { ok: false, code: EXIT_BAD_INPUT, lines: [this.inputError(file, e)] };
      const under = design ?? s.kernel?.design;
      return {
        ok: false,
        code: EXIT_INTERNAL,
        lines: [`${file}: internal error while running${under ? ` under ${under}` : ''}: ${errorText(e)}`],
      };
    }
  }

  measure(file: string, s: Scenario, design: Design, costs: CostTable): Outcome<{ report: RunReport; metrics?: DesignMetrics }> {
    try {
      // a runner given without a measuring one (tests) runs plain
      if (!this.deps.runMeasured) return { ok: true, value: { report: this.deps.runScenario(s, { design }) } };
      return { ok: true, value: this.deps.runMeasured(s, design, costs) };
    } catch (e) {
      if (isInputError(e)) return { ok: false, code: EXIT_BAD_INPUT, lines: [this.inputError(file, e)] };
      return { ok: false, code: EXIT_INTERNAL, lines: [`${file}: internal error while running under ${design}: ${errorText(e)}`] };
    }
  }

  private inputError(file: string, e: InputError): string {
    try {
      return formatCliDiagnostic(this.deps.diagnosticFromInputError(this.texts.get(file) ?? '', file, e), file);
    } catch {
      return formatCliDiagnostic({ file, line: 0, column: 0, path: e.path, field: e.field, value: e.value, message: e.message }, file);
    }
  }

  /**
   * compare --costs: the cost model, or its refusal placed in the file (a
   * JSON syntax error at its offset, a bad field at its node).
   */
  costs(file: string): Outcome<CostTable> {
    let text: string;
    try {
      text = this.io.readFile(file);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return { ok: false, code: EXIT_BAD_INPUT, lines: [`${file}: cannot read the cost model: ${why}`] };
    }
    const syntax = jsonSyntaxError(text);
    if (syntax) {
      const d = { file, line: syntax.line, column: syntax.column, path: '', field: '', value: undefined, message: `JSON syntax error: ${syntax.message}` };
      return { ok: false, code: EXIT_BAD_INPUT, lines: [formatCliDiagnostic(d, file)] };
    }
    try {
      return { ok: true, value: parseCostTable(JSON.parse(text), 'costs') };
    } catch (e) {
      if (!isInputError(e)) throw e;
      const at = positionOf(text, file, e.path);
      // the cost model names its fields as "costs.symbols.x: ..."; the pointer says that
      const message = e.message.replace(/^costs(\.[^:]*)?: /, '');
      return { ok: false, code: EXIT_BAD_INPUT, lines: [formatCliDiagnostic({ file, line: at.line, column: at.column, path: e.path, field: e.field, value: e.value, message }, file)] };
    }
  }

  fail(o: { lines: string[] }): void {
    for (const l of o.lines) this.io.stderr(l + '\n');
  }
}

/**
 * Run the command line. `argv` is what follows the script name
 * (process.argv.slice(2)). Returns the exit code.
 */
/**
 * What reaches the terminal: a scenario's names, comms and paths are
 * printed, and they must not drive the terminal (an OSC title change, a
 * clear-screen). Control characters other than newline and tab are written
 * as escapes; of ESC sequences only the colour changes (SGR) the lab writes
 * itself pass.
 */
export function terminalSafe(s: string): string {
  return s.replace(/\x1b(?!\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function main(argv: string[], rawIo: CliIO, deps: CliDeps = defaultDeps): number {
  const io: CliIO = { ...rawIo, stdout: (s) => rawIo.stdout(terminalSafe(s)), stderr: (s) => rawIo.stderr(terminalSafe(s)) };
  // import <dir>: a collected machine into a scenario (src/cli/import.ts)
  if (argv[0] === 'import' && !argv.includes('--help') && !argv.includes('-h')) return importCommand(argv.slice(1), io);
  let opts: Options | 'help';
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${PROG}: ${e.message}\n`);
      io.stderr(`Run '${PROG} --help' for usage.\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  if (opts !== 'help') debugStacks = opts.debug;
  if (opts === 'help') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const color = opts.color ?? !!io.color;
  const session = new Session(io, deps);
  switch (opts.command) {
    case 'run':
      return runCommand(opts.files[0]!, opts, color, session, io);
    case 'check':
      return checkCommand(opts, color, session, io);
    case 'compare':
      return compareCommand(opts.files[0]!, opts, color, session, io);
  }
}

function runCommand(file: string, opts: Options, color: boolean, session: Session, io: CliIO): number {
  const s = session.load(file);
  if (!s.ok) {
    session.fail(s);
    return s.code;
  }
  const r = session.run(file, s.value, opts.design);
  if (!r.ok) {
    session.fail(r);
    return r.code;
  }
  const render: RenderOptions = { color, setup: opts.setup };
  if (opts.depth !== undefined) render.depth = opts.depth;
  if (opts.json) writeJson(r.value, io.stdout);
  else writeRouting(r.value, io.stdout, render);
  return EXIT_OK;
}

function checkCommand(opts: Options, color: boolean, session: Session, io: CliIO): number {
  let code = EXIT_OK;
  const entries: CheckEntry[] = [];
  for (const file of opts.files) {
    const s = session.load(file);
    if (!s.ok) {
      session.fail(s);
      code = Math.max(code, s.code);
      continue;
    }
    const r = session.run(file, s.value, opts.design);
    if (!r.ok) {
      session.fail(r);
      code = Math.max(code, r.code);
      continue;
    }
    entries.push({ file, report: r.value });
    if ((r.value.expectations ?? []).some((x) => !x.ok)) code = Math.max(code, EXIT_FAILED);
  }
  if (entries.length) io.stdout(renderCheck(entries, { color }));
  return code;
}

function compareCommand(file: string, opts: Options, color: boolean, session: Session, io: CliIO): number {
  const s = session.load(file);
  if (!s.ok) {
    session.fail(s);
    return s.code;
  }
  let costs: CostTable = DEFAULT_COST_TABLE;
  if (opts.costs !== undefined) {
    const c = session.costs(opts.costs);
    if (!c.ok) {
      session.fail(c);
      return c.code;
    }
    costs = c.value;
  }
  const runs: CompareRun[] = [];
  const failures: { design: Design; code: number; lines: string[] }[] = [];
  for (const design of DESIGNS) {
    const r = session.measure(file, s.value, design, costs);
    if (r.ok) {
      runs.push(r.value.metrics ? { design, report: r.value.report, metrics: r.value.metrics } : { design, report: r.value.report });
    } else {
      runs.push({ design, error: r.lines.join('\n') });
      failures.push({ design, code: r.code, lines: r.lines });
    }
  }
  // the same bad input under every design is simply bad input: no table
  if (
    failures.length === DESIGNS.length &&
    failures.every((f) => f.code === EXIT_BAD_INPUT && f.lines.join('\n') === failures[0]!.lines.join('\n'))
  ) {
    session.fail(failures[0]!);
    return EXIT_BAD_INPUT;
  }
  // a refusal under some designs only (a process one design killed, say): positioned, naming the design
  // (an internal error already names it)
  for (const f of failures) for (const l of f.lines) io.stderr(f.code === EXIT_BAD_INPUT ? `${l} (under ${f.design})\n` : `${l}\n`);
  if (opts.json) {
    const out: { designs: Record<string, RunReport>; metrics: Record<string, DesignMetrics>; costs: CostTable; errors?: Record<string, string> } = { designs: {}, metrics: {}, costs };
    for (const r of runs) if (r.report) out.designs[r.design] = r.report;
    for (const r of runs) if (r.metrics) out.metrics[r.design] = r.metrics;
    if (failures.length) out.errors = Object.fromEntries(runs.filter((r) => r.error !== undefined).map((r) => [r.design, r.error!]));
    writeJson(out, io.stdout);
  } else {
    const name = runs.find((r) => r.report)?.report?.scenario ?? s.value.name;
    const columns = io.columns !== undefined && io.columns > 0 ? io.columns : COMPARE_WIDTH;
    io.stdout(renderCompare(name, runs, { color, width: columns, wide: opts.wide }));
  }
  return failures.reduce((c, f) => Math.max(c, f.code), EXIT_OK);
}

// ---------------------------------------------------------------- entry point

/**
 * true when node was started on the command line itself: dist/cli.js, the
 * `dax-poison-lab` bin link, or this source file run directly. Not when a test
 * bundle or the extension imports main (there require.main cannot tell, since
 * a bundle is one module).
 */
function isEntryPoint(): boolean {
  if (typeof process === 'undefined' || !Array.isArray(process.argv)) return false;
  const script = process.argv[1] ?? '';
  return /(^|[\\/])(cli\.[cm]?js|dax-poison-lab)$|[\\/]cli[\\/]main\.[cm]?[jt]s$/.test(script);
}

if (isEntryPoint()) {
  // `dax-poison-lab run x | head` closes the pipe early: that is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  let code: number;
  try {
    code = main(process.argv.slice(2), {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readFile: (p) => readTextFile(p),
    color: !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    });
  } catch (e) {
    // anything that escaped the command's own handling is a bug too: one line, exit 3
    process.stderr.write(`${PROG}: internal error: ${errorText(e)}\n`);
    code = EXIT_INTERNAL;
  }
  process.exitCode = code;
}
