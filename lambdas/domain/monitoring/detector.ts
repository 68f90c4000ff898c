import { logBinomialUpperTail } from './binomial';
import { InvalidDetectorConfig, MonitoringError, ScopeMismatch } from './errors';
import { addWindows, epochMsOf, windowStartOf, type WindowCount } from './windows';

/** Thresholds of the cancellation-spike detector; the handler merges configuration overrides onto the defaults. */
export interface DetectorConfig {
  /** Length of an event-time window in minutes; must divide 1440 so windows tile the UTC day. */
  windowMinutes: number;
  /** Windows, ending at the evaluated one, whose counts are tested together. */
  recentWindows: number;
  /** Windows before the recent ones from which the baseline ratio is learned. */
  baselineWindows: number;
  /** Orders placed in the recent windows below which nothing is judged anomalous. */
  minRecentOrders: number;
  /** Cancellations in the recent windows below which nothing is judged anomalous. */
  minRecentCancellations: number;
  /** The recent cancellation ratio must be at least this multiple of the baseline ratio. */
  minLift: number;
  /** Largest binomial upper-tail probability still called anomalous. */
  maxPValue: number;
  /** Pseudo-orders at `priorRatio` added to the baseline, so a thin or missing history is not over-trusted. */
  priorOrders: number;
  /** Cancellations per placed order assumed before any history is seen. */
  priorRatio: number;
  /** Consecutive normal windows after the last anomalous one that close an incident. */
  quietWindowsToClose: number;
}

/**
 * Defaults for 5-minute windows: a 10-minute test against a 2-hour baseline, alarming when at least 5 of at
 * least 20 orders were cancelled, at twice the baseline ratio or more, with p ≤ 1e-4 (strict, because the handler
 * re-evaluates the open window on every batch and every scope every 5 minutes: 1e-3 raised a false region alarm
 * in the walk-through); an incident closes after 15 quiet minutes.
 */
export const defaultDetectorConfig: Readonly<DetectorConfig> = Object.freeze({
  windowMinutes: 5,
  recentWindows: 2,
  baselineWindows: 24,
  minRecentOrders: 20,
  minRecentCancellations: 5,
  minLift: 2,
  maxPValue: 0.0001,
  priorOrders: 100,
  priorRatio: 0.05,
  quietWindowsToClose: 3,
});

