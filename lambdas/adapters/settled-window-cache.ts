import type { OpenIncident } from '../domain/monitoring/incidents';
import type { Cell, WindowStore } from '../domain/monitoring/window-store';
import type { WindowIncrement } from '../domain/monitoring/window-increments';
import { epochMsOf, isoOf, type WindowCount } from '../domain/monitoring/windows';

interface Settled {
  /** Windows cached are those starting in [from, until). */
  from: string;
  until: string;
  counts: WindowCount[];
}

/**
 * A {@link WindowStore} that reads each scope's SETTLED windows — those starting more than `settleMinutes` before
 * the newest window a history read asks for — once per warm instance, and afterwards queries only the recent
 * ones: a monitoring batch re-reads about 12 hours of baseline per touched scope, of which only the last half hour
 * still changes. What this instance adds to a settled window drops the scope's cache, so its own late facts are
 * never missed; a late fact that ANOTHER instance adds to a settled window is missed by this instance's baselines
 * until the window leaves them (one fact among hundreds in a 12-hour baseline). Everything else is delegated.
 */
export class SettledWindowCache implements WindowStore {
  private readonly settled = new Map<string, Settled>();
  private readonly settleMs: number;

  constructor(
    private readonly inner: WindowStore,
    settleMinutes = 30,
  ) {
    this.settleMs = settleMinutes * 60_000;
  }

  async add(increments: readonly WindowIncrement[], cells?: readonly Cell[]): Promise<void> {
    for (const { scope, windowStart } of increments) {
      const entry = this.settled.get(scope);
      if (entry && windowStart < entry.until) this.settled.delete(scope);
    }
    await this.inner.add(increments, cells);
  }

  async history(scope: string, fromWindowStart: string, toWindowStart: string): Promise<WindowCount[]> {
    const settledBefore = isoOf(epochMsOf(toWindowStart) - this.settleMs);
    const entry = this.settled.get(scope);
    if (entry === undefined || fromWindowStart < entry.from || fromWindowStart > entry.until) {
      const counts = await this.inner.history(scope, fromWindowStart, toWindowStart);
      if (fromWindowStart < settledBefore) {
        this.settled.set(scope, {
          from: fromWindowStart,
          until: settledBefore,
          counts: counts.filter((c) => c.windowStart < settledBefore),
        });
      }
      return counts;
    }
    const cached = entry.counts.filter((c) => c.windowStart >= fromWindowStart);
    if (toWindowStart < entry.until) return cached.filter((c) => c.windowStart <= toWindowStart);
    const recent = await this.inner.history(scope, entry.until, toWindowStart);
    if (settledBefore > entry.until) {
      // Windows that have settled since: cached from now on; windows before the range are no longer needed.
      entry.counts = [...cached, ...recent.filter((c) => c.windowStart < settledBefore)];
      entry.from = fromWindowStart;
      entry.until = settledBefore;
    }
    return [...cached, ...recent];
  }

  members(scope: string): Promise<string[]> {
    return this.inner.members(scope);
  }

  openIncident(scope: string): Promise<OpenIncident | undefined> {
    return this.inner.openIncident(scope);
  }

  openIncidents(scopes: readonly string[]): Promise<Map<string, OpenIncident>> {
    return this.inner.openIncidents(scopes);
  }

  saveIncident(scope: string, incident: OpenIncident | undefined): Promise<void> {
    return this.inner.saveIncident(scope, incident);
  }
}
