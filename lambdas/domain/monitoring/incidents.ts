import type { DetectorConfig } from './detector-config';
import type { SpikeAssessment } from './detector';
import { ScopeMismatch } from './errors';
import { addWindows, parseScope, windowsBetween } from './windows';

/** The one open incident of a scope, as the handler stores it (one item per scope, written conditionally). */
export interface OpenIncident {
  /** `${scope}#${window start}` of the window that opened it: the same for a redelivered batch. */
  incidentKey: string;
  scope: string;
  /** Start of the evaluated window that opened the incident (event time, not wall time). */
  openedAt: string;
  /** Start of the latest window assessed as anomalous (or, while open, elevated). */
  lastAnomalousWindow: string;
  /**
   * Window before which the baseline is learned while the incident lasts, when earlier than the block that
   * opened it: the start of the watch it grew out of (see `watchWindows`).
   */
  baselineBefore?: string;
}

export type IncidentDecision =
  | { action: 'open'; incident: OpenIncident }
  | { action: 'extend'; incident: OpenIncident }
  | { action: 'close'; incidentKey: string }
  | { action: 'none' };

/** The deterministic incident key for a scope and the window that opened its incident. */
const incidentKeyOf = (scope: string, windowStart: string): string => `${scope}#${windowStart}`;

/** The scope and window of an incident key ({@link incidentKeyOf}), or undefined when it is not one. */
export function incidentKeyParts(incidentKey: string): { scope: string; windowStart: string } | undefined {
  const hash = incidentKey.lastIndexOf('#');
  if (hash < 0) return undefined;
  const scope = incidentKey.slice(0, hash);
  const windowStart = incidentKey.slice(hash + 1);
  try {
    parseScope(scope);
  } catch {
    return undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(windowStart) || Number.isNaN(Date.parse(windowStart))) {
    return undefined;
  }
  return { scope, windowStart };
}

/**
 * Once-per-incident deduplication as a state transition: given the newest assessment of a scope and its open
 * incident (if any), what to do. Only `open` emits `order_cancellation_spike`; `extend` and `close` update the
 * stored incident without a new event.
 *
 * - anomalous, nothing open → `open`, keyed by scope and window, so a redelivered batch computes the same key
 *   and the handler's conditional write turns the second attempt into a no-op;
 * - elevated (anomalous, or still clearly above the baseline: `assessment.elevated`), open → `extend` when the
 *   window is later than the last anomalous one, else `none` (a repeated or late assessment changes nothing);
 * - otherwise, open → `close` once the assessed window is `quietWindowsToClose` or more windows after the last
 *   anomalous one (windows in between were assessed normal or had no events at all) and, when the caller counts
 *   them (`quiet`), at least `minQuietOrders` orders were placed after it; else `none`.
 */
export function decideIncident(
  assessment: SpikeAssessment,
  open: OpenIncident | undefined,
  config: Pick<DetectorConfig, 'windowMinutes' | 'quietWindowsToClose'> &
    Partial<Pick<DetectorConfig, 'minQuietOrders'>>,
  quiet: { placedSinceLastAnomalous?: number | undefined } = {},
): IncidentDecision {
  const { scope, window, anomalous } = assessment;
  if (open !== undefined && open.scope !== scope) throw new ScopeMismatch(open.scope, scope);

  if (open === undefined) {
    if (!anomalous) return { action: 'none' };
    return {
      action: 'open',
      incident: {
        incidentKey: incidentKeyOf(scope, window.start),
        scope,
        openedAt: window.start,
        lastAnomalousWindow: window.start,
      },
    };
  }

  const sinceLastAnomalous = windowsBetween(open.lastAnomalousWindow, window.start, config.windowMinutes);
  // Hysteresis: an open incident lasts while the ratio stays elevated, a weaker test than the one that opened
  // it, so a long incident whose evidence dips for a window is not closed and then opened again.
  if (assessment.elevated ?? anomalous) {
    return sinceLastAnomalous > 0
      ? { action: 'extend', incident: { ...open, lastAnomalousWindow: window.start } }
      : { action: 'none' };
  }
  // Quiet windows only say the incident is over if orders went through them: at night a warehouse can go
  // a quarter of an hour without an order, let alone a cancellation.
  const enoughOrders =
    quiet.placedSinceLastAnomalous === undefined ||
    quiet.placedSinceLastAnomalous >= (config.minQuietOrders ?? 0);
  return sinceLastAnomalous >= config.quietWindowsToClose && enoughOrders
    ? { action: 'close', incidentKey: open.incidentKey }
    : { action: 'none' };
}

/**
 * The window before which the baseline is learned while `open` lasts: the first window of the recent block that
 * opened it. Pass it as `assessWindow(..., { baselineBefore })` so an ongoing spike is not learned as normal.
 */
export function baselineCutoffFor(
  open: OpenIncident | undefined,
  config: Pick<DetectorConfig, 'windowMinutes' | 'recentWindows'>,
): string | undefined {
  if (open === undefined) return undefined;
  const cutoff = addWindows(open.openedAt, 1 - config.recentWindows, config.windowMinutes);
  return open.baselineBefore !== undefined && open.baselineBefore < cutoff ? open.baselineBefore : cutoff;
}
