import type { OrderCancellationSpike } from '../contracts/platform';
import { assessScope, type DetectorConfig, type SpikeAssessment } from './detector';
import { baselineCutoffFor, decideIncident, type OpenIncident } from './incidents';
import {
  addWindows,
  parseScope,
  warehouseScopes,
  windowStartOf,
  type OrderFact,
  type WindowCount,
} from './windows';

/**
 * What one batch adds to one (scope, window) counter. Order ids, not counts: the store keeps them as sets, so a
 * redelivered message adds nothing and counting stays exact under at-least-once delivery.
 */
export interface WindowIncrement {
  readonly scope: string;
  readonly windowStart: string;
  readonly placedOrderIds: readonly string[];
  readonly cancelledOrderIds: readonly string[];
}

/** The monitoring agent's state: window counters and the open incident per scope (DynamoDB on AWS). */
export interface WindowStore {
  add(increments: readonly WindowIncrement[]): Promise<void>;
  /** Counts of `scope` for windows in [fromWindowStart, toWindowStart]; windows without events may be absent. */
  history(scope: string, fromWindowStart: string, toWindowStart: string): Promise<WindowCount[]>;
  openIncident(scope: string): Promise<OpenIncident | undefined>;
  saveIncident(scope: string, incident: OpenIncident | undefined): Promise<void>;
  /** True unless the spike of `incidentKey` was already published: the first claim wins; a failed publish retries. */
  claimPublication(incidentKey: string): Promise<boolean>;
  markPublished(incidentKey: string): Promise<void>;
}

/** Groups facts into per-(scope, window) increments of order ids. */
export function incrementsOf(
  facts: readonly OrderFact[],
  windowMinutes: number,
  scopesOf: (fact: OrderFact) => string[] = warehouseScopes,
): WindowIncrement[] {
  const byKey = new Map<
    string,
    { scope: string; windowStart: string; placed: Set<string>; cancelled: Set<string> }
  >();
  for (const fact of facts) {
    const windowStart = windowStartOf(fact.time, windowMinutes);
    for (const scope of scopesOf(fact)) {
      const key = `${scope}|${windowStart}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { scope, windowStart, placed: new Set(), cancelled: new Set() };
        byKey.set(key, entry);
      }
      (fact.kind === 'placed' ? entry.placed : entry.cancelled).add(fact.orderId);
    }
  }
  return [...byKey.values()].map((entry) => ({
    scope: entry.scope,
    windowStart: entry.windowStart,
    placedOrderIds: [...entry.placed].sort(),
    cancelledOrderIds: [...entry.cancelled].sort(),
  }));
}

/** The spike event detail for an assessment that opened an incident. */
export function spikeDetailOf(assessment: SpikeAssessment, incidentKey: string): OrderCancellationSpike {
  const { type, id } = parseScope(assessment.scope);
  return {
    schemaVersion: 1,
    correlationId: incidentKey,
    incidentKey,
    scope: { type, id },
    window: assessment.window,
    observedRatio: assessment.observedRatio,
    baselineRatio: assessment.baselineRatio,
    placed: assessment.placed,
    cancelled: assessment.cancelled,
    pValue: assessment.pValue,
    score: assessment.score,
  };
}

/**
 * Counts a batch of facts, then assesses every (scope, window) the batch touched, in event-time order, and
 * returns the spikes to publish: one per incident. Late and out-of-order facts land in their own windows.
 */
export async function observeOrders(
  facts: readonly OrderFact[],
  store: WindowStore,
  config: DetectorConfig,
  scopesOf: (fact: OrderFact) => string[] = warehouseScopes,
): Promise<OrderCancellationSpike[]> {
  const increments = incrementsOf(facts, config.windowMinutes, scopesOf);
  if (increments.length === 0) return [];
  await store.add(increments);

  const windowsByScope = new Map<string, Set<string>>();
  for (const { scope, windowStart } of increments) {
    const windows = windowsByScope.get(scope) ?? new Set<string>();
    windows.add(windowStart);
    windowsByScope.set(scope, windows);
  }

  const spikes: OrderCancellationSpike[] = [];
  const span = config.baselineWindows + config.recentWindows - 1;
  for (const [scope, windows] of [...windowsByScope].sort(([a], [b]) => a.localeCompare(b))) {
    const evaluated = [...windows].sort();
    const first = evaluated[0]!;
    const last = evaluated[evaluated.length - 1]!;
    let open = await store.openIncident(scope);
    const before = open;
    // While an incident is open the baseline is frozen before it began: fetch back to there too.
    const cutoff = baselineCutoffFor(open, config);
    const from = [addWindows(first, -span, config.windowMinutes)];
    if (cutoff) from.push(addWindows(cutoff, -config.baselineWindows, config.windowMinutes));
    const history = await store.history(scope, from.sort()[0]!, last);
    for (const windowStart of evaluated) {
      const assessment = assessScope(history, windowStart, config, {
        baselineBefore: baselineCutoffFor(open, config),
      });
      const decision = decideIncident(assessment, open, config);
      if (decision.action === 'open') {
        open = decision.incident;
        if (await store.claimPublication(decision.incident.incidentKey)) {
          spikes.push(spikeDetailOf(assessment, decision.incident.incidentKey));
        }
      } else if (decision.action === 'extend') {
        open = decision.incident;
      } else if (decision.action === 'close') {
        open = undefined;
      }
    }
    if (open !== before) await store.saveIncident(scope, open);
  }
  return spikes;
}
