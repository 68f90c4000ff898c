import type { OrderCancellationSpike } from '../contracts/platform';
import {
  contributorsOf,
  rankCells,
  topIsKnown,
  restOfRegionElevated,
  spreadEvidence,
  spreadOf,
  type Contributor,
} from './attribution';
import { type DetectorConfig } from './detector-config';
import {
  assessWindow,
  judgeWindow,
  type BlockQuery,
  type BlockVerdicts,
  type SpikeAssessment,
} from './detector';
import { ScopeHistory } from './scope-history';
import { baselineCutoffFor, decideIncident, type OpenIncident } from './incidents';
import { incrementsOf, type WindowIncrement } from './window-increments';
import {
  addWindows,
  cellScope,
  epochMsOf,
  isoOf,
  parseScope,
  regionScope,
  warehouseScope,
  warehouseScopes,
  type OrderFact,
  type WindowCount,
} from './windows';

/** Customers of one region served by one warehouse: a cell that attribution weighs (see attribution.ts). */
export interface Cell {
  readonly region: string;
  readonly warehouseId: string;
}

/** The monitoring agent's state: window counters and the open incident per scope (DynamoDB on AWS). */
export interface WindowStore {
  /**
   * Adds the batch's order ids to their windows, and records the (region, warehouse) `cells` among its facts, so
   * {@link WindowStore.members} knows every cell a scope has ever had.
   */
  add(increments: readonly WindowIncrement[], cells?: readonly Cell[]): Promise<void>;
  /**
   * The other level's ids that share a recorded cell with `scope`: a region's warehouses (`region#…`), or a
   * warehouse's customer regions (`warehouse#…`). Attribution reads them all, not only those the batch saw.
   */
  members(scope: string): Promise<string[]>;
  /** Counts of `scope` for windows in [fromWindowStart, toWindowStart]; windows without events may be absent. */
  history(scope: string, fromWindowStart: string, toWindowStart: string): Promise<WindowCount[]>;
  openIncident(scope: string): Promise<OpenIncident | undefined>;
  /** The open incidents of several scopes at once (one round trip where the store allows); absent when none. */
  openIncidents(scopes: readonly string[]): Promise<Map<string, OpenIncident>>;
  saveIncident(scope: string, incident: OpenIncident | undefined): Promise<void>;
}

/**
 * The spike event detail for an assessment that opened an incident: `window` is the block of windows tested, which
 * `placed`, `cancelled` and `observedRatio` cover.
 */
function spikeDetailOf(
  assessment: SpikeAssessment,
  incidentKey: string,
  contributors?: readonly Contributor[],
): OrderCancellationSpike {
  const { type, id } = parseScope(assessment.scope);
  return {
    schemaVersion: 1,
    correlationId: incidentKey,
    incidentKey,
    scope: { type, id },
    window: assessment.block ?? assessment.window,
    observedRatio: assessment.observedRatio,
    baselineRatio: assessment.baselineRatio,
    placed: assessment.placed,
    cancelled: assessment.cancelled,
    pValue: assessment.pValue,
    score: assessment.score,
    ...(assessment.expectedCancelled === undefined
      ? {}
      : { expectedCancelled: Math.round(assessment.expectedCancelled * 100) / 100 }),
    ...(contributors === undefined ? {} : { contributors: [...contributors] }),
  };
}

/**
 * The scopes a fact counts in, plus its (region, warehouse) cell when both its warehouse and its region are
 * monitored: the cells are what attribution reads (see attribution.ts); they never open incidents themselves.
 * Records in `batch` which cells, regions and warehouses the batch has seen.
 */
function withCells(
  scopesOf: (fact: OrderFact) => readonly string[],
  batch: BatchView,
): (fact: OrderFact) => string[] {
  return (fact) => {
    const scopes = [...scopesOf(fact)];
    if (scopes.includes(warehouseScope(fact.warehouseId)) && scopes.includes(regionScope(fact.region))) {
      const cell = cellScope(fact.region, fact.warehouseId);
      if (!batch.cells.has(cell)) batch.pairs.push({ region: fact.region, warehouseId: fact.warehouseId });
      batch.cells.add(cell);
      batch.regions.add(fact.region);
      batch.warehouses.add(fact.warehouseId);
      scopes.push(cell);
    }
    return scopes;
  };
}

/** One batch's reads, each (scope, range) once, and what the batch knows of the network. */
class BatchView {
  private readonly histories = new Map<string, Promise<ScopeHistory>>();
  /** (region, warehouse) cells among the batch's facts, and their customer regions and warehouses. */
  readonly cells = new Set<string>();
  readonly pairs: Cell[] = [];
  readonly regions = new Set<string>();
  readonly warehouses = new Set<string>();

