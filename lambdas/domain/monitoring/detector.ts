import { InvalidDetectorConfig, ScopeMismatch } from './errors';
import { logNegativeBinomialUpperTail } from './negative-binomial';
import { epochMsOf, isoOf, windowStartOf, type WindowCount } from './windows';

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
 * its baseline frozen meanwhile. The threshold is strict because every touched scope is re-tested on every
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
  return config;
}

/** The block lengths tested: recentWindows, doubled while within longestRecentWindows. */
function blockLengthsOf(config: Pick<DetectorConfig, 'recentWindows' | 'longestRecentWindows'>): number[] {
  const lengths = [config.recentWindows];
  for (let k = 2 * config.recentWindows; k <= config.longestRecentWindows; k *= 2) lengths.push(k);
  return lengths;
}

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

/** Where and how a block of windows is tested. */
export interface BlockQuery {
  /** Window index (epoch ms / window length) of the evaluated window, the block's last. */
  evaluated: number;
  /** Windows in the block. */
  length: number;
  /** Baseline windows end before this window index (exclusive), or before the block if earlier. */
  baselineBefore?: number;
  /** Share of the evaluated window already elapsed in event time, in (0, 1]; 1 for a finished window. */
  elapsed: number;
}

/** One block's counts, baseline and test against it. */
export interface BlockStatistics {
  /** Window indexes [first, last] of the block. */
  first: number;
  last: number;
  placed: number;
  cancelled: number;
  /** Orders at risk: the block's placements, or the trailing placements scaled to its length if more. */
  exposure: number;
  /** Baseline cancellations per placed order (gamma posterior mean). */
  baselineRatio: number;
  /** Cancellations expected at the baseline ratio: baselineRatio · exposure. */
  expected: number;
  /** (cancelled / exposure) / baselineRatio; Infinity when cancellations meet no exposure at all. */
  lift: number;
  /** Gamma posterior shape of the baseline rate, widened by `ratioVariation`: the predictive's dispersion. */
  shape: number;
  /** ln P(X ≥ cancelled) under the predictive NegativeBinomial(shape, expected). */
  logPValue: number;
}

type BlockConfig = Pick<
  DetectorConfig,
  | 'baselineWindows'
  | 'baselineHalfLifeWindows'
  | 'baselineExclusionPValue'
  | 'exposureWindows'
  | 'priorOrders'
  | 'priorRatio'
  | 'ratioVariation'
>;

/**
 * Tests one block of a scope's history against the baseline learned before it.
 *
 * Model: cancellations in the block are Poisson with mean r · exposure, where r, the cancellation ratio, has the
 * gamma posterior of the baseline — exponentially weighted cancellations and placements of the windows before the
 * block, plus the prior — so the predictive count is negative binomial, and a short or thin baseline widens it
 * instead of being trusted as exact. The statistic is a ratio, so daily and weekly order-rate cycles and
 * promotions (orders and cancellations rising together) do not move it; windows without data (gaps) add nothing.
 */
export function testBlock(
  history: ScopeHistory,
  query: BlockQuery,
  config: BlockConfig,
  baseline: Baseline = learnBaseline(
    history,
    Math.min(query.evaluated - query.length + 1, query.baselineBefore ?? Infinity),
    config,
  ),
): BlockStatistics {
  const first = query.evaluated - query.length + 1;
  let placed = 0;
  let cancelled = 0;
  for (let i = first; i <= query.evaluated; i++) {
    const count = history.at(i);
    placed += count.placed;
    cancelled += count.cancelled;
  }
  // Orders at risk: the block's placements, or the placements of the trailing horizon (half and all of
  // exposureWindows) scaled to the block's length, whichever is more.
  const elapsed = Math.min(1, Math.max(query.elapsed, 1e-3));
  const half = Math.max(1, Math.floor(config.exposureWindows / 2));
  let exposure = placed;
  let trailing = 0;
  for (let back = 0; back < config.exposureWindows; back++) {
    trailing += history.at(query.evaluated - back).placed;
    if (back + 1 === half || back + 1 === config.exposureWindows) {
      exposure = Math.max(exposure, (trailing * (query.length - 1 + elapsed)) / (back + elapsed));
    }
  }

  const { shape: posteriorShape, rate: posteriorRate } = baseline;
  const baselineRatio = posteriorShape / posteriorRate;
  const shape = 1 / (1 / posteriorShape + config.ratioVariation * config.ratioVariation);
  const expected = baselineRatio * exposure;
  const lift = expected > 0 ? cancelled / expected : cancelled > 0 ? Infinity : 0;
  return {
    first,
    last: query.evaluated,
    placed,
    cancelled,
    exposure,
    baselineRatio,
    expected,
    lift,
    shape,
    logPValue: logNegativeBinomialUpperTail(cancelled, shape, expected),
  };
}

