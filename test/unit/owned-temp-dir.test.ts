import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { ownedTempDir } from '../../local/owned-temp-dir';
import { isolateTemporaryFiles, removeTemporaryFiles } from '../temporary-root';

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'owned-temp-dir-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

/** A directory as a process left it: some data, and its owner. */
function plant(name: string, owner?: string): string {
  const dir = path.join(parent, name);
  mkdirSync(path.join(dir, 'tables'), { recursive: true });
  if (owner !== undefined) writeFileSync(path.join(dir, 'owner.pid'), owner);
  return dir;
}

/** The id of a process that has exited: it names no running process any more. */
const exitedPid = () =>
  spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    .stdout;

describe('ownedTempDir (scratch directories of sandboxes, replays and the suite)', () => {
  it('makes a fresh directory marked with its owner, after removing those whose owner has gone', () => {
    const abandoned = plant('sandbox-tables-killed', `${hostname()} ${exitedPid()}`);
    const live = plant('sandbox-tables-live', `${hostname()} ${process.pid}`);
    const elsewhere = plant('sandbox-tables-container', `another-host ${exitedPid()}`);
    const unmarked = plant('sandbox-tables-unmarked');
    const otherPrefix = plant('sandbox-archive-killed', `${hostname()} ${exitedPid()}`);

    const dir = ownedTempDir('sandbox-tables-', parent);

    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(elsewhere)).toBe(true); // another host's process: not ours to judge
    expect(existsSync(unmarked)).toBe(true);
    expect(existsSync(otherPrefix)).toBe(true); // only the prefix asked for is looked at
    expect(path.dirname(dir)).toBe(parent);
    expect(path.basename(dir)).toMatch(/^sandbox-tables-.{6}$/);
    expect(readFileSync(path.join(dir, 'owner.pid'), 'utf8')).toBe(`${hostname()} ${process.pid}`);
    // A second one beside it: the first is this (running) process's, so it stays.
    const second = ownedTempDir('sandbox-tables-', parent);
    expect(second).not.toBe(dir);
    expect(existsSync(dir)).toBe(true);
  });
});

describe("the suite's temporary directory (test/temporary-root.ts)", () => {
  const original = process.env.TMPDIR;
  afterEach(() => {
    if (original === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = original;
  });

  it('is made for the run and TMPDIR points at it; it goes at the end with everything in it', () => {
    const dir = isolateTemporaryFiles(parent);
    expect(process.env.TMPDIR).toBe(dir);
    expect(path.basename(dir)).toMatch(/^proactive-agents-test-/);
    mkdirSync(path.join(dir, 'cdk.outABCDEF'));
    removeTemporaryFiles(dir);
    expect(existsSync(dir)).toBe(false);
    removeTemporaryFiles(parent); // not a run's directory: left alone
    expect(existsSync(parent)).toBe(true);
    expect(readdirSync(parent)).toEqual([]);
  });
});
