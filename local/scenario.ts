import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A scenario (`npm start -- --scenario <name>`): a directory `scenarios/<name>/` holding the events to replay
 * (`events.ndjson`) and, optionally, the fulfillment network to seed (`network.json`) and a governance
 * configuration the sandbox's AppConfig serves instead of config/governance.json (`governance.json`).
 */
export interface Scenario {
  readonly name: string;
  readonly events: string;
  readonly network?: string;
  readonly governance?: string;
}

/** Scenario names are directory names: letters, digits and dashes. */
const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** The scenarios under `scenariosDir` (directories with an events.ndjson). */
export function scenarioNames(scenariosDir: string): string[] {
  return readdirSync(scenariosDir, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(path.join(scenariosDir, entry.name, 'events.ndjson')),
    )
    .map((entry) => entry.name)
    .sort();
}

/** Resolves a scenario by name; an unknown one is an error listing those that exist. */
export function resolveScenario(scenariosDir: string, name: string): Scenario {
  const known = scenarioNames(scenariosDir);
  if (!NAME.test(name) || !known.includes(name)) {
    throw new Error(`--scenario: no scenario named "${name}"; scenarios: ${known.join(', ') || '(none)'}`);
  }
  const dir = path.join(scenariosDir, name);
  const optional = (file: string) => (existsSync(path.join(dir, file)) ? path.join(dir, file) : undefined);
  const network = optional('network.json');
  const governance = optional('governance.json');
  return {
    name,
    events: path.join(dir, 'events.ndjson'),
    ...(network === undefined ? {} : { network }),
    ...(governance === undefined ? {} : { governance }),
  };
}
