// What a recording depends on: the scenario's machine and events, not its
// name, description or expectations. A recording is stale when this hash of
// the scenario no longer matches the one in its meta file.

import { createHash } from 'node:crypto';
import type { Scenario } from '../../src/sim/scenario/types';

const DROP = new Set(['path', 'pathPtr', 'expect', 'source', 'name', 'description']);

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!DROP.has(k)) o[k] = strip((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

export function scenarioHash(s: Scenario): string {
  return createHash('sha256').update(JSON.stringify(strip(s))).digest('hex');
}
