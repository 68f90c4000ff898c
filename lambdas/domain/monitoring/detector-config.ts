import { InvalidDetectorConfig } from './errors';

/** Thresholds of the cancellation-spike detector; the handler merges configuration overrides onto the defaults. */
export interface DetectorConfig {
  /** Length of an event-time window in minutes; must divide 1440 so windows tile the UTC day. */
  windowMinutes: number;
  /** Windows, ending at the evaluated one, of the shortest block tested (the block reported when none alarms). */
  recentWindows: number;
  /**
   * Longest block tested: blocks of recentWindows, 2·recentWindows, 4·recentWindows… windows up to this many are
   * tested together (Bonferroni-corrected), so thin traffic — nights, small warehouses — is judged on enough
   * orders without slowing detection where traffic is high.
   */
  longestRecentWindows: number;
  /**
   * A longer block tested besides them (0, the default: none; else more than `longestRecentWindows`): evidence
   * accumulated over this many windows, for what never fills a shorter block — slow ramps, small or quiet
   * scopes, moderate lifts over an hour or more. It is held to the same tail probability as each shorter block
   * (`maxPValue` divided by their number), in addition to them, so the shorter blocks' thresholds — hence their
   * detection lag — stay as they are; it alarms only while a shorter block is elevated (an excess that lasts, not
   * one that has ended), and is reported (and attributed on) only when no shorter block alarms. Off by default:
   * at 16 (80 minutes) it found 1 more of the 40 training incidents of scenarios/generate-regimes.ts but made an
   * incident of generate-fleet.ts close and open again (a second spike), and without the elevation condition it
   * kept incidents open 80 minutes after they ended, merging the walk-through's two spikes (bench/detection.ts,
   * round 6). Worth turning on where small warehouses matter more than the occasional repeated spike.
   */
  accumulationWindows: number;
  /**
   * Span of the sequential test (0: none; else more than `longestRecentWindows`): a CUSUM of the log-likelihood
   * ratio "cancelling at `sequentialLift` × the baseline" against "at the baseline", window by window over this many
   * windows, that alarms when it reaches `sequentialLogLikelihoodRatio` — evidence accumulated over however long an
   * excess has lasted, for what never fills a fixed block (slow ramps, quiet warehouses, moderate lifts). Like a
   * CUSUM, it restarts after each alarm (once the alarm is older than `ambiguousWindows`, the wait attribution may
   * impose), so an excess already alarmed on, or a finished incident, does not alarm again from the same evidence.
   * The block it selects (from where the sum last left zero) must also pass the fast blocks' test (minimum counts,
   * `minLift`, and `maxPValue` corrected for the sequentialWindows / recentWindows lengths it could have chosen);
   * the fast blocks' own correction is unchanged, so their lag is too. At 24 (2 hours), bench/detection.ts round 7
   * (training seeds of all three generators): one more incident of generate-regimes.ts found on training and on
   * held-out seeds, every figure of generate.ts and generate-fleet.ts unchanged; held to the fast blocks'
   * threshold instead (no correction for its chosen length) it found two more but added a false alarm on
   * generate-fleet.ts held-out seeds.
   */
  sequentialWindows: number;
  /**
   * The lift the sequential test is tuned to detect: each window adds cancelled · ln(lift) − (lift − 1) · expected,
   * so the sum drifts down whenever the ratio runs below (lift − 1) / ln(lift) times the baseline (1.6× at 2.5) —
   * ordinary variation and drifts the baseline has not yet followed do not accumulate.
   */
  sequentialLift: number;
  /**
   * The sequential test's alarm level, in natural-log units of likelihood ratio: by Wald's bound a CUSUM at the
   * baseline runs at least e^11 ≈ 60,000 windows (200 days of 5-minute windows) between false alarms, before the
   * block test's own check. At 9: one more false alarm and one incident fewer on the training seeds of
   * scenarios/generate-regimes.ts (bench/detection.ts, round 7).
   */
  sequentialLogLikelihoodRatio: number;
  /**
   * Windows, ending at the evaluated one, that no block's baseline learns from (blocks longer than this learn
   * before themselves): the guard that keeps a spike's first windows out of the baseline of the short blocks.
   */
  baselineGuardWindows: number;
  /** Windows before a block from which its baseline ratio is learned (older windows weigh nothing). */
  baselineWindows: number;
  /** Age in windows at which a baseline window weighs half as much as the newest: how fast drifts are followed. */
  baselineHalfLifeWindows: number;
  /**
   * A half hour of baseline whose cancellations have at most this tail probability under the ratio learned from
   * the rest (and are at least twice as many as expected) is left out: past incidents are not learned as normal.
   */
  baselineExclusionPValue: number;
  /**
   * Windows of placements, ending at the evaluated one, that also count as a block's exposure (scaled to the
   * block's length; over this horizon and half of it) when they exceed the block's own placements: cancellations
   * trail their orders by minutes to hours, so after a promotion, a burst of orders or the evening peak the
   * block's own placements understate the orders at risk.
   */
  exposureWindows: number;
  /**
   * Windows with orders that the baseline must hold before anything is judged anomalous: a scope seen for the
   * first time (a new warehouse, a cold start) has cancellations trailing orders it never saw placed, so its
   * first hours understate the ratio.
   */
  minBaselineWindows: number;
  /** Orders at risk (exposure) in a block below which it is not judged anomalous. */
  minRecentOrders: number;
  /** Cancellations in a block below which it is not judged anomalous. */
  minRecentCancellations: number;
  /** The block's cancellations per order at risk must be at least this multiple of the baseline ratio. */
  minLift: number;
  /** Largest (Bonferroni-corrected) tail probability still called anomalous: what opens an incident. */
  maxPValue: number;
  /** Largest tail probability, with the lift of `continueMinLift`, that keeps an open incident open. */
  continuePValue: number;
  /** Lift that, with `continuePValue`, keeps an open incident open (hysteresis below `minLift`). */
  continueMinLift: number;
  /** Pseudo-orders at `priorRatio` added to the baseline, so a thin or missing history is not over-trusted. */
  priorOrders: number;
  /** Cancellations per placed order assumed before any history is seen. */
  priorRatio: number;
  /**
   * Coefficient of variation of the true ratio from block to block beyond Poisson noise (e.g. hour-to-hour mix
   * of customers): widens the predictive distribution at high counts, where the baseline's own uncertainty is
   * tiny. 0 trusts the baseline completely.
   */
  ratioVariation: number;
  /**
   * Longest a scope stays watched, in windows: once a scope is elevated (see `continuePValue`) without an open
   * incident, its baseline is frozen before the elevation began, so a slow or moderate incident is not learned
   * as normal while its evidence builds up; after this many windows an elevation that never became an incident
   * is accepted as the new normal. 0 disables watching.
   */
  watchWindows: number;
  /**
   * Consecutive windows without elevation that end a watch: longer than `quietWindowsToClose`, because a moderate
   * incident's evidence comes and goes for a while before it is strong enough to open an incident.
   */
  watchQuietWindows: number;
  /** Consecutive normal windows after the last anomalous (or elevated) one that close an incident. */
  quietWindowsToClose: number;
  /** Orders that must have been placed in those quiet windows before they close an incident (thin traffic). */
  minQuietOrders: number;
  /** A window more than this many windows older than a batch's newest fact no longer opens an incident. */
  maxOpeningLagWindows: number;
  /**
   * Attribution (see attribution.ts): the generalized log-likelihood ratio, region-wide against one warehouse,
   * beyond which an anomaly is attributed at once (a region incident above +this, a warehouse incident below
   * −this); in between, the anomaly must last `ambiguousWindows` more windows and the sign decides.
   */
  spreadLogLikelihoodRatio: number;
  /**
   * Windows before the evaluated one that must all have been anomalous before an ambiguous attribution is decided
   * by the sign of the evidence: early in a region incident, its other warehouses' customers may not have
   * cancelled yet, and deciding at once would report the region's biggest warehouse instead.
   */
  ambiguousWindows: number;
}

