import { epochMsOf, isoOf, type WindowCount } from '../monitoring/windows';

/** Hours of windows shown on each side of the window an incident opened at. */
const RATIO_HOURS_AROUND = 2;

/** The range of windows read around an incident's first window. */
export function ratioRange(windowStart: string): { from: string; to: string } {
  const at = epochMsOf(windowStart);
  const span = RATIO_HOURS_AROUND * 3_600_000;
  return { from: isoOf(at - span), to: isoOf(at + span) };
}

export interface RatioWindow {
  readonly start: string;
  readonly placed: number;
  readonly cancelled: number;
  /** cancelled / placed, null when nothing was placed (the detector's observed ratio of one window). */
  readonly ratio: number | null;
}

/** The counters of an incident's scope around it, as the monitoring agent counted them (oldest first). */
export function ratioWindows(counts: readonly WindowCount[]): RatioWindow[] {
  return [...counts]
    .sort((a, b) => (a.windowStart < b.windowStart ? -1 : a.windowStart > b.windowStart ? 1 : 0))
    .map((c) => ({
      start: c.windowStart,
      placed: c.placed,
      cancelled: c.cancelled,
      ratio: c.placed > 0 ? c.cancelled / c.placed : null,
    }));
}
