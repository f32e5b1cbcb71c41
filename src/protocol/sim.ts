// The protocol between the extension and its simulator worker (a
// worker_threads Worker in the Node extension host, dist/sim-worker.js; the
// same engine in-process in the web extension host, which has no
// worker_threads). The worker owns the simulation of the session: it loads
// the scenario, builds the machine, steps it, runs it to the end, replays it,
// and runs it under other designs for the routing and comparison views. The
// extension keeps only what the worker sends: a snapshot of the session
// (scenario, report, devices tree, bad-memory counts) after each change, and
// answers to queries about the machine (owners, hovers, what a prompt
// offers). The extension host's event loop is never held by a simulation.
//
// A request carries an id; the worker answers it once (`reply`), and may send
// `progress` for it meanwhile. A request that fails on bad input answers an
// `input` error (a LabError's message and positioned diagnostics: nothing
// changed); anything else is an `internal` error (the message and stack of
// what the simulator threw), after which the worker replays the session to
// where it was, or closes it when that fails too. A worker that dies fails
// every request it holds with an internal error.
//
// Cancelling a run between events: the extension and the worker share a flag
// (an Int32Array over a SharedArrayBuffer); the worker reads it between
// events and stops there.
//
// Files a scenario names (extentsFile:) are read by the extension (through
// vscode.workspace.fs, with the CLI's limits): the worker answers `needFiles`
// with the paths its loader asked for, and the request is sent again with
// their texts (or why they could not be read).

import type { Diagnostic } from '../sim/errors';
import type { EventSpec, KernelConfig, Scenario } from '../sim/scenario/types';
import type { ReportEvent, RunReport } from '../sim/report';
import type { DeviceNode } from '../extension/model/devices';
import type { BadMemorySummary } from '../extension/model/feedback';
import type { ComparisonView } from './comparison';

export type RawEvent = Record<string, unknown>;
export type KernelOverrides = Partial<KernelConfig>;

/** a file the scenario names, as the extension read it: its text, or why it could not be read */
export type FileText = { text: string } | { error: string };

/** the files read for a scenario, by the path its loader resolved */
export type FileTexts = Record<string, FileText>;

/** What the extension asks the session worker. */
export type SimRequest =
  | { op: 'open'; text: string; file: string; files?: FileTexts }
  | { op: 'close' }
  | { op: 'step' }
  | { op: 'stepBack' }
  | { op: 'reset' }
  | { op: 'goTo'; cursor: number }
  | { op: 'runToEnd' }
  | { op: 'setKernel'; overrides: KernelOverrides }
  | { op: 'discardPending' }
  | { op: 'act'; raw: RawEvent }
  | { op: 'undoLastHandEvent' }
  /** a question about the session's machine (see QUERIES in src/extension/sim/engine.ts) */
  | { op: 'query'; name: QueryName; args: unknown[] }
  /** the session saved as a scenario for `target` (src/extension/model/save.ts) */
  | { op: 'save'; target: string }
  /** a scenario text, not the session's: check it (load and run), for the editor's diagnostics */
  | { op: 'check'; text: string; file: string; files?: FileTexts; maxEvents: number }
  /** a scenario text run (under a design, or its own), for the routing view's comparison and the Check / Compare commands; input error when it does not load */
  | { op: 'runDesign'; text: string; file: string; files?: FileTexts; design?: string }
  /** a scenario text run under every design with its metrics, and the design comparison view built from the runs (progress after each design) */
  /** every design (under each of `kernels`, when given: versions side by side, expectations left out); `sessionKernel` marks the columns that differ from the session's kernel */
  | { op: 'compare'; text: string; file: string; files?: FileTexts; name: string; design: string; designs: string[]; kernels?: string[]; sessionKernel?: string }
  /** a hover on a scenario text that is not the session's (the machine as set up) */
  | { op: 'hoverText'; text: string; file: string; files?: FileTexts; offset: number; key: string }
  /** for the tests: the worker fails the way a bug would (`throw`: an internal error in a request; `exit`: the thread dies) */
  | { op: 'fail'; how: 'throw' | 'exit' };

export type QueryName =
  | 'objectsFor'
  | 'removedObjects'
  | 'valuePrompt'
  | 'checkValue'
  | 'checkLength'
  | 'defaultLength'
  | 'poisonEvent'
  | 'accessEvent'
  | 'ioEvent'
  | 'punchEvent'
  | 'scrubEvent'
  | 'namespaceEvent'
  | 'regions'
  | 'boundNamespaces'
  | 'fileSize'
  | 'deviceSize'
  | 'ownersOf'
  | 'whatIf'
  | 'hover';

