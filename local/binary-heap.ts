/**
 * A binary min-heap under a strict order (`before`), for the replay's queues (events awaiting their step, timers
 * awaiting their time). Sifting moves a hole rather than swapping pairs: no allocation per push or pop, and the
 * bounds checks are the reads themselves (a slot past the end reads undefined).
 */
export class BinaryHeap<T extends object> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The first item in order; undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let hole = items.length;
    items.push(item);
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const above = items[parent];
      if (above === undefined || !this.before(item, above)) break;
      items[hole] = above;
      hole = parent;
    }
    items[hole] = item;
  }

  /** Removes and returns the first item in order; undefined when empty. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (last === undefined || items.length === 0) return top;
    let hole = 0;
    for (;;) {
      const left = 2 * hole + 1;
      const leftItem = items[left];
      if (leftItem === undefined) break;
      let child = leftItem;
      let at = left;
      const rightItem = items[left + 1];
      if (rightItem !== undefined && this.before(rightItem, leftItem)) {
        child = rightItem;
        at = left + 1;
      }
      if (!this.before(child, last)) break;
      items[hole] = child;
      hole = at;
    }
    items[hole] = last;
    return top;
  }
}
