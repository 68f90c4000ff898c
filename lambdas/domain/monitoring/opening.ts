import {
  contributorsOf,
  rankCells,
  topIsKnown,
  restOfRegionElevated,
  restBelowRegionWide,
  spreadEvidence,
  spreadOf,
  type Contributor,
} from './attribution';
import type { BatchView } from './batch-view';
import { type DetectorConfig } from './detector-config';
import { judgeWindow, testBlock, type BlockQuery, type BlockVerdicts } from './detector';
import type { ScopeHistory } from './scope-history';
import type { WindowStore } from './window-store';
import { cellScope, parseScope, regionScope, warehouseScope } from './windows';

export interface Evaluation {
  scope: string;
  history: ScopeHistory;
  range: { from: string; to: string };
  verdict: BlockVerdicts;
  query: BlockQuery;
  baselineBefore: number | undefined;
}

/**
 * Whether an anomalous scope with no open incident opens one, after attribution (see attribution.ts):
 * `contributors` for a region incident, `undefined` to open a warehouse incident, `false` to open nothing now.
 */
export async function openingOf(
  evaluation: Evaluation,
  batch: BatchView,
  store: WindowStore,
  config: DetectorConfig,
): Promise<readonly Contributor[] | undefined | false> {
  const { scope, history, range, verdict, query } = evaluation;
  const { type, id } = parseScope(scope);
  const read = (other: string) => batch.history(other, range.from, range.to);
  // Without the batch's (region, warehouse) cells, regions are not counted: nothing to attribute.
  if (!(type === 'region' ? batch.regions : batch.warehouses).has(id)) return undefined;

  // Every cell the scope has had, not only those among the batch's facts: a thin batch may miss the cell that
  // holds most of the excess.
  const candidates = [
    ...new Set([...(type === 'region' ? batch.warehouses : batch.regions), ...(await store.members(scope))]),
  ].sort();
  const cells = await Promise.all(
    candidates.map(async (other) => ({
      id: other,
      history: await read(type === 'region' ? cellScope(id, other) : cellScope(other, id)),
    })),
  );
  // Cells inside an open incident of the other level (the region incident a warehouse's excess lies in, the
  // warehouse incident that lifts a region) are that incident's: the anomaly opens nothing unless what remains
  // without them is anomalous on its own — or unless the attribution, weighed with those cells, now clearly
  // names this level (beyond ±spreadLogLikelihoodRatio, without waiting): the open incident was opened on early,
  // thin evidence (a chance cluster at another warehouse read as the region), or this level's own problem began
  // inside it.
  const otherScope = (cell: string) => (type === 'region' ? warehouseScope(cell) : regionScope(cell));
  const covered = new Set<string>();
  await Promise.all(
    rankCells(cells, query, config)
      .filter((cell) => cell.excess > 0)
      .map(async (cell) => {
        if ((await store.openIncident(otherScope(cell.id))) !== undefined) covered.add(cell.id);
      }),
  );
  let reported = verdict.reported;
  let overruling = false;
  if (covered.size > 0) {
    let rest = history;
    for (const cell of cells) if (covered.has(cell.id)) rest = rest.minus(cell.history, `${scope}~rest`);
    const remaining = judgeWindow(rest, query.evaluated, config, {
      baselineBefore: evaluation.baselineBefore,
      elapsed: query.elapsed,
    });
    if (remaining.anomalous) reported = remaining.reported;
    else overruling = true;
  }
  const ranked = rankCells(
    cells.filter((cell) => overruling || !covered.has(cell.id)),
    query,
    config,
  );
  const top = ranked[0];
  if (top === undefined || !topIsKnown(ranked, reported.cancelled)) return false;
  const [region, warehouse] = type === 'region' ? [id, top.id] : [top.id, id];
  const [regionHistory, warehouseHistory] = await Promise.all([
    read(regionScope(region)),
    read(warehouseScope(warehouse)),
  ]);
  // The region's other warehouses with an excess of their own — those with an open incident too: two
  // warehouses of one region failing at once must read as two warehouse incidents, not as the region (see
  // spreadEvidence).
  const otherCells =
    type === 'region'
      ? rankCells(cells, query, config).filter((cell) => cell.id !== top.id)
      : rankCells(
          await Promise.all(
            (await store.members(regionScope(region)))
              .filter((other) => other !== warehouse)
              .sort()
              .map(async (other) => ({ id: other, history: await read(cellScope(region, other)) })),
          ),
          query,
          config,
        );
  const others = await Promise.all(
    otherCells
      .filter((cell) => cell.excess > 0)
      .slice(0, 2)
      .map(async (cell) => ({ cell, warehouse: await read(warehouseScope(cell.id)) })),
  );
  const evidence = spreadEvidence(regionHistory, warehouseHistory, top, query, config, others);
  let spread = spreadOf(evidence.logLikelihoodRatio, config);
  if (overruling) {
    // Only the open incident's own cell is re-judged, and a region incident only once the region beyond the
    // warehouses the evidence names — what made it the region's — shows no excess at all (not merely an
    // insignificant one: early in a region incident served mostly by one warehouse, the rest is too thin to be
    // significant yet), and significantly less than the region's own lift would put there (an empty rest, when
    // the warehouses named are all the region has, is no evidence against the region: see restBelowRegionWide).
    // Beyond every warehouse named, not beyond this one alone: when two warehouses of one region fail at once,
    // each one's excess lies in the other's rest of the region, and neither could ever overrule the region
    // incident their first cancellations opened.
    if (!covered.has(top.id) || spread !== type) return false;
    if (
      type === 'warehouse' &&
      !restBelowRegionWide(evidence.restBeyondWarehouses, testBlock(regionHistory, query, config).lift)
    ) {
      return false;
    }
  }
  if (spread === 'ambiguous') {
    // Not clear yet: decide by the sign once the anomaly has lasted `ambiguousWindows` more windows, when the
    // telling orders have had time to show which it is.
    for (let back = 1; back <= config.ambiguousWindows; back++) {
      const previous = judgeWindow(history, query.evaluated - back, config, {
        baselineBefore: evaluation.baselineBefore,
        elapsed: 1,
      });
      if (!previous.anomalous) return false;
    }
    spread = evidence.logLikelihoodRatio > 0 ? 'region' : 'warehouse';
  }
  if (type === 'region') {
    return spread === 'region' && restOfRegionElevated(evidence) ? contributorsOf(ranked) : false;
  }
  return spread === 'warehouse' ? undefined : false;
}
