/**
 * Whether a process with this id is running on this host: signal 0 checks without signalling, and EPERM means it
 * exists under another user.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
