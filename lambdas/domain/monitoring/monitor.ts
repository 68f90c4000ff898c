import type { OrderCancellationSpike } from '../contracts/platform';
import { publishedContributors, type Contributor } from './attribution';
import { BatchView, withCells } from './batch-view';
import { type DetectorConfig } from './detector-config';
import { assessWindow, type BlockQuery, type SpikeAssessment } from './detector';
import { baselineCutoffFor, decideIncident, type OpenIncident } from './incidents';
import { openingOf } from './opening';
import type { ScopeHistory } from './scope-history';
import { nextWatch, watchOf } from './watch';
import { incrementsOf, type WindowIncrement } from './window-increments';
import type { WindowStore } from './window-store';
import { addWindows, epochMsOf, isoOf, parseScope, warehouseScopes, type OrderFact } from './windows';

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
    ...(contributors === undefined ? {} : publishedContributors(contributors)),
  };
}

/** Orders placed after the open incident's last anomalous window, up to and including window `index`. */
function placedSince(history: ScopeHistory, open: OpenIncident, index: number, windowMs: number): number {
  let placed = 0;
  for (let i = Math.floor(epochMsOf(open.lastAnomalousWindow) / windowMs) + 1; i <= index; i++) {
    placed += history.at(i).placed;
  }
  return placed;
}

/** Regions before warehouses (a region incident opened in a batch covers its warehouses in the same batch). */
function evaluationOrder(a: string, b: string): number {
  const rank = (scope: string) => (scope.startsWith('region#') ? 0 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The non-cell scopes a batch's increments touch: the windows of each, and those that gained a cancellation. */
function touchedScopes(increments: readonly WindowIncrement[], cells: ReadonlySet<string>) {
  const windowsByScope = new Map<string, Set<string>>();
  const cancelledIn = new Set<string>();
  for (const { scope, windowStart, cancelledOrderIds } of increments) {
    if (cells.has(scope)) continue;
    const windows = windowsByScope.get(scope) ?? new Set<string>();
    windows.add(windowStart);
    windowsByScope.set(scope, windows);
    if (cancelledOrderIds.length > 0) cancelledIn.add(scope);
  }
  return { windowsByScope, cancelledIn };
}

/**
 * The windows of a scope to judge, in order, and the history they need: the baseline and guard before the first,
 * and — while an incident is open (or the scope watched), its baseline being frozen before it began — back to there.
 */
function historyRange(
  windows: ReadonlySet<string>,
  open: OpenIncident | undefined,
  watch: OpenIncident | undefined,
  config: DetectorConfig,
): { evaluated: string[]; range: { from: string; to: string } } {
  const lookback =
    config.baselineWindows +
    Math.max(
      config.longestRecentWindows,
      config.accumulationWindows,
      config.sequentialWindows,
      config.baselineGuardWindows,
      config.exposureWindows,
    ) +
    1;
  const evaluated = [...windows].sort();
  const earliest = evaluated[0];
  const latest = evaluated.at(-1);
  if (earliest === undefined || latest === undefined)
    throw new Error('a touched scope has no window to evaluate');
  const cutoff = baselineCutoffFor(open, config) ?? watch?.openedAt;
  let from = addWindows(earliest, -lookback, config.windowMinutes);
  if (cutoff) {
    const beforeCutoff = addWindows(cutoff, -config.baselineWindows, config.windowMinutes);
    if (beforeCutoff < from) from = beforeCutoff;
  }
  return { evaluated, range: { from, to: latest } };
}

/** What judging one scope needs besides the scope: the batch, where state is kept, and the batch's time. */
interface Judging {
  readonly batch: BatchView;
  readonly store: WindowStore;
  readonly config: DetectorConfig;
  /** The event time of the batch's newest fact, and its window's index. */
  readonly asOf: string;
  readonly latestWindow: number;
  readonly publish: ((spike: OrderCancellationSpike) => Promise<void>) | undefined;
}

/**
 * Judges the windows a batch touched of one scope, in event-time order — opening (after attribution), extending or
 * closing its incident, starting or ending its watch — then saves what changed. Returns the spikes it opened, each
 * published (when `publish` is given) before the incident is saved.
 */
async function judgeScope(
  scope: string,
  windows: ReadonlySet<string>,
  state: { open: OpenIncident | undefined; watch: OpenIncident | undefined },
  { batch, store, config, asOf, latestWindow, publish }: Judging,
): Promise<OrderCancellationSpike[]> {
  const windowMs = config.windowMinutes * 60_000;
  let { open, watch } = state;
  const { evaluated, range } = historyRange(windows, open, watch, config);
  const history = await batch.history(scope, range.from, range.to);
  const spikes: OrderCancellationSpike[] = [];
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
      placedSinceLastAnomalous: open === undefined ? undefined : placedSince(history, open, index, windowMs),
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
  if (open !== state.open) await store.saveIncident(scope, open);
  if (watch !== state.watch) await store.saveIncident(watchOf(scope), watch);
  return spikes;
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
  const { windowsByScope, cancelledIn } = touchedScopes(increments, batch.cells);
  const touched = [...windowsByScope.keys()].sort(evaluationOrder);
  // The batch's counts are written while every touched scope's incident and watch are read (the store serves
  // them concurrently): the counts touch no incident, and each scope's own incident is written only while that
  // scope is evaluated, after both, so what was read stays current until then.
  const [, opens] = await Promise.all([
    store.add(increments, batch.pairs),
    store.openIncidents([...touched, ...(config.watchWindows > 0 ? touched.map(watchOf) : [])]),
  ]);

  let newest = -Infinity;
  for (const fact of facts) newest = Math.max(newest, epochMsOf(fact.time));
  const judging: Judging = {
    batch,
    store,
    config,
    asOf: isoOf(newest),
    latestWindow: Math.floor(newest / (config.windowMinutes * 60_000)),
    publish,
  };

  // Only cancellations can make a scope's windows anomalous: orders placed alone only lower its ratio. A scope
  // without an open incident or a watch is judged again when the batch brings it a cancellation; one with either is
  // judged on every batch, since placed orders can close what is open.
  const scopes = touched.filter(
    (scope) => cancelledIn.has(scope) || opens.has(scope) || opens.has(watchOf(scope)),
  );
  const stateOf = (scope: string) => ({ open: opens.get(scope), watch: opens.get(watchOf(scope)) });
  const windowsOf = (scope: string) => {
    const windows = windowsByScope.get(scope);
    if (!windows) throw new Error(`scope ${scope} was judged without a touched window`);
    return windows;
  };
  await Promise.all(
    scopes.map((scope) => {
      const { open, watch } = stateOf(scope);
      const { range } = historyRange(windowsOf(scope), open, watch, config);
      return batch.history(scope, range.from, range.to);
    }),
  );

  const spikes: OrderCancellationSpike[] = [];
  for (const scope of scopes) {
    for (const spike of await judgeScope(scope, windowsOf(scope), stateOf(scope), judging)) {
      spikes.push(spike);
    }
  }
  return spikes;
}
