import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { ownedTempDir } from '../local/owned-temp-dir';

/**
 * The suite's temporary files, in one directory per run. Every `new App()` without an outdir synthesizes into a
 * fresh `cdk.out…` under the temporary directory and leaves it there (about 12 MB each), and sandboxes, CLIs and
 * fixtures make their own: before this, runs of the suite had left 1,380 `cdk.out…` directories (16 GB) in this
 * machine's temporary directory. The global setup points TMPDIR (which `os.tmpdir()` reads) at a directory of this
 * run's own — the workers and the processes they start inherit it — and the global teardown removes it; the
 * directory of a run that was killed is removed by the next (local/owned-temp-dir.ts).
 */
const PREFIX = 'proactive-agents-test-';

/** Makes this run's temporary directory and points TMPDIR at it. Returns the directory. */
export function isolateTemporaryFiles(parent?: string): string {
  const dir = ownedTempDir(PREFIX, parent);
  process.env.TMPDIR = dir;
  return dir;
}

/** Removes this run's temporary directory (TMPDIR, as the global setup set it). */
export function removeTemporaryFiles(dir = process.env.TMPDIR): void {
  if (dir && path.basename(dir).startsWith(PREFIX)) rmSync(dir, { recursive: true, force: true });
}
