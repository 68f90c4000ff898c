import { BinaryHeap } from './binary-heap';

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

/** Event time, then arrival: events of the same time keep the order they came in. */
const entryBefore = <T extends TimedInput>(a: Entry<T>, b: Entry<T>): boolean =>
  a.input.time < b.input.time || (a.input.time === b.input.time && a.seq < b.seq);

/**
 * The events read but not replayed yet, in (event time, arrival) order: a binary min-heap, so a stream whose
 * events arrive a little out of order is replayed in event-time order while only the events of the reorder
 * window are held.
 */
export class ReplayBuffer<T extends TimedInput = TimedInput> {
  private readonly heap = new BinaryHeap<Entry<T>>(entryBefore);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  /** The earliest event time held; undefined when empty. */
  earliest(): number | undefined {
    return this.heap.peek()?.input.time;
  }

  push(input: T): void {
    this.heap.push({ input, seq: this.seq++ });
  }

  /** Removes and returns, in order, every event before `end`. */
  takeBefore(end: number): T[] {
    const taken: T[] = [];
    for (let top = this.heap.peek(); top !== undefined && top.input.time < end; top = this.heap.peek()) {
      this.heap.pop();
      taken.push(top.input);
    }
    return taken;
  }
}