/** A baseline: the gamma posterior of the cancellation ratio, and how much history it was learned from. */
export interface Baseline {
  shape: number;
  rate: number;
  /** Windows of the baseline span with any order placed. */
  windowsWithData: number;
}

/** Windows per chunk of baseline that is kept or excluded as a whole: half an hour. */
const chunkWindows = (windowMs: number): number => Math.max(1, Math.round(1_800_000 / windowMs));

/**
 * The gamma posterior (shape, rate) of the cancellation ratio from the `baselineWindows` windows before
 * `baselineEnd` (exclusive), exponentially weighted by age, plus the prior.
 *
 * Robust to past incidents: the baseline is learned in half-hour chunks, and a chunk whose cancellations are
 * significantly above the ratio learned so far (one-sided Poisson tail ≤ `baselineExclusionPValue`, at twice the
 * expected count or more) is left out; two passes, so a long incident that inflated the first estimate is still
 * found. A slow drift moves the ratio a little per chunk and is learned; an incident that has closed is not.
 */
function learnBaseline(history: ScopeHistory, baselineEnd: number, config: BlockConfig): Baseline {
  const size = chunkWindows(history.windowMs);
  const decay = Math.pow(2, -1 / config.baselineHalfLifeWindows);
  const chunks: { placed: number; cancelled: number; weightedPlaced: number; weightedCancelled: number }[] =
    [];
  let weight = 1;
  let chunk: (typeof chunks)[number] | undefined;
  let chunkIndex = Number.NaN;
  let windowsWithData = 0;
  for (let i = baselineEnd - 1; i >= baselineEnd - config.baselineWindows; i--) {
    const count = history.at(i);
    if (count.placed > 0) windowsWithData++;
    const index = Math.floor(i / size);
    if (index !== chunkIndex || chunk === undefined) {
      chunk = { placed: 0, cancelled: 0, weightedPlaced: 0, weightedCancelled: 0 };
      chunks.push(chunk);
      chunkIndex = index;
    }
    chunk.placed += count.placed;
    chunk.cancelled += count.cancelled;
    chunk.weightedPlaced += weight * count.placed;
    chunk.weightedCancelled += weight * count.cancelled;
    weight *= decay;
  }
  const priorShape = config.priorRatio * config.priorOrders;
  const posterior = (kept: (c: (typeof chunks)[number]) => boolean) => {
    let shape = priorShape;
    let rate = config.priorOrders;
    for (const c of chunks) {
      if (!kept(c)) continue;
      shape += c.weightedCancelled;
      rate += c.weightedPlaced;
    }
    return { shape, rate };
  };
  let estimate = posterior(() => true);
  const logLimit = Math.log(config.baselineExclusionPValue);
  for (let pass = 0; pass < 2; pass++) {
    const ratio = estimate.shape / estimate.rate;
    estimate = posterior((c) => {
      const expected = ratio * c.placed;
      return !(
        c.cancelled >= 2 * expected &&
        c.cancelled > 0 &&
        logNegativeBinomialUpperTail(c.cancelled, POISSON_SHAPE, expected) <= logLimit
      );
    });
  }
  return { ...estimate, windowsWithData };
}

/** A negative binomial shape so large that it is the Poisson distribution for any count here. */
const POISSON_SHAPE = 1e12;

