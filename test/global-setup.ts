import * as path from 'node:path';
import { ensureAssembly } from '../local/assembly';
import { isolateTemporaryFiles } from './temporary-root';

/**
 * Gives the run its own temporary directory (test/temporary-root.ts), then synthesizes the app once, before any
 * sandbox test starts (parallel workers must not synthesize together).
 */
export default function globalSetup(): void {
  isolateTemporaryFiles();
  const root = path.resolve(__dirname, '..');
  const seconds = ensureAssembly(root, path.join(root, 'cdk.out'), (line) =>
    process.stderr.write(`${line}\n`),
  );
  if (seconds > 0) process.stderr.write(`synthesized in ${seconds.toFixed(1)} s\n`);
}