type Check = (value: number) => boolean;
const positiveInteger: [Check, string] = [(v) => Number.isInteger(v) && v > 0, 'a positive integer'];
const nonNegativeInteger: [Check, string] = [(v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'];
const positive: [Check, string] = [(v) => Number.isFinite(v) && v > 0, 'a positive number'];
const nonNegative: [Check, string] = [(v) => Number.isFinite(v) && v >= 0, 'a non-negative number'];

const checks: Record<keyof DetectorConfig, [Check, string]> = {
  windowMinutes: [(v) => Number.isInteger(v) && v > 0 && 1440 % v === 0, 'a positive integer dividing 1440'],
  recentWindows: positiveInteger,
  baselineWindows: positiveInteger,
  minRecentOrders: positiveInteger,
  minRecentCancellations: nonNegativeInteger,
  minLift: nonNegative,
  maxPValue: [(v) => Number.isFinite(v) && v > 0 && v <= 1, 'a probability in (0, 1]'],
  priorOrders: positive,
  priorRatio: positive,
  quietWindowsToClose: positiveInteger,
};

/**
 * The defaults with `overrides` (e.g. parsed from the handler's configuration JSON) merged on, validated.
 * Throws {@link InvalidDetectorConfig} naming the first unknown or out-of-range field.
 *
 * @example resolveDetectorConfig(JSON.parse('{"maxPValue":0.0001}')).maxPValue === 0.0001
 */
export function resolveDetectorConfig(overrides: unknown = {}): DetectorConfig {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new InvalidDetectorConfig('(config)', overrides, 'an object of overrides');
  }
  const config: DetectorConfig = { ...defaultDetectorConfig };
  for (const [field, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(checks, field)) throw new InvalidDetectorConfig(field, value, 'no such setting');
    config[field as keyof DetectorConfig] = value as number;
  }
  for (const [field, [check, expected]] of Object.entries(checks)) {
    const value: unknown = config[field as keyof DetectorConfig];
    if (typeof value !== 'number' || !check(value)) throw new InvalidDetectorConfig(field, value, expected);
  }
  return config;
}

/** The detector's verdict on one scope at one window. */
export interface SpikeAssessment {
  scope: string;
  /** The evaluated window; `placed` and `cancelled` cover the `recentWindows` windows ending with it. */
  window: { start: string; end: string };
  /** Recent cancellations per placed order (cancellations per order when nothing was placed). */
  observedRatio: number;
  /** Cancellations per placed order learned from the baseline windows, shrunk toward the prior. */
  baselineRatio: number;
  placed: number;
  cancelled: number;
  /** P(X ≥ cancelled) for X ~ Binomial(placed + cancelled, baselineRatio / (1 + baselineRatio)). */
  pValue: number;
  /** −log10 of the p-value: 3 is one in a thousand; finite even where the p-value underflows to 0. */
  score: number;
  anomalous: boolean;
}

export interface AssessOptions {
  /**
   * Learn the baseline only from windows before this one (default: the first recent window). While an incident
   * is open, the handler passes the window where it began, so the spike is not learned as normal and does not
   * end its own incident early (see `baselineCutoffFor` in incidents.ts).
   */
  baselineBefore?: string;
}

/**
 * Judges whether the cancellation ratio of `scope` spiked at the evaluated window.
 *
 * The statistic is the cancellation ratio, cancelled / placed, so a promotion that raises orders and
 * cancellations together is not a spike. The test conditions on the window's events: cancellations can refer to
 * orders placed in earlier windows, so they are not a subset of the window's placed orders (there may even be
 * more of them), and Binomial(placed, ·) would be the wrong model. Treating placements and cancellations as two
 * Poisson streams whose rates stand in the baseline ratio r, the number of cancellations among the
 * placed + cancelled events of the recent windows is Binomial(placed + cancelled, r / (1 + r)) — the exact
 * conditional test for a ratio of rates. The p-value is that binomial's upper tail at the observed count.
 *
 * The baseline pools the `baselineWindows` windows before the recent ones and adds `priorOrders` pseudo-orders at
 * `priorRatio`: windows without data contribute nothing (no zero ratios from gaps), and a short or empty history
 * falls back to the prior instead of to 0. Anomalous needs all of: the minimum counts, a lift of at least
 * `minLift`, and p ≤ `maxPValue`.
 *
 * @param history counts of one scope, in any order, with gaps; windows after the evaluated one are ignored, and
 *   repeated windows are summed.
 * @param evaluatedWindowStart the evaluated window (any instant in it).
 */
export function assessScope(
  history: readonly WindowCount[],
  evaluatedWindowStart: string,
  config: DetectorConfig = defaultDetectorConfig,
  options: AssessOptions = {},
): SpikeAssessment {
  const first = history[0];
  if (first === undefined) throw new MonitoringError('cannot assess an empty history: it names no scope');
  const scope = first.scope;
  const { windowMinutes } = config;

  const start = windowStartOf(evaluatedWindowStart, windowMinutes);
  const end = addWindows(start, 1, windowMinutes);
  const recentFrom = epochMsOf(addWindows(start, 1 - config.recentWindows, windowMinutes));
  const recentTo = epochMsOf(end);
  const baselineTo =
    options.baselineBefore === undefined
      ? recentFrom
      : Math.min(recentFrom, epochMsOf(windowStartOf(options.baselineBefore, windowMinutes)));
  const baselineFrom = baselineTo - config.baselineWindows * windowMinutes * 60_000;

  let placed = 0;
  let cancelled = 0;
  let baselinePlaced = 0;
  let baselineCancelled = 0;
  for (const count of history) {
    if (count.scope !== scope) throw new ScopeMismatch(scope, count.scope);
    const at = epochMsOf(count.windowStart);
    if (at >= recentFrom && at < recentTo) {
      placed += count.placed;
      cancelled += count.cancelled;
    } else if (at >= baselineFrom && at < baselineTo) {
      baselinePlaced += count.placed;
      baselineCancelled += count.cancelled;
    }
  }

  const baselineRatio =
    (baselineCancelled + config.priorRatio * config.priorOrders) / (baselinePlaced + config.priorOrders);
  const observedRatio = cancelled / Math.max(placed, 1);
  const logPValue = logBinomialUpperTail(cancelled, placed + cancelled, baselineRatio / (1 + baselineRatio));
  const anomalous =
    placed >= config.minRecentOrders &&
    cancelled >= config.minRecentCancellations &&
    observedRatio >= config.minLift * baselineRatio &&
    logPValue <= Math.log(config.maxPValue);

  return {
    scope,
    window: { start, end },
    observedRatio,
    baselineRatio,
    placed,
    cancelled,
    pValue: Math.exp(logPValue),
    score: logPValue === 0 ? 0 : -logPValue / Math.LN10,
    anomalous,
  };
}
