import { BinaryHeap } from './binary-heap';

/**
 * The sandbox's virtual clock. Time comes from event time while a file is replayed, so a week of events runs in
 * seconds and timeouts (task tokens, heartbeats) fire in event time, not wall time.
 */
export interface ClockTimer {
  readonly at: number;
  cancel(): void;
}

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Timers in time order; timers set for the same time fire in the order they were set. */
const timerBefore = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class VirtualClock {
  private nowMs: number;
  private seq = 0;
  /** A binary min-heap on (at, seq); cancelled entries are dropped lazily. */
  private readonly heap = new BinaryHeap<Entry>(timerBefore);

  constructor(startMs: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  date(): Date {
    return new Date(this.nowMs);
  }

  iso(): string {
    return new Date(this.nowMs).toISOString();
  }

  /** Runs `fn` when the clock reaches `at` (ms since epoch); a time in the past fires on the next advance. */
  setTimer(at: number, fn: () => void): ClockTimer {
    const entry: Entry = { at, seq: this.seq++, fn, cancelled: false };
    this.heap.push(entry);
    return {
      at,
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** The earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    this.prune();
    return this.heap.peek()?.at;
  }

  /** Moves time forward (never backward) and fires every timer due by then, in time order. */
  advanceTo(ms: number): number {
    const target = Math.max(this.nowMs, ms);
    this.prune();
    for (let entry = this.heap.peek(); entry !== undefined && entry.at <= target; entry = this.heap.peek()) {
      this.heap.pop();
      this.nowMs = Math.max(this.nowMs, entry.at);
      entry.fn();
      this.prune();
    }
    this.nowMs = target;
    return this.nowMs;
  }

  private prune(): void {
    while (this.heap.peek()?.cancelled === true) this.heap.pop();
  }
}
