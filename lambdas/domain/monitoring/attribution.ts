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
 * 2. Weigh "R is affected" against "W is affected" on the orders that tell them apart: the rest of R (its
 *    customers served by other warehouses) is elevated only if R is, and W's customers outside R are elevated
 *    only if W is. The evidence is the Poisson log-likelihood ratio of those two groups' block cancellations,
 *    each either at its own baseline or elevated at a lift of 1 + spreadLiftFraction · (cell lift − 1) (at
 *    least `minLift`): positive favours the region, negative the warehouse.
 * 3. At or above `spreadLogLikelihoodRatio` the problem is spread: ONE region incident (with its warehouses as
 *    `contributors`), and warehouses whose excess lies in that region open nothing while it is open. At or below
 *    0 it is concentrated: ONE warehouse incident, and the region opens nothing. In between, the region opens
 *    nothing and the warehouse waits until its anomaly has lasted into a second window.
 * 4. The cells known to a batch (regions and warehouses among its facts) must explain `attributionCoverage` of
 *    the block's cancellations; otherwise the decision waits for a batch that sees more of them, so a batch that
 *    misses the top warehouse never calls a warehouse's problem region-wide.
 */
import { testBlock, type BlockQuery, type BlockStatistics, type DetectorConfig, type ScopeHistory } from './detector';

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

type AttributionConfig = Parameters<typeof testBlock>[2] &
  Pick<DetectorConfig, 'minLift' | 'spreadLiftFraction' | 'spreadLogLikelihoodRatio' | 'attributionCoverage'>;

/** A cell with cancellations and no orders at all has an infinite lift; cap it where it sets the alternative. */
const MAX_LIFT = 100;
/** One-sided tail probability below which a cell is named among a region incident's contributors. */
const CONTRIBUTOR_P_VALUE = 0.05;

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

/** Share of `total` block cancellations that the ranked cells account for (1 when there are none). */
export function coverageOf(cells: readonly CellEvidence[], total: number): number {
  if (total <= 0) return 1;
  return cells.reduce((sum, cell) => sum + cell.stats.cancelled, 0) / total;
}

/** Poisson log-likelihood ratio of a group's block cancellations: elevated at `lift` against its baseline. */
function elevatedLogLikelihoodRatio(group: BlockStatistics, lift: number): number {
  return group.cancelled * Math.log(lift) - (lift - 1) * group.expected;
}

/**
 * Evidence that the top cell's problem is its region's rather than its warehouse's (step 2 of the rule):
 * positive favours the region. 0 when neither telling group has orders.
 *
 * @param region history of the cell's region; @param warehouse history of the cell's warehouse.
 */
export function spreadLogLikelihoodRatio(
  region: ScopeHistory,
  warehouse: ScopeHistory,
  cell: CellEvidence,
  query: BlockQuery,
  config: AttributionConfig,
): number {
  const restOfRegion = testBlock(region.minus(cell.history, `${region.scope}~rest`), query, config);
  const outsideRegion = testBlock(warehouse.minus(cell.history, `${warehouse.scope}~rest`), query, config);
  const lift = Math.max(config.minLift, 1 + config.spreadLiftFraction * (Math.min(MAX_LIFT, cell.stats.lift) - 1));
  return elevatedLogLikelihoodRatio(restOfRegion, lift) - elevatedLogLikelihoodRatio(outsideRegion, lift);
}

/** The warehouses named in a region incident: cells with a significant excess, largest first; the top always. */
export function contributorsOf(ranked: readonly CellEvidence[]): Contributor[] {
  const logLimit = Math.log(CONTRIBUTOR_P_VALUE);
  return ranked
    .filter((cell, index) => index === 0 || (cell.excess > 0 && cell.stats.logPValue <= logLimit))
    .map((cell) => ({
      warehouseId: cell.id,
      cancelled: cell.stats.cancelled,
      expectedCancelled: Math.round(cell.stats.expected * 100) / 100,
    }));
}

/** Step 3 of the rule: what the evidence says. */
export type Spread = 'region' | 'ambiguous' | 'warehouse';

export function spreadOf(logLikelihoodRatio: number, config: AttributionConfig): Spread {
  if (logLikelihoodRatio >= config.spreadLogLikelihoodRatio) return 'region';
  return logLikelihoodRatio > 0 ? 'ambiguous' : 'warehouse';
}
