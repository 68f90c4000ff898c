import { removeTemporaryFiles } from './temporary-root';

/** Removes the run's temporary files (see test/temporary-root.ts). */
export default function globalTeardown(): void {
  removeTemporaryFiles();
}