  constructor(
    private readonly store: WindowStore,
    private readonly config: DetectorConfig,
  ) {}

  history(scope: string, from: string, to: string): Promise<ScopeHistory> {
    const key = `${scope}|${from}|${to}`;
    let history = this.histories.get(key);
    if (!history) {
      history = this.store
        .history(scope, from, to)
        .then((counts) => ScopeHistory.of(scope, counts, this.config.windowMinutes));
      this.histories.set(key, history);
    }
    return history;
  }
}

/** Orders placed after the open incident's last anomalous window, up to and including window `index`. */
function placedSince(history: ScopeHistory, open: OpenIncident, index: number, windowMs: number): number {
  let placed = 0;
  for (let i = Math.floor(epochMsOf(open.lastAnomalousWindow) / windowMs) + 1; i <= index; i++) {
    placed += history.at(i).placed;
  }
  return placed;
}

/** Where a scope's watch is kept: beside its incident, under its own key. */
const watchOf = (scope: string): string => `watch#${scope}`;

/**
 * A scope without an open incident is watched from the first window of an elevated block until it has been
 * normal for `watchQuietWindows` windows, or for at most `watchWindows`: while watched, its baseline is frozen
 * before the elevation (stored as an {@link OpenIncident} whose `openedAt` is that window).
 */
function nextWatch(
  watch: OpenIncident | undefined,
  scope: string,
  verdict: BlockVerdicts,
  index: number,
  windowMs: number,
  config: DetectorConfig,
): OpenIncident | undefined {
  if (config.watchWindows === 0) return undefined;
  const windowStart = isoOf(index * windowMs);
  if (watch === undefined) {
    if (!verdict.elevated || verdict.elevatedFrom === undefined) return undefined;
    const since = isoOf(verdict.elevatedFrom * windowMs);
    return { incidentKey: watchOf(scope), scope, openedAt: since, lastAnomalousWindow: windowStart };
  }
  const since = Math.floor(epochMsOf(watch.openedAt) / windowMs);
  const last = Math.floor(epochMsOf(watch.lastAnomalousWindow) / windowMs);
  if (index - since > config.watchWindows) return undefined;
  if (verdict.elevated) return index > last ? { ...watch, lastAnomalousWindow: windowStart } : watch;
  return index - last >= config.watchQuietWindows ? undefined : watch;
}

