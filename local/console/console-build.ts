import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { newestMtime } from '../template';

/** What the built console is made from: a change to any of these makes `console/dist` stale. */
const SOURCES = ['src', 'index.html', 'vite.config.mts'];

function consoleIsFresh(consoleDir: string): boolean {
  const built = path.join(consoleDir, 'dist', 'index.html');
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.every((source) => {
    const full = path.join(consoleDir, source);
    if (!existsSync(full)) return true;
    return (statSync(full).isDirectory() ? newestMtime(full) : statSync(full).mtimeMs) <= builtAt;
  });
}

/** Builds the console (`vite build` into `console/dist`) unless it is up to date; returns the seconds spent. */
export function ensureConsoleBuilt(consoleDir: string, log: (line: string) => void): number {
  if (consoleIsFresh(consoleDir)) return 0;
  log('Building the operator console (vite build) ...');
  const started = Date.now();
  const result = spawnSync(process.execPath, [viteBin(), 'build', '--logLevel', 'warn'], {
    cwd: consoleDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`vite build failed (exit ${String(result.status)}):\n${result.stderr || result.stdout}`);
  }
  return (Date.now() - started) / 1000;
}

/** Vite's command (its package exports no `bin/`, so it is found beside its package.json). */
const viteBin = (): string => path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
