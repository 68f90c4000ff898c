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
const cliOption =
  (args: readonly string[]) =>
  (name: string, fallback: string): string => {
    const at = args.indexOf(`--${name}`);
    const value = at >= 0 ? args[at + 1] : undefined;
    return value ?? fallback;
  };

/** The spec of preset `name` with `seed`; a name that is not a preset is refused with the presets listed. */
export function presetWithSeed<P extends object>(
  presets: Readonly<Record<string, P>>,
  name: string,
  seed: number,
): P & { name: string; seed: number } {
  const preset = presets[name];
  if (!preset)
    throw new RangeError(`unknown preset ${JSON.stringify(name)}: one of ${Object.keys(presets).join(', ')}`);
  return { ...preset, name, seed };
}

/** A labelled-stream generator as its command line drives it. */
export interface StreamCommand<P, S> {
  readonly presets: Readonly<Record<string, P>>;
  /** The preset and the seed drawn when the command line names none. */
  readonly defaultPreset: string;
  readonly defaultSeed: number;
  /** Draws the stream of preset `name` with `seed`. */
  generate(name: string, seed: number): S;
  write(stream: S, directory: string): { events: string; truth: string };
  /** What is printed once the files are written. */
  summary(stream: S, paths: { events: string; truth: string }): string;
}

/**
 * The command line the labelled-stream generators share: `--list` prints the presets; otherwise `--preset`,
 * `--seed` and `--out` (default `scenarios/generated`) choose what is drawn and where it is written.
 */
export function runStreamCommand<P, S>(args: readonly string[], command: StreamCommand<P, S>): void {
  if (args.includes('--list')) {
    for (const [name, preset] of Object.entries(command.presets))
      console.log(`${name}: ${JSON.stringify(preset)}`);
    return;
  }
  const option = cliOption(args);
  const stream = command.generate(
    option('preset', command.defaultPreset),
    Number(option('seed', String(command.defaultSeed))),
  );
  const paths = command.write(stream, option('out', 'scenarios/generated'));
  console.log(command.summary(stream, paths));
}
