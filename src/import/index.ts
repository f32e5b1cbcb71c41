// The importer's entry: parse a collected folder, write the scenario, and
// prove it loads and builds (the project's own loader and simulator), so
// that what the CLI writes and the extension opens always runs.

import { ScenarioErrors, formatDiagnostic } from '../sim/errors';
import { Session } from '../sim/run';
import { loadScenario } from '../sim/scenario/load';
import type { Scenario } from '../sim/scenario/types';
import { ImportError } from './errors';
import { type ImportReport, type MachineFiles, importMachine } from './importer';

export { ImportError } from './errors';
export { formatImportReport, importMachine, type ImportReport, type MachineFiles, type PoisonTarget } from './importer';

/** the most files and bytes a machine folder may hold */
export const MAX_FOLDER_FILES = 20_000;
export const MAX_FOLDER_BYTES = 256 * 1024 * 1024;

export interface Imported {
  yaml: string;
  report: ImportReport;
  scenario: Scenario;
}

/**
 * Import, then load the YAML with the project's loader and build its
 * machine. A scenario the loader or the simulator refuses is the importer's
 * fault, reported as bad input with the loader's own diagnostics (never a
 * partial scenario).
 */
export function importAndCheck(files: MachineFiles, folder: string, scenarioFile: string): Imported {
  const { yaml, report } = importMachine(files, folder);
  let scenario: Scenario;
  try {
    scenario = loadScenario(yaml, scenarioFile);
    new Session(scenario);
  } catch (e) {
    const detail = e instanceof ScenarioErrors ? e.diagnostics.slice(0, 5).map(formatDiagnostic).join('; ') : e instanceof Error ? e.message : String(e);
    throw new ImportError(folder, 0, 'machine', folder, `the machine it describes cannot be built by the simulator: ${detail}`);
  }
  return { yaml, report, scenario };
}
