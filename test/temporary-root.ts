import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The suite's temporary files, in one directory per run. Every `new App()` without an outdir synthesizes into a
 * fresh `cdk.out…` under the temporary directory and leaves it there (about 12 MB each), and sandboxes, CLIs and
 * fixtures make their own: before this, one run of the suite left about 110 such directories behind (1.3 GB), and
 * a few days of runs 16 GB. The global setup points TMPDIR (which `os.tmpdir()` reads) at a directory of this run's
 * own — the workers and the processes they start inherit it — and the global teardown removes it.
 */
const PREFIX = 'proactive-agents-test-';
const OWNER = 'owner.pid';

/** Whether a process with this id is running (a signal 0 checks without sending anything). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this run's temporary directory and points TMPDIR at it; first removes those of earlier runs whose process
 * has gone (a run that was killed never reached its teardown). Returns the directory.
 */
export function isolateTemporaryFiles(parent = tmpdir()): string {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(parent, name);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, OWNER), 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && !running(owner))
      rmSync(dir, { recursive: true, force: true });
  }
  const dir = mkdtempSync(path.join(parent, PREFIX));
  writeFileSync(path.join(dir, OWNER), String(process.pid));
  process.env.TMPDIR = dir;
  return dir;
}

/** Removes this run's temporary directory (TMPDIR, as the global setup set it). */
export function removeTemporaryFiles(dir = process.env.TMPDIR): void {
  if (dir && path.basename(dir).startsWith(PREFIX)) rmSync(dir, { recursive: true, force: true });
}
