import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { isAlive } from './process-alive';

/** The file in each directory that names its owner: the host and the process id. */
const OWNER = 'owner.pid';

/** The owner recorded in `dir`, when it is a process of this host that is no longer running. */
function abandoned(dir: string): boolean {
  let owner: string[];
  try {
    owner = readFileSync(path.join(dir, OWNER), 'utf8').trim().split(' ');
  } catch {
    return false;
  }
  const [host, pid] = [owner.slice(0, -1).join(' '), Number(owner.at(-1))];
  return host === hostname() && Number.isInteger(pid) && pid > 0 && !isAlive(pid);
}

/**
 * A new temporary directory for this process's scratch data (`<parent>/<prefix>XXXXXX`), marked with its owner.
 * A process that is killed never removes its own — a replay killed after 245,000 events left 75 MB of tables — so the
 * directories of the same prefix whose owner (a process of this host) has gone are removed first. Directories
 * without an owner, or owned by a process still running or of another host (a container sharing the directory),
 * are left alone.
 */
export function ownedTempDir(prefix: string, parent = tmpdir()): string {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(parent, name);
    if (abandoned(dir)) rmSync(dir, { recursive: true, force: true });
  }
  const dir = mkdtempSync(path.join(parent, prefix));
  writeFileSync(path.join(dir, OWNER), `${hostname()} ${process.pid}`);
  return dir;
}