/** Regions before warehouses (a region incident opened in a batch covers its warehouses in the same batch). */
function evaluationOrder(a: string, b: string): number {
  const rank = (scope: string) => (scope.startsWith('region#') ? 0 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

interface Evaluation {
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
async function openingOf(
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
    // significant yet). Beyond every warehouse named, not beyond this one alone: when two warehouses of one region
    // fail at once, each one's excess lies in the other's rest of the region, and neither could ever overrule the
    // region incident their first cancellations opened.
    if (!covered.has(top.id) || spread !== type) return false;
    const rest = evidence.restBeyondWarehouses;
    if (type === 'warehouse' && rest.cancelled > rest.expected) return false;
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

/**
 * Counts a batch of facts, then assesses every (scope, window) the batch touched, in event-time order, and
 * returns the spikes of the incidents it opened. Late and out-of-order facts land in their own windows. The same
 * incident can open again (a batch redelivered after a failure, a closed incident's window re-judged after late
 * facts): the publisher keeps it to one spike per incident key (the monitoring agent publishes idempotently).
 * `publish`, when given, is awaited for each spike before its incident is saved.
 *
 * With region scopes counted too (`scopesOf` = `warehouseAndRegionScopes`), an anomaly is attributed
 * before it opens an incident: one warehouse's problem opens a warehouse incident only, a problem spread over a
 * region's warehouses opens one region incident (see attribution.ts).
 */
export async function observeOrders(
  facts: readonly OrderFact[],
  store: WindowStore,
  config: DetectorConfig,
  scopesOf: (fact: OrderFact) => readonly string[] = warehouseScopes,
  publish?: (spike: OrderCancellationSpike) => Promise<void>,
): Promise<OrderCancellationSpike[]> {
  const batch = new BatchView(store, config);
  const increments = incrementsOf(facts, config.windowMinutes, withCells(scopesOf, batch));
  if (increments.length === 0) return [];
  await store.add(increments, batch.pairs);

  const windowMs = config.windowMinutes * 60_000;
  let newest = -Infinity;
  for (const fact of facts) newest = Math.max(newest, epochMsOf(fact.time));
  const asOf = isoOf(newest);
  const latestWindow = Math.floor(newest / windowMs);

  const windowsByScope = new Map<string, Set<string>>();
  const cancelledIn = new Set<string>();
  for (const { scope, windowStart, cancelledOrderIds } of increments) {
    if (batch.cells.has(scope)) continue;
    const windows = windowsByScope.get(scope) ?? new Set<string>();
    windows.add(windowStart);
    windowsByScope.set(scope, windows);
    if (cancelledOrderIds.length > 0) cancelledIn.add(scope);
  }

  const lookback =
    config.baselineWindows +
    Math.max(config.longestRecentWindows, config.baselineGuardWindows, config.exposureWindows) +
    1;
  const touched = [...windowsByScope.keys()].sort(evaluationOrder);
  const rangeOf = (scope: string, open: OpenIncident | undefined, watch: OpenIncident | undefined) => {
    const evaluated = [...windowsByScope.get(scope)!].sort();
    // While an incident is open (or the scope watched) the baseline is frozen before it began: fetch back to
    // there too.
    const cutoff = baselineCutoffFor(open, config) ?? watch?.openedAt;
    const starts = [addWindows(evaluated[0]!, -lookback, config.windowMinutes)];
    if (cutoff) starts.push(addWindows(cutoff, -config.baselineWindows, config.windowMinutes));
    return { evaluated, range: { from: starts.sort()[0]!, to: evaluated[evaluated.length - 1]! } };
  };
  // Read every scope's incident and history at once (the store serves them concurrently); each scope's own
  // incident is written only while that scope is evaluated, so what was read stays current until then.
  const opens: Map<string, OpenIncident | undefined> = await store.openIncidents([
    ...touched,
    ...(config.watchWindows > 0 ? touched.map(watchOf) : []),
  ]);
  // Only cancellations can make a scope's windows anomalous: orders placed alone only lower its ratio. A scope
  // without an open incident or a watch is judged again when the batch brings it a cancellation; one with either is
  // judged on every batch, since placed orders can close what is open.
  const scopes = touched.filter(
    (scope) => cancelledIn.has(scope) || opens.has(scope) || opens.has(watchOf(scope)),
  );
  await Promise.all(
    scopes.map((scope) => {
      const { range } = rangeOf(scope, opens.get(scope), opens.get(watchOf(scope)));
      return batch.history(scope, range.from, range.to);
    }),
  );

  const spikes: OrderCancellationSpike[] = [];
  for (const scope of scopes) {
    let open = opens.get(scope);
    let watch = opens.get(watchOf(scope));
    const before = open;
    const watchedBefore = watch;
    const { evaluated, range } = rangeOf(scope, open, watch);
    const history = await batch.history(scope, range.from, range.to);

    for (const windowStart of evaluated) {
      const { index, baselineBefore, elapsed, verdict, assessment } = assessWindow(
        history,
        windowStart,
        config,
        {
          baselineBefore: baselineCutoffFor(open, config) ?? watch?.openedAt,
          asOf,
        },
      );
      const decision = decideIncident(assessment, open, config, {
        placedSinceLastAnomalous:
          open === undefined ? undefined : placedSince(history, open, index, windowMs),
      });
      if (decision.action === 'open') {
        // A window this far behind the batch's newest fact is history: re-assessing it after late facts arrive
        // must not open an incident that has already come and gone.
        if (index < latestWindow - config.maxOpeningLagWindows) continue;
        const query: BlockQuery = {
          evaluated: index,
          length: verdict.reported.last - verdict.reported.first + 1,
          baselineBefore: verdict.baselineBefore,
          elapsed,
        };
        const opening = await openingOf(
          { scope, history, range, verdict, query, baselineBefore },
          batch,
          store,
          config,
        );
        if (opening === false) continue;
        open =
          watch === undefined ? decision.incident : { ...decision.incident, baselineBefore: watch.openedAt };
        const spike = spikeDetailOf(assessment, decision.incident.incidentKey, opening);
        // Published before the incident is saved: should publishing fail, the batch is redelivered and opens it
        // again, instead of finding an open incident whose spike nobody saw.
        if (publish) await publish(spike);
        spikes.push(spike);
      } else if (decision.action === 'extend') {
        open = decision.incident;
      } else if (decision.action === 'close') {
        open = undefined;
      }
      watch = open === undefined ? nextWatch(watch, scope, verdict, index, windowMs, config) : undefined;
    }
    if (open !== before) await store.saveIncident(scope, open);
    if (watch !== watchedBefore) await store.saveIncident(watchOf(scope), watch);
  }
  return spikes;
}
