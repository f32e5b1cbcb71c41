// The extension's end of src/protocol/sim.ts: requests to the simulator
// engine, each a promise. In the Node extension host the engine runs in a
// worker_threads Worker (dist/sim-worker.js, started on first use, started
// again after it died); in the web extension host, which has no worker
// threads, in-process, one request per turn of the event loop.
//
// What comes back: the reply's value and session snapshot, or a rejection:
// LabError for bad input (positioned diagnostics; nothing changed),
// InternalError for anything else (a bug in the simulator, or the worker
// died: every request it held fails, none silently). Files the scenario
// names are read through `readFiles` when the engine asks for them, and the
// request is sent again with them.

import { LabError } from '../model/session';
import { InternalError } from '../../sim/errors';
import { SimEngine } from './engine';
import type { FileTexts, SessionSnapshot, SimEnvelope, SimReply, SimRequest, SimWorkerData, StepInfo } from '../../protocol/sim';

export interface SimAnswer<T = unknown> {
  value: T;
  /** the session after the request (null: there is none), when the request touched it */
  snapshot?: SessionSnapshot | null;
  steps?: StepInfo[];
  cancelled?: boolean;
}

export interface RequestOptions {
  onProgress?: (done: number, total: number, event?: string) => void;
}

/** reads the files a scenario names (paths as its loader resolved them) */
export type FileReader = (paths: string[]) => Promise<FileTexts>;

interface Transport {
  send(m: SimEnvelope): void;
  /** the worker died: why */
  dispose(): void;
}

type Pending = { resolve: (r: Extract<SimReply, { type: 'reply' }>) => void; reject: (e: Error) => void; onProgress?: RequestOptions['onProgress'] };

export class SimHost {
  private transport: Transport | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly cancelBuffer: SharedArrayBuffer | undefined = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : undefined;
  private localCancel = false;
  /** Run to End requests answered, and the one a cancel was asked for (the run pending, or the next to start) */
  private runsDone = 0;
  private cancelForRun = -1;
  /** called when the worker died (with the error every request it held was failed with) */
  onCrash: ((e: InternalError) => void) | undefined;
  /** how many requests are answered (for tests) */
  answered = 0;

  constructor(
    /** dist/sim-worker.js, or undefined to run the engine in-process (the web extension host) */
    private readonly workerFile: string | undefined,
    private readonly readFiles: FileReader,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  /** a request; rejects with LabError (bad input) or InternalError */
  async request<T = unknown>(req: SimRequest, opts: RequestOptions = {}): Promise<SimAnswer<T>> {
    let files: FileTexts | undefined = 'files' in req ? req.files : undefined;
    for (let round = 0; ; round++) {
      const r = await this.send(files ? ({ ...req, files } as SimRequest) : req, opts).finally(() => {
        if (req.op === 'runToEnd') this.runsDone++;
      });
      if (r.ok) return { value: r.value as T, snapshot: r.snapshot, steps: r.steps, cancelled: r.cancelled };
      const e = r.error;
      if (e.kind === 'needFiles' && round < 4 && 'text' in req) {
        files = { ...(files ?? {}), ...(await this.readFiles(e.paths)) };
        continue;
      }
      if (e.kind === 'input') throw Object.assign(new LabError(e.message, e.diagnostics), { snapshot: r.snapshot });
      if (e.kind === 'needFiles') throw new InternalError(`the scenario's files could not be given to the simulator: ${e.paths.join(', ')}`);
      throw Object.assign(new InternalError(e.message, e.stack, e.recovery), { snapshot: r.snapshot });
    }
  }

  /** stop a run between two events (Run to End) */
  cancel(): void {
    this.cancelForRun = this.runsDone;
    if (this.cancelBuffer) Atomics.store(new Int32Array(this.cancelBuffer), 0, 1);
    this.localCancel = true;
  }

  private send(req: SimRequest, opts: RequestOptions): Promise<Extract<SimReply, { type: 'reply' }>> {
    const id = this.nextId++;
    if (req.op === 'runToEnd') {
      // a cancel left from a run already answered is not for this one; a cancel asked for
      // while this run was being started (Run to End's progress opening) is
      if (this.cancelForRun !== this.runsDone) {
        if (this.cancelBuffer) Atomics.store(new Int32Array(this.cancelBuffer), 0, 0);
        this.localCancel = false;
      }
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress: opts.onProgress });
      try {
        this.connect().send({ ...req, id } as SimEnvelope);
      } catch (e) {
        this.pending.delete(id);
        reject(new InternalError(`the simulator could not be started: ${(e as Error).message}`, (e as Error).stack));
      }
    });
  }

  private receive(m: SimReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.onProgress?.(m.done, m.total, m.event);
      return;
    }
    this.pending.delete(m.id);
    this.answered++;
    p.resolve(m);
  }

  /** the worker is gone: every request it held fails */
  private died(why: string, stack?: string): void {
    this.transport = undefined;
    const held = [...this.pending.values()];
    this.pending.clear();
    const err = new InternalError(`the simulator worker stopped: ${why}`, stack, 'the session it held is lost');
    this.log(`${err.message}${stack ? `\n${stack}` : ''}`);
    for (const p of held) p.reject(err);
    this.onCrash?.(err);
  }

  private connect(): Transport {
    if (this.transport) return this.transport;
    this.transport = this.workerFile ? this.startWorker(this.workerFile) : this.startLocal();
    return this.transport;
  }

  private startWorker(file: string): Transport {
    // required here, not imported: the web build has no worker_threads and never comes here
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const data: SimWorkerData = { cancel: this.cancelBuffer! };
    const w = new Worker(file, { workerData: data, name: 'dax-poison-lab-sim' });
    let gone = false;
    const t: Transport = {
      send: (m) => w.postMessage(m),
      dispose: () => {
        gone = true;
        void w.terminate();
      },
    };
    w.on('message', (m: SimReply) => this.receive(m));
    w.on('error', (e) => {
      if (gone) return;
      gone = true;
      if (this.transport === t) this.died(e.message, e.stack);
    });
    w.on('exit', (code) => {
      if (gone) return;
      gone = true;
      if (this.transport === t) this.died(`the thread exited with code ${code}`);
    });
    return t;
  }

  private startLocal(): Transport {
    const engine = new SimEngine({
      progress: (id, done, total, event) => this.receive({ type: 'progress', id, done, total, event }),
      cancelled: () => this.localCancel,
      exit: () => {
        throw new Error('fail: exit has no thread to end in-process');
      },
    });
    const queue: SimEnvelope[] = [];
    let busy = false;
    const drain = () => {
      const m = queue.shift();
      if (!m) {
        busy = false;
        return;
      }
      this.receive(engine.handle(m));
      setTimeout(drain, 0);
    };
    return {
      send: (m) => {
        queue.push(m);
        if (!busy) {
          busy = true;
          setTimeout(drain, 0);
        }
      },
      dispose: () => {
        queue.length = 0;
      },
    };
  }

  dispose(): void {
    const t = this.transport;
    this.transport = undefined;
    t?.dispose();
    for (const p of this.pending.values()) p.reject(new InternalError('the simulator was stopped (the extension is shutting down)'));
    this.pending.clear();
  }
}
