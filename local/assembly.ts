import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { newestMtime } from './template';

/** What the synthesized template is made from: a change to any of these makes `cdk.out` stale. */
const SOURCES = ['bin', 'lib', 'lambdas', 'statemachines', 'config', 'cdk.json', 'package-lock.json'];

function assemblyIsFresh(root: string, assemblyDir: string): boolean {
  const manifest = path.join(assemblyDir, 'manifest.json');
  if (!existsSync(manifest)) return false;
  const built = statSync(manifest).mtimeMs;
  return SOURCES.every((source) => {
    const full = path.join(root, source);
    if (!existsSync(full)) return true;
    const mtime = statSync(full).isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    return mtime <= built;
  });
}

/** Synthesizes the app into `assemblyDir` unless it is up to date; returns the seconds spent (0 when reused). */
export function ensureAssembly(root: string, assemblyDir: string, log: (line: string) => void): number {
  if (assemblyIsFresh(root, assemblyDir)) return 0;
  log('Synthesizing the CDK app (npx cdk synth) ...');
  const started = Date.now();
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', assemblyDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`cdk synth failed (exit ${String(result.status)}):\n${result.stderr || result.stdout}`);
  }
  return (Date.now() - started) / 1000;
}
