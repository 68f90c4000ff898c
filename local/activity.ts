/**
 * Counts work in flight across the sandbox (HTTP requests, invocations, deliveries) so the replay can wait
 * until everything an event set off has finished before it moves the clock on.
 */
export class Activity {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Runs `work` as one unit of activity. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  /** Resolves when nothing is in flight and nothing started during one more turn of the event loop. */
  async settled(): Promise<void> {
    for (;;) {
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.inFlight === 0) return;
    }
  }
}