/**
 * Defaults for 5-minute windows: blocks of 10, 20 and 40 minutes are tested against an exponentially weighted,
 * incident-free baseline learned before the longest block (half-life 3 hours, 12 hours deep, at least 2 hours of
 * it with orders, plus 50 pseudo-orders at 5%), and alarm when at least 5 cancellations run at twice the baseline
 * ratio or more with a corrected tail probability of 1e-4 or less. An elevated scope is watched for up to 3 hours,
 * its baseline frozen meanwhile. Beside the blocks, a CUSUM over the last 2 hours, tuned to a 2.5× lift, finds
 * what lasts longer than 40 minutes without filling a block. The threshold is strict because every touched scope is re-tested on every
 * batch. Measured with bench/detection.ts on 46 stream-days generated with seeds other than the bench's
 * (scenarios/generate.ts): 1e-4 gave 0.02 false alarms a day, 3e-4 gave 0.09 and 1e-3 gave 0.22, while the median
 * lag moved only from 10.9 to 10.0 and 9.0 minutes — lag is set by how fast cancellations accumulate, not by the
 * threshold. Baseline half hours above the learned ratio at p ≤ 0.01 are left out (at 0.001, slow incidents leaked
 * into the baseline: one incident fewer found and one false alarm more on the same streams).
 */