/** The detector's verdict on one scope at one window. */
export interface SpikeAssessment {
  scope: string;
  /** The evaluated window: incidents are keyed and tracked by it. */
  window: { start: string; end: string };
  /** The block of windows tested, ending with the evaluated one; `placed` and `cancelled` cover it. */
  block?: { start: string; end: string };
  /** The block's cancellations per placed order (cancellations per order when nothing was placed). */
  observedRatio: number;
  /** Cancellations per placed order learned from the baseline windows, shrunk toward the prior. */
  baselineRatio: number;
  placed: number;
  cancelled: number;
  /** Cancellations expected in the block at the baseline ratio, given its orders at risk. */
  expectedCancelled?: number;
  /** Tail probability P(X ≥ cancelled) under the baseline's predictive, times the number of blocks tested. */
  pValue: number;
  /** −log10 of the p-value: 3 is one in a thousand; finite even where the p-value underflows to 0. */
  score: number;
  /** Opens an incident: every threshold met. */
  anomalous: boolean;
  /** Keeps an open incident open: still clearly above the baseline (defaults to `anomalous` where absent). */
  elevated?: boolean;
}

export interface AssessOptions {
  /**
   * Learn the baseline only from windows before this one (default: before each tested block). While an incident
   * is open, the handler passes the window where it began, so the spike is not learned as normal and does not
   * end its own incident early (see `baselineCutoffFor` in incidents.ts).
   */
  baselineBefore?: string;
  /**
   * Event time up to which facts have been seen (the batch's newest): the evaluated window counts as elapsed up
   * to here when exposure is scaled. Default: the evaluated window is complete.
   */
  asOf?: string;
}

/** The block lengths, each block's test, and the one that decided (or the shortest, when none alarms). */
export interface BlockVerdicts {
  blocks: BlockStatistics[];
  reported: BlockStatistics;
  /** ln of the Bonferroni-corrected p-value of the reported block (≤ 0). */
  logPValue: number;
  anomalous: boolean;
  elevated: boolean;
  /** First window of the longest elevated (or anomalous) block, when one is. */
  elevatedFrom?: number;
  /** Window index before which the reported block's baseline was learned. */
  baselineBefore: number;
}

/**
 * Runs every block length at one window and combines them into a verdict. A block is tested against the baseline
 * learned before it and at least `baselineGuardWindows` before the evaluated window: a short block's own recent
 * past may already hold the start of the incident, and learning it as normal would raise the baseline just as the
 * spike builds up.
 */
export function judgeWindow(
  history: ScopeHistory,
  evaluated: number,
  config: DetectorConfig,
  options: { baselineBefore?: number; elapsed: number },
): BlockVerdicts {
  const lengths = blockLengthsOf(config);
  const logTests = Math.log(lengths.length);
  const logMax = Math.log(config.maxPValue);
  const logContinue = Math.log(config.continuePValue);
  // A block's baseline ends before the block, and at least `baselineGuardWindows` before the evaluated window:
  // blocks up to that long share one baseline, which a spike's first windows have not reached yet.
  const baselineEndFor = (length: number) =>
    Math.min(
      options.baselineBefore ?? Infinity,
      evaluated - Math.max(length, config.baselineGuardWindows) + 1,
    );
  const baselines = new Map<number, Baseline>();
  const baselineAt = (end: number) => {
    let baseline = baselines.get(end);
    if (!baseline) {
      baseline = learnBaseline(history, end, config);
      baselines.set(end, baseline);
    }
    return baseline;
  };
  const blocks = lengths.map((length) => {
    const baselineBefore = baselineEndFor(length);
    return testBlock(
      history,
      { evaluated, length, baselineBefore, elapsed: options.elapsed },
      config,
      baselineAt(baselineBefore),
    );
  });
  const warm = baselineAt(baselineEndFor(lengths[0]!)).windowsWithData >= config.minBaselineWindows;
  let reported = blocks[0]!;
  let anomalous = false;
  let elevated = false;
  let elevatedFrom: number | undefined;
  for (const block of blocks) {
    const logP = Math.min(0, block.logPValue + logTests);
    const alarms =
      warm &&
      block.exposure >= config.minRecentOrders &&
      block.cancelled >= config.minRecentCancellations &&
      block.lift >= config.minLift &&
      logP <= logMax;
    if (alarms && (!anomalous || block.logPValue < reported.logPValue)) reported = block;
    anomalous ||= alarms;
    const blockElevated = alarms || (warm && block.lift >= config.continueMinLift && logP <= logContinue);
    if (blockElevated) elevatedFrom = Math.min(elevatedFrom ?? Infinity, block.first);
    elevated ||= blockElevated;
  }
  return {
    blocks,
    reported,
    logPValue: Math.min(0, reported.logPValue + logTests),
    baselineBefore: baselineEndFor(reported.last - reported.first + 1),
    anomalous,
    elevated: elevated || anomalous,
    ...(elevatedFrom === undefined ? {} : { elevatedFrom }),
  };
}

