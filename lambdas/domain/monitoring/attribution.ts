/**
 * Attribution: is an anomaly one warehouse's incident or a region's?
 *
 * Every order counts in three scopes: its warehouse, its customer region, and the (region, warehouse) cell. A
 * warehouse whose customers mostly live in one region moves that region's ratio too, and a region-wide problem
 * moves the ratio of every warehouse serving it, so both levels alarm in either case. The rule:
 *
 * 1. Take the anomalous block (the one that alarmed) and find the cell with the largest excess of cancellations
 *    over its own baseline: for a region, among its warehouses; for a warehouse, among its regions.
 * 2. Test the rest of that region — the region's counts less that cell's — for the same problem: the
 *    log-likelihood ratio of its cancellations under "elevated at a lift of 1 + spreadLiftFraction · (top lift
 *    − 1)" (at least `minLift`) against "at its own baseline".
 * 3. At or above `spreadLogLikelihoodRatio` the problem is spread over several warehouses: ONE region incident
 *    (with the cells as `contributors`); warehouses whose excess lies in that region open nothing while it is
 *    open. At or below 0 it is concentrated: ONE warehouse incident, and the region opens nothing. In between,
 *    the warehouse waits for one more anomalous window before it opens.
 * 4. The cells known to a batch (regions and warehouses of its facts) must explain `attributionCoverage` of the
 *    block's cancellations; otherwise the decision waits for a batch that sees more of them, so a batch that
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

/**
 * Evidence that the rest of a region — its counts less the `top` cell's — shares the top cell's problem: the
 * Poisson log-likelihood ratio of the rest's block cancellations under an elevated lift against its baseline.
 * 0 when the rest has no orders at all (nothing speaks for either).
 */
export function spreadLogLikelihoodRatio(
  regionHistory: ScopeHistory,
  top: CellEvidence,
  query: BlockQuery,
  config: AttributionConfig,
): number {
  const rest = testBlock(regionHistory.minus(top.history, `${regionHistory.scope}-rest`), query, config);
  const topLift = Math.min(MAX_LIFT, top.stats.lift);
  const alternative = Math.max(config.minLift, 1 + config.spreadLiftFraction * (topLift - 1));
  return rest.cancelled * Math.log(alternative) - (alternative - 1) * rest.expected;
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

/** What a region's anomaly is. */
export type RegionAttribution =
  | { kind: 'region'; contributors: Contributor[]; logLikelihoodRatio: number }
  | { kind: 'concentrated'; warehouseId: string; logLikelihoodRatio: number }
  | { kind: 'unexplained'; coverage: number };

/**
 * Attributes a region's anomalous block (rule in the module comment): a region incident only when the rest of
 * the region, without its top warehouse, shows the same problem.
 *
 * @param cells the region's (region, warehouse) cells known to the batch, by warehouse id.
 */
export function attributeRegion(
  regionHistory: ScopeHistory,
  regionCancelled: number,
  cells: readonly { id: string; history: ScopeHistory }[],
  query: BlockQuery,
  config: AttributionConfig,
): RegionAttribution {
  const ranked = rankCells(cells, query, config);
  const coverage = coverageOf(ranked, regionCancelled);
  const top = ranked[0];
  if (top === undefined || coverage < config.attributionCoverage) return { kind: 'unexplained', coverage };
  const logLikelihoodRatio = spreadLogLikelihoodRatio(regionHistory, top, query, config);
  return logLikelihoodRatio >= config.spreadLogLikelihoodRatio
    ? { kind: 'region', contributors: contributorsOf(ranked), logLikelihoodRatio }
    : { kind: 'concentrated', warehouseId: top.id, logLikelihoodRatio };
}

/** What a warehouse's anomaly is, once its top region is known. */
export type WarehouseAttribution =
  | { kind: 'warehouse'; region: string; logLikelihoodRatio: number }
  | { kind: 'ambiguous'; region: string; logLikelihoodRatio: number }
  | { kind: 'spread'; region: string; logLikelihoodRatio: number };

/**
 * Attributes a warehouse's anomalous block given its top cell (the region where its excess lies) and that
 * region's history (rule in the module comment).
 */
export function attributeWarehouse(
  regionHistory: ScopeHistory,
  top: CellEvidence,
  query: BlockQuery,
  config: AttributionConfig,
): WarehouseAttribution {
  const logLikelihoodRatio = spreadLogLikelihoodRatio(regionHistory, top, query, config);
  const region = top.id;
  if (logLikelihoodRatio >= config.spreadLogLikelihoodRatio) return { kind: 'spread', region, logLikelihoodRatio };
  return logLikelihoodRatio > 0
    ? { kind: 'ambiguous', region, logLikelihoodRatio }
    : { kind: 'warehouse', region, logLikelihoodRatio };
}
