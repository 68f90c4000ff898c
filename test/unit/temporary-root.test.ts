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
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isolateTemporaryFiles, removeTemporaryFiles } from '../temporary-root';

describe("the suite's temporary directory", () => {
  const original = process.env.TMPDIR;
  let parent: string;

  beforeEach(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'temporary-root-'));
  });
  afterEach(() => {
    if (original === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = original;
    rmSync(parent, { recursive: true, force: true });
  });

  const plant = (name: string, owner: string) => {
    const dir = path.join(parent, name);
    mkdirSync(path.join(dir, 'cdk.outABCDEF'), { recursive: true });
    writeFileSync(path.join(dir, 'owner.pid'), owner);
    return dir;
  };

  it("is the run's own, and the directories of runs whose process has gone are removed first", () => {
    // A process that has exited: its id names no running process any more.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    const stale = plant('proactive-agents-test-stale', gone);
    const live = plant('proactive-agents-test-live', String(process.pid));
    const unowned = path.join(parent, 'proactive-agents-test-unowned');
    mkdirSync(unowned);
    const other = path.join(parent, 'cdk.outXYZ');
    mkdirSync(other);

    const dir = isolateTemporaryFiles(parent);

    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unowned)).toBe(true); // no owner recorded: not this suite's to remove
    expect(existsSync(other)).toBe(true);
    expect(path.dirname(dir)).toBe(parent);
    expect(path.basename(dir)).toMatch(/^proactive-agents-test-/);
    expect(process.env.TMPDIR).toBe(dir);
    expect(readFileSync(path.join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
  });

  it('is removed at the end of the run with everything in it, and nothing else is', () => {
    const dir = isolateTemporaryFiles(parent);
    mkdtempSync(path.join(tmpdir(), 'cdk.out'));
    removeTemporaryFiles(dir);
    expect(existsSync(dir)).toBe(false);
    removeTemporaryFiles(parent); // not a run's directory: left alone
    expect(existsSync(parent)).toBe(true);
    expect(readdirSync(parent)).toEqual([]);
  });
});