export type SimEnvelope = SimRequest & { id: number };

/** An error as the worker reports it. */
export type SimError =
  | { kind: 'input'; message: string; diagnostics: Diagnostic[] }
  | { kind: 'internal'; message: string; stack?: string; /** what the worker did about the session */ recovery?: string }
  /** the loader asked for files the request did not carry: read them and ask again */
  | { kind: 'needFiles'; paths: string[] };

/** The session as the extension sees it after a change. */
export interface SessionSnapshot {
  /** the scenario file's name (its text is the one the extension opened it with) */
  file: string;
  /** the scenario with its hand events and knobs, as run; absent when it is the text as opened */
  composedText?: string;
  scenario: Scenario;
  /** the report so far; its dmesg is folded as the log channel shows it (runs of per-pfn lines as one line, src/extension/model/dmesg.ts) */
  report: RunReport & { dmesg: string[] };
  /** how many dmesg lines the kernel printed (report.dmesg is folded) */
  dmesgLines: number;
  cursor: number;
  atEnd: boolean;
  design: string;
  kernel: KernelConfig;
  handEvents: RawEvent[];
  kernelOverrides: KernelOverrides;
  sourceEventCount: number;
  pending: number;
  /** the replay that rebuilt the session stopped at an invalid event */
  stoppedBy?: { message: string; diagnostics: Diagnostic[] };
  /** the Devices tree, built from the machine */
  devices: DeviceNode[];
  /** the bad memory of the machine, for the status bar */
  bad: BadMemorySummary;
}

export interface StepInfo {
  event: EventSpec;
  result: ReportEvent;
}

/** What the worker answers. */
export type SimReply =
  | { type: 'reply'; id: number; ok: true; value?: unknown; snapshot?: SessionSnapshot | null; steps?: StepInfo[]; cancelled?: boolean }
  | { type: 'reply'; id: number; ok: false; error: SimError; snapshot?: SessionSnapshot | null }
  | { type: 'progress'; id: number; done: number; total: number; event?: string };

export interface RunDesignResult {
  /** the scenario's name */
  name: string;
  report?: RunReport;
  /** an event the simulator refused */
  error?: string;
  /** the JSON pointer of each expectation, in the report's order (events' first, then the end's) */
  expectPaths: string[];
}

export interface CompareResult {
  view: ComparisonView;
  /** how long each design's run took, ms, and the view */
  ms: { what: string; ms: number }[];
}

export interface HoverAnswer {
  range: [number, number];
  what: string;
  error?: string;
  /** the units table, markdown */
  units?: string;
}

/** The worker's data at start: the cancel flag it shares with the extension. */
export interface SimWorkerData {
  cancel: SharedArrayBuffer;
}

// ---------------------------------------------------------------- owners
// What the Owners view shows of a range (src/extension/model/owners.ts
// computes it in the worker from the machine; this is its plain form, made
// of strings and numbers only, so it can be posted).

export interface OwnersQuery {
  spa: number;
  len: number;
  /** what was selected: "pmem0 sector 42 +8", "pfn 0x240a01" */
  title: string;
}

export type KillMode = 'early' | 'late';

/** a mapping of a process that maps (part of) an owner's range */
export interface MapperEntry {
  pid: number;
  comm: string;
  alive: boolean;
  /** the mapping's id in the scenario (m0) */
  mapping: string;
  /** the part of the mapping that maps the owner's range */
  start: number;
  end: number;
  prot: string;
  flags: string;
  kill: KillMode;
  /** why early or late: prctl(PR_MCE_KILL) or vm.memory_failure_early_kill */
  killWhy: string;
  /** pages of the range with a present page-table entry */
  ptePages: number;
  pages: number;
}

export type OwnerKind = 'metadata' | 'inode' | 'free' | 'reserve' | 'nofs' | 'page';

/** one owner of the range, as sent */
export interface OwnerItem {
  kind: OwnerKind;
  label: string;
  description: string;
  /** the fsmap line (xfs_io -c 'fsmap -v' form) */
  line: string;
  /** the file's path, for an inode owner the scenario created (the verdicts name it) */
  path?: string;
  /** another owner covers some of the same blocks (reflink) */
  shared?: boolean;
  /** file byte range of the query inside this owner (inode owners) */
  fileStart?: number;
  fileEnd?: number;
  mappers: MapperEntry[];
}

/** the owners of a range, as the worker answers the `ownersOf` query */
export interface OwnersAnswer {
  query: OwnersQuery;
  entries: OwnerItem[];
  /** one-line summary of why the list is what it is, when it is not a plain fsmap */
  note?: string;
}
