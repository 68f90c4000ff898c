/** An event waiting for its replay step. */
export interface TimedInput {
  readonly raw: unknown;
  /** Event time (ms since epoch). */
  readonly time: number;
  readonly line?: number;
}

interface Entry<T> {
  readonly input: T;
  readonly seq: number;
}

/**
 * The events read but not replayed yet, in (event time, arrival) order: a binary min-heap, so a stream whose
 * events arrive a little out of order is replayed in event-time order while only the events of the reorder
 * window are held.
 */
export class ReplayBuffer<T extends TimedInput = TimedInput> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest event time held; undefined when empty. */
  earliest(): number | undefined {
    return this.heap[0]?.input.time;
  }

  push(input: T): void {
    const heap = this.heap;
    heap.push({ input, seq: this.seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!ReplayBuffer.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Removes and returns, in order, every event before `end`. */
  takeBefore(end: number): T[] {
    const taken: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.input.time < end) taken.push(this.pop());
    return taken;
  }

  private pop(): T {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && ReplayBuffer.before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && ReplayBuffer.before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top.input;
  }

  private static before<T extends TimedInput>(a: Entry<T>, b: Entry<T>): boolean {
    return a.input.time < b.input.time || (a.input.time === b.input.time && a.seq < b.seq);
  }
}
