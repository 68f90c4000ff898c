import type { OpenIncident } from '../domain/monitoring/incidents';
import type { Cell, WindowStore } from '../domain/monitoring/window-store';
import type { WindowIncrement } from '../domain/monitoring/window-increments';
import { regionScope, warehouseScope, type WindowCount } from '../domain/monitoring/windows';

interface WindowSets {
  windowStart: string;
  /** `windowStart` in ms since epoch, the sort key. */
  startMs: number;
  placed: Set<string>;
  cancelled: Set<string>;
}

/** One scope's windows, sorted by start, so a range is a binary search and a scan. */
class ScopeWindows {
  readonly windows: WindowSets[] = [];

  /** Index of the first window starting at or after `ms`. */
  lowerBound(ms: number): number {
    let low = 0;
    let high = this.windows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const window = this.windows[middle];
      if (window !== undefined && window.startMs < ms) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  windowAt(windowStart: string): WindowSets {
    const ms = Date.parse(windowStart);
    // Facts mostly arrive in event-time order: append without searching.
    const latest = this.windows.at(-1);
    if (latest?.startMs === ms) return latest;
    const at = latest === undefined || latest.startMs < ms ? this.windows.length : this.lowerBound(ms);
    const found = this.windows[at];
    if (found?.startMs === ms) return found;
    const window = { windowStart, startMs: ms, placed: new Set<string>(), cancelled: new Set<string>() };
    this.windows.splice(at, 0, window);
    return window;
  }
}

/**
 * The {@link WindowStore} port in memory, with the DynamoDB adapter's semantics (order ids as sets, so
 * redelivery adds nothing; one open incident per scope). For benchmarks, tests and replays
 * on one machine: it runs the same `observeOrders` code path as the Lambda, without the network.
 */
export class MemoryWindowStore implements WindowStore {
  private readonly scopes = new Map<string, ScopeWindows>();
  private readonly incidents = new Map<string, OpenIncident>();
  private readonly memberships = new Map<string, Set<string>>();

  add(increments: readonly WindowIncrement[], cells: readonly Cell[] = []): Promise<void> {
    for (const { region, warehouseId } of cells) {
      this.member(regionScope(region)).add(warehouseId);
      this.member(warehouseScope(warehouseId)).add(region);
    }
    for (const increment of increments) {
      let scope = this.scopes.get(increment.scope);
      if (!scope) {
        scope = new ScopeWindows();
        this.scopes.set(increment.scope, scope);
      }
      const window = scope.windowAt(increment.windowStart);
      for (const orderId of increment.placedOrderIds) window.placed.add(orderId);
      for (const orderId of increment.cancelledOrderIds) window.cancelled.add(orderId);
    }
    return Promise.resolve();
  }

  history(scope: string, fromWindowStart: string, toWindowStart: string): Promise<WindowCount[]> {
    const windows = this.scopes.get(scope);
    const counts: WindowCount[] = [];
    if (windows) {
      const to = Date.parse(toWindowStart);
      for (let i = windows.lowerBound(Date.parse(fromWindowStart)); ; i++) {
        const window = windows.windows[i];
        if (window === undefined || window.startMs > to) break;
        counts.push({
          scope,
          windowStart: window.windowStart,
          placed: window.placed.size,
          cancelled: window.cancelled.size,
        });
      }
    }
    return Promise.resolve(counts);
  }

  private member(scope: string): Set<string> {
    let members = this.memberships.get(scope);
    if (!members) {
      members = new Set();
      this.memberships.set(scope, members);
    }
    return members;
  }

  members(scope: string): Promise<string[]> {
    return Promise.resolve([...(this.memberships.get(scope) ?? [])].sort());
  }

  openIncident(scope: string): Promise<OpenIncident | undefined> {
    const incident = this.incidents.get(scope);
    return Promise.resolve(incident && { ...incident });
  }

  async openIncidents(scopes: readonly string[]): Promise<Map<string, OpenIncident>> {
    const open = new Map<string, OpenIncident>();
    for (const scope of scopes) {
      const incident = await this.openIncident(scope);
      if (incident) open.set(scope, incident);
    }
    return open;
  }

  saveIncident(scope: string, incident: OpenIncident | undefined): Promise<void> {
    if (incident) this.incidents.set(scope, { ...incident });
    else this.incidents.delete(scope);
    return Promise.resolve();
  }
}
