/**
 * Attribution: is an anomaly one warehouse's incident or a region's?
 *
 * Every order counts in three scopes: its warehouse, its customer region, and the (region, warehouse) cell. A
 * warehouse whose customers mostly live in one region moves that region's ratio too, and a region-wide problem
 * moves the ratio of every warehouse serving it, so both levels alarm in either case. The rule:
 *
 * 1. Take the anomalous block (the one that alarmed) and find the cell with the largest excess of cancellations
 *    over its own baseline: for a region, among its warehouses; for a warehouse, among its customer regions.
 *    That cell's region R and warehouse W are the candidates.
 * 2. Weigh "R's customers cancel more" against "W's orders are cancelled more" on the orders that tell them
 *    apart — the rest of R (its customers served by other warehouses) and W's customers outside R — with a
 *    generalized log-likelihood ratio: under "region", the cell and the rest of R share one lift (fitted) and W's
 *    outside customers are at their baseline; under "warehouse", the cell and W's outside customers share one
 *    lift and the rest of R is at its baseline. Positive favours the region.
 * 3. At or above `spreadLogLikelihoodRatio` the problem is spread: ONE region incident, provided the rest of
 *    the region (its other warehouses' customers, pooled) shows an excess too (one-sided p ≤ 0.05, a
 *    confirmation); the warehouses with a significant excess (p ≤ 0.01) are its `contributors`. Warehouses
 *    whose excess lies in that region open nothing while it is open. At or below −spreadLogLikelihoodRatio it is
 *    concentrated: ONE warehouse incident, and the region opens nothing — nor while that warehouse's incident is
 *    open. In between, nothing opens until the anomaly has lasted `ambiguousWindows` more windows (15 minutes by
 *    default); then the sign decides. An open region incident is overruled by one of its warehouses only once
 *    the region beyond every warehouse the evidence names (`restBeyondWarehouses`) shows no excess at all, and
 *    significantly less than a region-wide problem would put there (see {@link restBelowRegionWide}).
 * 4. The top cell must be known for sure: its excess must exceed every cancellation of the block that the
 *    cells read (every cell the store has recorded for the scope, and the batch's) do not explain. Otherwise the decision waits
 *    for a batch that sees more of them, so a batch that misses the top warehouse never misattributes.
 */
import { MAX_CONTRIBUTORS, type OrderCancellationSpike } from '../contracts/platform';
import { type DetectorConfig } from './detector-config';
import { testBlock, type BlockQuery, type BlockStatistics } from './detector';
import { logNegativeBinomialUpperTail } from './negative-binomial';
import { type ScopeHistory } from './scope-history';

/** A warehouse's share in a region incident, as published in the spike's `contributors`. */
export interface Contributor {
  warehouseId: string;
  cancelled: number;
  expectedCancelled: number;
}

/** One (region, warehouse) cell tested on the anomalous block; `id` is the warehouse or region it stands for. */
export interface CellEvidence {
  id: string;
  history: ScopeHistory;
  stats: BlockStatistics;
  /** Cancellations above the cell's baseline expectation. */
  excess: number;
}

type AttributionConfig = Parameters<typeof testBlock>[2] & Pick<DetectorConfig, 'spreadLogLikelihoodRatio'>;

/** One-sided tail probability at or below which a warehouse's excess names it among a region's contributors. */
const CONTRIBUTOR_P_VALUE = 0.01;

/**
 * One-sided tail probability at or below which the rest of a region (pooled) confirms a region incident. A
 * confirmation, not a discovery: it is asked only once the region has alarmed (`maxPValue`, corrected) and the
 * likelihood ratio favours the region over its failing warehouses (`spreadLogLikelihoodRatio`), to rule out a
 * problem of the top cell alone — hence the conventional 5%. At 1% a region served mostly by one warehouse, whose
 * rest expects about one cancellation a block, waited 10–20 minutes more for its rest to pile up (bench/detection,
 * training seeds of both generators: generate.ts lag p50 10.9 → 7.9 minutes, nothing else changed).
 */
const REST_OF_REGION_P_VALUE = 0.05;

