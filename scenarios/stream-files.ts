import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a labelled stream as the detection bench reads it: `<name>-<seed>.ndjson` (the events, one envelope a
 * line, in arrival order) and `<name>-<seed>.truth.json` (its labels) into `directory`.
 */
export function writeLabelledStream(
  spec: { readonly name: string; readonly seed: number },
  ndjson: string,
  truth: unknown,
  directory: string,
): { events: string; truth: string } {
  mkdirSync(directory, { recursive: true });
  const base = join(directory, `${spec.name}-${String(spec.seed)}`);
  const paths = { events: `${base}.ndjson`, truth: `${base}.truth.json` };
  writeFileSync(paths.events, ndjson);
  writeFileSync(paths.truth, JSON.stringify(truth, null, 2) + '\n');
  return paths;
}

/** A generator CLI's `--name value` option, or `fallback` when it is not given. */
export const cliOption =
  (args: readonly string[]) =>
  (name: string, fallback: string): string => {
    const at = args.indexOf(`--${name}`);
    const value = at >= 0 ? args[at + 1] : undefined;
    return value ?? fallback;
  };
