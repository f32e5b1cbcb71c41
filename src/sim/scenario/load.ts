// Scenario loader: text (*.poison.yaml / *.poison.json) -> validated,
// normalized Scenario (types.ts), or ScenarioErrors with one positioned
// Diagnostic per problem.
//
// Three passes, each collecting every problem it can before giving up:
//   1. syntax: the yaml package parses both YAML and JSON (so every value has
//      a source range); JSON files are also run through JSON.parse, because
//      YAML accepts things JSON does not (trailing commas, unquoted keys, 0x..).
//   2. shape: ajv against schema/scenario.schema.json, the same schema the
//      editor uses; ajv's raw errors are turned into one message per problem.
//   3. meaning: numbers parsed, defaults applied, and every check that needs
//      no simulation (cross references, overlaps, alignment, ordering).
// Pass 3 only runs on a document that passed pass 2, so it can trust types.
//
// No Node API is used here: the loader also runs in the browser.
//
// This file is the public API; the passes live next to it:
//   parse.ts      pass 1, source text and positions (JSON pointer -> line)
//   validate.ts   problem collection, pass 2 (schema); limits.ts, text.ts
//   normalize.ts  pass 3's raw shapes, defaults, shared checks (NormalizerBase)
//   layout.ts     pass 3, platform: regions, CXL, namespaces, dm, filesystems
//   build.ts      pass 3, the Scenario: files, processes, events, expectations

import { Diagnostic, InputError, ScenarioErrors } from '../errors';
import type { Scenario } from './types';
import { versionRefusals } from './versions';
import { kernelVersion } from '../version';
import { checkLimits } from './limits';
import { textProblems } from './text';
import { aliasSafeToJS, JsonChecker, sourceFor, syntaxDiagnostics } from './parse';
import { Problems, reportSchemaErrors, validator } from './validate';
import type { RawScenario } from './normalize';
import { Normalizer } from './build';

export { autoDataOffset } from './normalize';

// ---------------------------------------------------------------------------
// Public API

export interface SourcePosition {
  /** 1-based; 0 when unknown */
  line: number;
  /** 1-based; 0 when unknown */
  column: number;
}

export interface LoadOptions {
  /**
   * Reads a file a scenario names (an extentsFile), given its path resolved
   * against the scenario's directory; throws when it cannot (too large, not
   * UTF-8, missing). Without it such a file is refused as unreadable here.
   */
  readFile?: (path: string) => string;
}

/** Parse, validate and normalize a scenario. Throws ScenarioErrors. */
export function loadScenario(text: string, file: string, options: LoadOptions = {}): Scenario {
  const source = sourceFor(text, file);
  const syntax = syntaxDiagnostics(source);
  if (syntax.length) throw new ScenarioErrors(syntax);

  const data = aliasSafeToJS(source);
  const problems = new Problems(source);
  if (data === null || data === undefined) {
    problems.add('', data, 'the file is empty (expected a scenario: a mapping with version, platform, events, ...)');
    throw new ScenarioErrors(problems.sorted());
  }
  for (const t of textProblems(data)) problems.add(t.pointer, t.value, t.message, t.where);
  if (!validator()(data)) {
    reportSchemaErrors(validator().errors ?? [], problems);
    throw new ScenarioErrors(problems.sorted());
  }
  checkLimits(data as RawScenario, problems);
  if (problems.count) throw new ScenarioErrors(problems.sorted());
  const scenario = new Normalizer(problems, file, options).scenario(data as RawScenario);
  // what the scenario's kernel.version does not have (issue 15)
  for (const r of versionRefusals(scenario, kernelVersion(scenario.kernel))) problems.add(r.path, r.value, r.message);
  if (problems.count) throw new ScenarioErrors(problems.sorted());
  return scenario;
}

/**
 * Line and column of the value a JSON pointer names (of its key when the
 * value is empty, of the nearest enclosing node when it does not exist).
 */
export function positionOf(scenarioText: string, file: string, pointer: string): SourcePosition {
  return sourceFor(scenarioText, file).locate(pointer, 'value');
}

/**
 * Where a text stops being strict JSON (RFC 8259): 1-based line and column
 * and what is wrong there; undefined when it is JSON.
 */
export function jsonSyntaxError(text: string): (SourcePosition & { message: string }) | undefined {
  const problem = new JsonChecker(text).firstError();
  if (!problem) return undefined;
  const before = text.slice(0, problem.offset);
  const line = before.split('\n').length;
  return { line, column: problem.offset - (before.lastIndexOf('\n') + 1) + 1, message: problem.message };
}

/** A Diagnostic for a semantic error the simulator found, placed in the scenario text. */
export function diagnosticFromInputError(text: string, file: string, err: InputError): Diagnostic {
  if (err.location) return { ...err.location, path: err.path, field: err.field, value: err.value, message: err.message };
  const at = err.path ? positionOf(text, file, err.path) : { line: 0, column: 0 };
  return { file, line: at.line, column: at.column, path: err.path, field: err.field, value: err.value, message: err.message };
}