/**
 * Judges whether the cancellation ratio of `scope` spiked at the evaluated window.
 *
 * Blocks of `recentWindows`, twice and four times as many windows (up to `longestRecentWindows`) ending at the
 * evaluated window are each tested against the baseline learned before them (see {@link testBlock}); the window
 * is anomalous when any block has the minimum counts, a lift of at least `minLift`, and a Bonferroni-corrected
 * tail probability of at most `maxPValue`. The assessment reports the most significant alarming block, or the
 * shortest block when none alarms.
 *
 * @param history the scope's counts (windows after the evaluated one are ignored).
 * @param evaluatedWindowStart the evaluated window (any instant in it).
 */
export function assessWindow(
  history: ScopeHistory,
  evaluatedWindowStart: string,
  config: DetectorConfig,
  options: AssessOptions = {},
): WindowJudgement {
  const windowMs = config.windowMinutes * 60_000;
  const index = Math.floor(epochMsOf(windowStartOf(evaluatedWindowStart, config.windowMinutes)) / windowMs);
  const baselineBefore =
    options.baselineBefore === undefined
      ? undefined
      : Math.floor(epochMsOf(options.baselineBefore) / windowMs);
  const elapsed = elapsedShare(index, windowMs, options.asOf);
  const verdict = judgeWindow(history, index, config, { baselineBefore, elapsed });
  return {
    index,
    baselineBefore,
    elapsed,
    verdict,
    assessment: assessmentOf(history.scope, verdict, windowMs),
  };
}

/** One window judged: its index, the inputs in window units, the verdict and its public shape. */
export interface WindowJudgement {
  /** The evaluated window's index (epoch ms / window size). */
  readonly index: number;
  /** The window the baseline ends before, when frozen (an open incident, a watch). */
  readonly baselineBefore: number | undefined;
  /** Share of the evaluated window elapsed at `asOf`. */
  readonly elapsed: number;
  readonly verdict: BlockVerdicts;
  readonly assessment: SpikeAssessment;
}

/** Share of window `index` elapsed at `asOf` (1 when absent or later). */
function elapsedShare(index: number, windowMs: number, asOf: string | undefined): number {
  if (asOf === undefined) return 1;
  return Math.min(1, Math.max(0, (epochMsOf(asOf) - index * windowMs) / windowMs));
}

/** The public shape of a verdict. */
function assessmentOf(scope: string, verdict: BlockVerdicts, windowMs: number): SpikeAssessment {
  const { reported, logPValue } = verdict;
  return {
    scope,
    window: { start: isoOf(reported.last * windowMs), end: isoOf((reported.last + 1) * windowMs) },
    block: { start: isoOf(reported.first * windowMs), end: isoOf((reported.last + 1) * windowMs) },
    observedRatio: reported.cancelled / Math.max(reported.placed, 1),
    baselineRatio: reported.baselineRatio,
    placed: reported.placed,
    cancelled: reported.cancelled,
    expectedCancelled: reported.expected,
    pValue: Math.exp(logPValue),
    score: logPValue === 0 ? 0 : -logPValue / Math.LN10,
    anomalous: verdict.anomalous,
    elevated: verdict.elevated,
  };
}