/** The cells tested on `query`, largest excess first (ties by id, so the order never depends on input order). */
export function rankCells(
  cells: readonly { id: string; history: ScopeHistory }[],
  query: BlockQuery,
  config: AttributionConfig,
): CellEvidence[] {
  return cells
    .map(({ id, history }) => {
      const stats = testBlock(history, query, config);
      return { id, history, stats, excess: stats.cancelled - stats.expected };
    })
    .sort((a, b) => b.excess - a.excess || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Whether the top cell is surely the top: its excess exceeds the block cancellations (`total`) that none of the
 * ranked cells explain — cells the batch did not see, whose excess is at most their cancellations.
 */
export function topIsKnown(cells: readonly CellEvidence[], total: number): boolean {
  const top = cells[0];
  if (top === undefined) return false;
  const explained = cells.reduce((sum, cell) => sum + cell.stats.cancelled, 0);
  return top.excess > Math.max(0, total - explained);
}

/** Poisson log-likelihood of `count` at `mean`, without the count's own term; groups without exposure add 0. */
function logLikelihood(count: number, mean: number): number {
  return mean > 0 ? count * Math.log(mean) - mean : 0;
}

/** Lift fitted to groups sharing it, at least 1 (an affected group does not cancel less). */
function sharedLift(groups: readonly BlockStatistics[]): number {
  const expected = groups.reduce((sum, g) => sum + g.expected, 0);
  const cancelled = groups.reduce((sum, g) => sum + g.cancelled, 0);
  return expected > 0 ? Math.max(1, cancelled / expected) : 1;
}

/** What step 2 of the rule weighs, and the rest of the region it tested. */
export interface SpreadEvidence {
  /**
   * Generalized log-likelihood ratio, region-wide against the best explanation by failing warehouses (the top
   * cell's, alone or with up to two others of the region): positive favours the region.
   */
  logLikelihoodRatio: number;
  /** The region's orders outside the top cell (its customers served by other warehouses), tested on the block. */
  restOfRegion: BlockStatistics;
  /** The warehouses of the best warehouse explanation, the top cell's first. */
  warehouses: string[];
  /**
   * The region's orders outside the cells of `warehouses`, tested on the block: what a region-wide problem must
   * reach beyond the warehouses that may be failing on their own (`restOfRegion` when the top cell's is named
   * alone).
   */
  restBeyondWarehouses: BlockStatistics;
}

/** Another warehouse of the region that may be failing too: its cell in the region and its whole history. */
export interface OtherWarehouse {
  cell: CellEvidence;
  warehouse: ScopeHistory;
}

/**
 * Log-likelihood a warehouse explanation must gain for each warehouse beyond the first: two or three warehouses
 * failing at once is a less likely story than one region-wide problem, so it needs the evidence to earn it.
 */
const EXTRA_WAREHOUSE_LOG_LIKELIHOOD = 2;

/** At most this many warehouses, the top cell's included, are weighed together. */
const MAX_WAREHOUSES = 3;

/**
 * Evidence that the top cell's problem is its region's rather than its warehouse's (step 2 of the rule): the
 * generalized log-likelihood ratio, positive for the region (0 when no telling group has orders), and the
 * test of the rest of the region — whose own excess a region incident needs (step 3).
 *
 * The groups weighed are the cells of the candidate warehouses (the top cell's, and `others` of the region with
 * an excess, largest first, up to three in all), each candidate's customers outside the region, and the rest of
 * the region. Under "region", the region's groups share one lift and the outside customers are at their
 * baseline. Under "these warehouses" (every subset holding the top cell's), each failing warehouse's cell and
 * outside customers share a lift of their own and every other group is at its baseline. Two warehouses of one
 * region failing at once therefore read as warehouses (the region's other warehouses are normal, their own
 * customers elsewhere are not), while a region-wide problem leaves every candidate's outside customers normal.
 *
 * @param region history of the cell's region; @param warehouse history of the cell's warehouse.
 */
export function spreadEvidence(
  region: ScopeHistory,
  warehouse: ScopeHistory,
  cell: CellEvidence,
  query: BlockQuery,
  config: AttributionConfig,
  others: readonly OtherWarehouse[] = [],
): SpreadEvidence {
  const restOfRegion = testBlock(region.minus(cell.history, `${region.scope}~rest`), query, config);
  const candidates = [
    { id: warehouse.scope, cell, warehouse },
    ...others
      .filter((o) => o.cell.excess > 0 && o.warehouse.scope !== warehouse.scope)
      .slice(0, MAX_WAREHOUSES - 1)
      .map((o) => ({ id: o.warehouse.scope, ...o })),
  ];
  let rest = region;
  for (const c of candidates) rest = rest.minus(c.cell.history, `${region.scope}~rest`);
  const restStats = candidates.length === 1 ? restOfRegion : testBlock(rest, query, config);
  const groups = candidates.map((c) => ({
    id: c.id,
    inRegion: c.cell.stats,
    outside: testBlock(c.warehouse.minus(c.cell.history, `${c.warehouse.scope}~rest`), query, config),
  }));
  const regionLift = sharedLift([...groups.map((g) => g.inRegion), restStats]);
  let ifRegion = logLikelihood(restStats.cancelled, regionLift * restStats.expected);
  for (const g of groups) {
    ifRegion +=
      logLikelihood(g.inRegion.cancelled, regionLift * g.inRegion.expected) +
      logLikelihood(g.outside.cancelled, g.outside.expected);
  }
  let best = -Infinity;
  let bestWarehouses: string[] = [];
  let bestMask = 1;
  // Subsets holding the first candidate (bit 0 always set).
  for (let mask = 1; mask < 1 << groups.length; mask += 2) {
    let ifWarehouses = logLikelihood(restStats.cancelled, restStats.expected);
    const chosen: string[] = [];
    for (const [i, g] of groups.entries()) {
      if (mask & (1 << i)) {
        const lift = sharedLift([g.inRegion, g.outside]);
        ifWarehouses +=
          logLikelihood(g.inRegion.cancelled, lift * g.inRegion.expected) +
          logLikelihood(g.outside.cancelled, lift * g.outside.expected);
        chosen.push(g.id);
      } else {
        ifWarehouses +=
          logLikelihood(g.inRegion.cancelled, g.inRegion.expected) +
          logLikelihood(g.outside.cancelled, g.outside.expected);
      }
    }
    ifWarehouses -= EXTRA_WAREHOUSE_LOG_LIKELIHOOD * (chosen.length - 1);
    if (ifWarehouses > best) {
      best = ifWarehouses;
      bestWarehouses = chosen;
      bestMask = mask;
    }
  }
  let beyond = region;
  for (const [i, c] of candidates.entries()) {
    if (bestMask & (1 << i)) beyond = beyond.minus(c.cell.history, `${region.scope}~rest`);
  }
  const everyCandidate = (1 << candidates.length) - 1;
  return {
    logLikelihoodRatio: ifRegion - best,
    restOfRegion,
    warehouses: bestWarehouses.map((scope) => scope.replace(/^warehouse#/, '')),
    restBeyondWarehouses:
      bestMask === 1
        ? restOfRegion
        : bestMask === everyCandidate
          ? restStats
          : testBlock(beyond, query, config),
  };
}

/**
 * Whether the rest of the region — its customers served by warehouses other than the top cell's — cancels
 * significantly above its baseline too (see `REST_OF_REGION_P_VALUE`), pooled over those warehouses: what makes a
 * problem region-wide rather than one warehouse's. Pooled, because each of several small warehouses may show too
 * few cancellations on its own.
 */
export function restOfRegionElevated(evidence: SpreadEvidence): boolean {
  const rest = evidence.restOfRegion;
  return rest.cancelled > rest.expected && rest.logPValue <= Math.log(REST_OF_REGION_P_VALUE);
}

/**
 * Whether the region beyond the warehouses the evidence names (`rest`) cancels significantly less than a
 * region-wide problem would make it: no more than its baseline expects, and a one-sided Poisson probability of at
 * most `REST_OF_REGION_P_VALUE` of so few cancellations at the region's own lift on the block (`regionLift`).
 * What lets a warehouse overrule an open region incident. The rest must have had the orders to show a region-wide
 * excess: when the warehouses named hold all of the region's orders, an empty rest "shows no excess" only because
 * it holds nothing, which is no evidence against the region (bench/detection, round 5: three warehouses of a
 * thin region each opened an incident inside the region's own).
 */
export function restBelowRegionWide(rest: BlockStatistics, regionLift: number): boolean {
  if (rest.cancelled > rest.expected) return false;
  const ifRegionWide = Math.max(1, regionLift) * rest.expected;
  // P(X ≤ cancelled) = 1 − P(X ≥ cancelled + 1) at the region-wide expectation.
  const atMost = -Math.expm1(logNegativeBinomialUpperTail(rest.cancelled + 1, POISSON_SHAPE, ifRegionWide));
  return atMost <= REST_OF_REGION_P_VALUE;
}

/** A negative binomial shape so large that it is the Poisson distribution for any count here. */
const POISSON_SHAPE = 1e12;

/**
 * The warehouses with a significant excess in a region's block, largest first; the top cell always (it carries
 * the largest excess, even when thin traffic leaves it short of significance on its own).
 */
export function contributorsOf(ranked: readonly CellEvidence[]): Contributor[] {
  const logLimit = Math.log(CONTRIBUTOR_P_VALUE);
  return ranked
    .filter((cell, rank) => cell.excess > 0 && (rank === 0 || cell.stats.logPValue <= logLimit))
    .map((cell) => ({
      warehouseId: cell.id,
      cancelled: cell.stats.cancelled,
      expectedCancelled: Math.round(cell.stats.expected * 100) / 100,
    }));
}

/**
 * What a region spike publishes of its contributors (ranked, largest excess first): the first
 * {@link MAX_CONTRIBUTORS}, and how many more there are. A region of thousands of warehouses keeps its spike small
 * and its rule plan (a rebalance away from at most that many) valid.
 */
export function publishedContributors(
  contributors: readonly Contributor[],
): Pick<OrderCancellationSpike, 'contributors' | 'otherContributors'> {
  const others = contributors.length - MAX_CONTRIBUTORS;
  return {
    contributors: contributors.slice(0, MAX_CONTRIBUTORS),
    ...(others > 0 ? { otherContributors: others } : {}),
  };
}

/** Step 3 of the rule: what the evidence says (`ambiguous` waits, then goes by the sign). */
export type Spread = 'region' | 'ambiguous' | 'warehouse';

export function spreadOf(logLikelihoodRatio: number, config: AttributionConfig): Spread {
  if (logLikelihoodRatio >= config.spreadLogLikelihoodRatio) return 'region';
  return logLikelihoodRatio <= -config.spreadLogLikelihoodRatio ? 'warehouse' : 'ambiguous';
}