const defaultDetectorConfig: Readonly<DetectorConfig> = Object.freeze({
  windowMinutes: 5,
  recentWindows: 2,
  longestRecentWindows: 8,
  accumulationWindows: 0,
  sequentialWindows: 24,
  sequentialLift: 2.5,
  sequentialLogLikelihoodRatio: 11,
  baselineGuardWindows: 8,
  baselineWindows: 144,
  baselineHalfLifeWindows: 36,
  baselineExclusionPValue: 0.01,
  exposureWindows: 24,
  minBaselineWindows: 24,
  minRecentOrders: 5,
  minRecentCancellations: 5,
  minLift: 2,
  maxPValue: 1e-4,
  continuePValue: 0.01,
  continueMinLift: 1.5,
  priorOrders: 50,
  priorRatio: 0.05,
  ratioVariation: 0.2,
  watchWindows: 36,
  watchQuietWindows: 12,
  quietWindowsToClose: 3,
  minQuietOrders: 20,
  maxOpeningLagWindows: 2,
  spreadLogLikelihoodRatio: 3,
  ambiguousWindows: 3,
});

type Check = (value: number) => boolean;
const positiveInteger: [Check, string] = [(v) => Number.isInteger(v) && v > 0, 'a positive integer'];
const nonNegativeInteger: [Check, string] = [(v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'];
const positive: [Check, string] = [(v) => Number.isFinite(v) && v > 0, 'a positive number'];
const nonNegative: [Check, string] = [(v) => Number.isFinite(v) && v >= 0, 'a non-negative number'];
const probability: [Check, string] = [
  (v) => Number.isFinite(v) && v > 0 && v <= 1,
  'a probability in (0, 1]',
];

const checks: Record<keyof DetectorConfig, [Check, string]> = {
  windowMinutes: [(v) => Number.isInteger(v) && v > 0 && 1440 % v === 0, 'a positive integer dividing 1440'],
  recentWindows: positiveInteger,
  longestRecentWindows: positiveInteger,
  accumulationWindows: nonNegativeInteger,
  sequentialWindows: nonNegativeInteger,
  sequentialLift: [(v) => Number.isFinite(v) && v > 1, 'a number above 1'],
  sequentialLogLikelihoodRatio: positive,
  baselineGuardWindows: positiveInteger,
  baselineWindows: positiveInteger,
  baselineHalfLifeWindows: positive,
  baselineExclusionPValue: probability,
  exposureWindows: positiveInteger,
  minBaselineWindows: nonNegativeInteger,
  minRecentOrders: nonNegative,
  minRecentCancellations: nonNegativeInteger,
  minLift: nonNegative,
  maxPValue: probability,
  continuePValue: probability,
  continueMinLift: nonNegative,
  priorOrders: positive,
  priorRatio: positive,
  ratioVariation: nonNegative,
  watchWindows: nonNegativeInteger,
  watchQuietWindows: positiveInteger,
  quietWindowsToClose: positiveInteger,
  minQuietOrders: nonNegative,
  maxOpeningLagWindows: nonNegativeInteger,
  spreadLogLikelihoodRatio: nonNegative,
  ambiguousWindows: nonNegativeInteger,
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
  if (config.longestRecentWindows < config.recentWindows) {
    throw new InvalidDetectorConfig(
      'longestRecentWindows',
      config.longestRecentWindows,
      `at least recentWindows (${config.recentWindows})`,
    );
  }
  if (config.accumulationWindows !== 0 && config.accumulationWindows <= config.longestRecentWindows) {
    throw new InvalidDetectorConfig(
      'accumulationWindows',
      config.accumulationWindows,
      `0 or more than longestRecentWindows (${config.longestRecentWindows})`,
    );
  }
  if (config.sequentialWindows !== 0 && config.sequentialWindows <= config.longestRecentWindows) {
    throw new InvalidDetectorConfig(
      'sequentialWindows',
      config.sequentialWindows,
      `0 or more than longestRecentWindows (${config.longestRecentWindows})`,
    );
  }
  return config;
}
