import * as path from 'node:path';

/**
 * Where the sandbox keeps what outlives a command — the running sandbox's endpoint record, the last run's tables
 * and traces, the functions' logs: `.sandbox/` under the repository, or the directory that
 * `PROACTIVE_AGENTS_SANDBOX_DIR` names (relative to the working directory), so that sandboxes started side by side
 * (two terminals on one checkout, test files run in parallel) each keep their own and `npm run approve` or
 * `npm run trace` reach the one they were started beside.
 */
export function sandboxDir(root: string): string {
  const chosen = process.env.PROACTIVE_AGENTS_SANDBOX_DIR;
  return chosen ? path.resolve(chosen) : path.join(root, '.sandbox');
}
