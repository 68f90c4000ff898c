import { ScopeMismatch } from './errors';
import { epochMsOf, type WindowCount } from './windows';

/** Counts of one scope indexed by window, summed per window: what a block's statistics are computed from. */
export class ScopeHistory {
  private readonly byWindow = new Map<number, { placed: number; cancelled: number }>();

  private constructor(
    readonly scope: string,
    readonly windowMs: number,
  ) {}

  /**
   * Indexes the counts of one scope, in any order, summing repeated windows. Throws {@link ScopeMismatch} when
   * counts of another scope are mixed in.
   */
  static of(scope: string, counts: readonly WindowCount[], windowMinutes: number): ScopeHistory {
    const history = new ScopeHistory(scope, windowMinutes * 60_000);
    for (const count of counts) {
      if (count.scope !== scope) throw new ScopeMismatch(scope, count.scope);
      history.add(Math.floor(epochMsOf(count.windowStart) / history.windowMs), count.placed, count.cancelled);
    }
    return history;
  }

  private add(index: number, placed: number, cancelled: number): void {
    const sum = this.byWindow.get(index);
    if (sum) {
      sum.placed += placed;
      sum.cancelled += cancelled;
    } else {
      this.byWindow.set(index, { placed, cancelled });
    }
  }

  /** Window `index` (epoch ms / window length); zeros where nothing was counted. */
  at(index: number): { placed: number; cancelled: number } {
    return this.byWindow.get(index) ?? ZERO;
  }

  /**
   * This history less `other`'s counts, window by window, floored at 0 (e.g. a region without one warehouse's
   * orders in it: the region's counts minus its (region, warehouse) cell's).
   */
  minus(other: ScopeHistory, scope: string): ScopeHistory {
    const rest = new ScopeHistory(scope, this.windowMs);
    for (const [index, count] of this.byWindow) {
      const less = other.at(index);
      rest.add(index, Math.max(0, count.placed - less.placed), Math.max(0, count.cancelled - less.cancelled));
    }
    return rest;
  }
}

const ZERO = Object.freeze({ placed: 0, cancelled: 0 });
