/**
 * The cancellation-spike detector's judgement of a scope's windows: the block test (negative binomial tail of the
 * recent windows' cancellations against the baseline), the baseline learnt from the history before them, and the
 * verdict on a window. Its thresholds are detector-config.ts; the counts it reads, scope-history.ts.
 */
import type { DetectorConfig } from './detector-config';
import { logNegativeBinomialUpperTail } from './negative-binomial';
import type { ScopeHistory } from './scope-history';
import { sequentialRunStart } from './sequential-test';
import { epochMsOf, isoOf, windowStartOf } from './windows';

/** The fast block lengths tested: recentWindows, doubled while within longestRecentWindows. */
function blockLengthsOf(config: Pick<DetectorConfig, 'recentWindows' | 'longestRecentWindows'>): number[] {
  const lengths = [config.recentWindows];
  for (let k = 2 * config.recentWindows; k <= config.longestRecentWindows; k *= 2) lengths.push(k);
  return lengths;
}

/** Where and how a block of windows is tested. */
export interface BlockQuery {
  /** Window index (epoch ms / window length) of the evaluated window, the block's last. */
  evaluated: number;
  /** Windows in the block. */
  length: number;
  /** Baseline windows end before this window index (exclusive), or before the block if earlier. */
  baselineBefore?: number | undefined;
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
  baselineBefore?: string | undefined;
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
  options: { baselineBefore?: number | undefined; elapsed: number },
): BlockVerdicts {
  const fast = blockLengthsOf(config);
  // The accumulation block comes last and is held to each fast block's threshold (see `accumulationWindows`).
  const lengths = config.accumulationWindows > 0 ? [...fast, config.accumulationWindows] : [...fast];
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
  let sequential = false;
  if (config.sequentialWindows > 0) {
    // The sequential run is weighed against the baseline learned before its span (frozen while an incident is
    // open or the scope watched), then tested as a block against the baseline learned before the run.
    const spanBaseline = baselineAt(
      Math.min(options.baselineBefore ?? Infinity, evaluated - config.sequentialWindows + 1),
    );
    const runStart = sequentialRunStart(history, evaluated, spanBaseline.shape / spanBaseline.rate, config);
    if (runStart !== undefined && runStart <= evaluated) {
      lengths.push(evaluated - runStart + 1);
      sequential = true;
    }
  }
  // The fast blocks are corrected for their number alone, so adding the sequential test leaves their lag as it
  // is. The sequential block chose its own length, among as many as the span holds shortest blocks: its tail
  // probability is corrected for those.
  const logTests = Math.log(fast.length);
  const logSequentialTests = Math.log(Math.max(1, config.sequentialWindows / config.recentWindows));
  const blocks = lengths.map((length) => {
    const baselineBefore = baselineEndFor(length);
    return testBlock(
      history,
      { evaluated, length, baselineBefore, elapsed: options.elapsed },
      config,
      baselineAt(baselineBefore),
    );
  });
  const [shortest] = lengths;
  const [first] = blocks;
  if (shortest === undefined || first === undefined) throw new Error('the detector has no block to test');
  const warm = baselineAt(baselineEndFor(shortest)).windowsWithData >= config.minBaselineWindows;
  let reported = first;
  let anomalous = false;
  let elevated = false;
  let elevatedFrom: number | undefined;
  for (const [b, block] of blocks.entries()) {
    const fastBlock = b < fast.length;
    const sequentialBlock = sequential && b === blocks.length - 1;
    const logP = Math.min(0, block.logPValue + (sequentialBlock ? logSequentialTests : logTests));
    // The accumulation block alarms only while a fast block is elevated: it finds an excess that has lasted,
    // not one that has ended (80 minutes after a spike, its block still holds it), so it neither keeps a
    // finished incident open nor opens another after it.
    const alarms: boolean =
      (fastBlock || sequentialBlock || elevated) &&
      warm &&
      block.exposure >= config.minRecentOrders &&
      block.cancelled >= config.minRecentCancellations &&
      block.lift >= config.minLift &&
      logP <= logMax;
    // The most significant fast block is reported; the accumulation block only when no fast block alarms.
    if (alarms && (!anomalous || (fastBlock && block.logPValue < reported.logPValue))) reported = block;
    // The sequential block is reported when no fast block alarms; it alarms only at the CUSUM's alarm level.
    anomalous ||= alarms;
    const blockElevated: boolean =
      alarms || (fastBlock && warm && block.lift >= config.continueMinLift && logP <= logContinue);
    if (blockElevated) elevatedFrom = Math.min(elevatedFrom ?? Infinity, block.first);
    elevated ||= blockElevated;
  }
  return {
    blocks,
    reported,
    logPValue: Math.min(
      0,
      reported.logPValue +
        (sequential && reported === blocks[blocks.length - 1] ? logSequentialTests : logTests),
    ),
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
 * evaluated window — and the accumulation block of `accumulationWindows` — are each tested against the baseline
 * learned before them (see {@link testBlock}); the window is anomalous when any block has the minimum counts, a
 * lift of at least `minLift`, and a tail probability, Bonferroni-corrected for the fast blocks, of at most
 * `maxPValue`. The assessment reports the most significant alarming fast block (the accumulation block when it
 * alone alarms), or the shortest block when none alarms.
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
