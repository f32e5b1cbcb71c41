// The simulator worker (dist/sim-worker.js): a worker_threads Worker that
// owns a SimEngine and answers the extension's requests one by one
// (src/protocol/sim.ts). Built by scripts/build.mjs beside dist/extension.js.

import { parentPort, workerData } from 'node:worker_threads';
import { SimEngine } from './engine';
import type { SimEnvelope, SimReply, SimWorkerData } from '../../protocol/sim';

const port = parentPort;
if (!port) throw new Error('sim-worker.js runs as a worker thread of the extension');
const flag = new Int32Array((workerData as SimWorkerData).cancel);
const post = (m: SimReply) => port.postMessage(m);

const engine = new SimEngine({
  progress: (id, done, total, event) => post({ type: 'progress', id, done, total, event }),
  cancelled: () => Atomics.load(flag, 0) !== 0,
  exit: () => process.exit(70),
});

port.on('message', (req: SimEnvelope) => {
  const reply = engine.handle(req);
  try {
    post(reply);
  } catch (e) {
    // an answer that cannot be sent (a value structured clone refuses) is an internal error of that request, not the worker's end
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'reply', id: req.id, ok: false, error: { kind: 'internal', message: `the answer to ${req.op} could not be sent: ${err.message}`, stack: err.stack } });
  }
});
