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

export class VirtualClock {
  private nowMs: number;
  private seq = 0;
  /** A binary min-heap on (at, seq); cancelled entries are dropped lazily. */
  private readonly heap: Entry[] = [];

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
    this.push(entry);
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
    return this.heap[0]?.at;
  }

  /** Moves time forward (never backward) and fires every timer due by then, in time order. */
  advanceTo(ms: number): number {
    const target = Math.max(this.nowMs, ms);
    this.prune();
    while (this.heap.length > 0 && this.heap[0]!.at <= target) {
      const entry = this.pop()!;
      this.nowMs = Math.max(this.nowMs, entry.at);
      entry.fn();
      this.prune();
    }
    this.nowMs = target;
    return this.nowMs;
  }

  private prune(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private static before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && VirtualClock.before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && VirtualClock.before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
