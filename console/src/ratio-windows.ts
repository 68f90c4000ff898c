import type { InputEventMessage } from './live-messages';

/** The monitoring agent's window: cancellation ratios are counted per 5 minutes of event time. */
const WINDOW_MS = 5 * 60 * 1000;

/** Placed and cancelled orders of one scope in one window. */
export interface WindowCount {
  placed: number;
  cancelled: number;
}

/** A point of the chart: a window's start (epoch seconds) and its cancellation ratio (null: no orders). */
export interface RatioPoint {
  readonly time: number;
  readonly ratio: number | null;
  readonly placed: number;
  readonly cancelled: number;
}

/** The earliest window start of a scope (a loop: a scope may hold thousands of windows). */
function oldestOf(windows: ReadonlyMap<number, WindowCount>): number {
  let oldest = Infinity;
  for (const start of windows.keys()) if (start < oldest) oldest = start;
  return oldest;
}

/** A window as `GET /incidents/{id}/ratio` answers it, as a point of the chart. */
export function pointOf(window: {
  readonly start: string;
  readonly placed: number;
  readonly cancelled: number;
  readonly ratio: number | null;
}): RatioPoint {
  return {
    time: Date.parse(window.start) / 1000,
    ratio: window.ratio,
    placed: window.placed,
    cancelled: window.cancelled,
  };
}

/** Scopes counted: `warehouse#<id>` and `region#<id>`, as the monitoring agent counts them. */
const scopesOf = (event: InputEventMessage): string[] => [
  ...(event.warehouseId === undefined ? [] : [`warehouse#${event.warehouseId}`]),
  ...(event.region === undefined ? [] : [`region#${event.region}`]),
];

/**
 * Per scope and 5-minute window, the orders placed and cancelled as the stream shows them (the counters the
 * monitoring agent keeps, seen from the bus). Bounded: a scope keeps its newest `maxWindows` windows.
 */
export class RatioWindows {
  private readonly scopes = new Map<string, Map<number, WindowCount>>();

  constructor(private readonly maxWindows = 2016) {}

  add(event: InputEventMessage): void {
    const kind =
      event.detailType === 'order_placed'
        ? 'placed'
        : event.detailType === 'order_cancelled'
          ? 'cancelled'
          : undefined;
    const time = Date.parse(event.time);
    if (kind === undefined || !Number.isFinite(time)) return;
    const start = Math.floor(time / WINDOW_MS) * WINDOW_MS;
    for (const scope of scopesOf(event)) {
      let windows = this.scopes.get(scope);
      if (windows === undefined) {
        windows = new Map();
        this.scopes.set(scope, windows);
      }
      const count = windows.get(start) ?? { placed: 0, cancelled: 0 };
      count[kind]++;
      windows.set(start, count);
      if (windows.size > this.maxWindows) windows.delete(oldestOf(windows));
    }
  }

  /**
   * The ratio of each window of `scope` from `fromMs` to `toMs`, every window present (null where nothing was
   * placed): `cancelled / placed` of the window, as the detector's observed ratio is counted.
   */
  series(scope: string, fromMs: number, toMs: number): RatioPoint[] {
    const windows = this.scopes.get(scope);
    const points: RatioPoint[] = [];
    for (let start = Math.floor(fromMs / WINDOW_MS) * WINDOW_MS; start <= toMs; start += WINDOW_MS) {
      const count = windows?.get(start) ?? { placed: 0, cancelled: 0 };
      points.push({
        time: start / 1000,
        ratio: count.placed === 0 ? null : count.cancelled / count.placed,
        placed: count.placed,
        cancelled: count.cancelled,
      });
    }
    return points;
  }
}
