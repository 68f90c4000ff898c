import { readFileSync } from 'node:fs';
import { parseEvent, type ParsedEvent } from '../../lambdas/domain/contracts';
import {
  assessScope,
  defaultDetectorConfig,
  type DetectorConfig,
} from '../../lambdas/domain/monitoring/detector';
import {
  baselineCutoffFor,
  decideIncident,
  type IncidentDecision,
  type OpenIncident,
} from '../../lambdas/domain/monitoring/incidents';
import {
  addWindows,
  aggregate,
  mergeWindowCounts,
  orderFactOf,
  warehouseAndRegionScopes,
  type WindowCount,
} from '../../lambdas/domain/monitoring/windows';
import {
  generateWalkthrough,
  readNetwork,
  toNdjson,
  walkthrough,
  walkthroughPath,
} from '../../scenarios/generate-walkthrough';

type RetailEvent = ParsedEvent<'order_placed' | 'order_cancelled'>;

const text = readFileSync(walkthroughPath, 'utf8');
const raw = text.trimEnd().split('\n');
const events: RetailEvent[] = raw.map((line) => parseEvent(line, ['order_placed', 'order_cancelled']));
const config: DetectorConfig = { ...defaultDetectorConfig };

const minutesAfter = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const isBetween = (time: string, from: string, to: string): boolean =>
  Date.parse(time) >= Date.parse(from) && Date.parse(time) < Date.parse(to);

function countIn(warehouseId: string, from: string, to: string): { placed: number; cancelled: number } {
  const facts = events
    .map(orderFactOf)
    .filter((f) => f.warehouseId === warehouseId && isBetween(f.time, from, to));
  return {
    placed: facts.filter((f) => f.kind === 'placed').length,
    cancelled: facts.filter((f) => f.kind === 'cancelled').length,
  };
}

interface Opened {
  incident: OpenIncident;
  /** Event time of the last event processed when the incident opened. */
  detectedAt: string;
}

/** The per-scope state the monitoring handler keeps in DynamoDB: window counters and the open incident. */
class MonitorState {
  readonly counts = new Map<string, WindowCount[]>();
  readonly open = new Map<string, OpenIncident>();
  readonly opened: Opened[] = [];
  readonly closed: string[] = [];

  add(increments: readonly WindowCount[]): void {
    for (const increment of increments) {
      this.counts.set(
        increment.scope,
        mergeWindowCounts(this.counts.get(increment.scope) ?? [], [increment]),
      );
    }
  }

  evaluate(scope: string, windowStart: string, now: string): IncidentDecision {
    const history = this.counts.get(scope) ?? [];
    const open = this.open.get(scope);
    const assessment = assessScope(history, windowStart, config, {
      baselineBefore: baselineCutoffFor(open, config),
    });
    const decision = decideIncident(assessment, open, config);
    if (decision.action === 'open') this.opened.push({ incident: decision.incident, detectedAt: now });
    if (decision.action === 'open' || decision.action === 'extend') this.open.set(scope, decision.incident);
    if (decision.action === 'close') {
      this.open.delete(scope);
      this.closed.push(decision.incidentKey);
    }
    return decision;
  }
}

describe('the retail walk-through scenario file', () => {
  it('is exactly what the seeded generator writes, so it can be regenerated', () => {
    expect(toNdjson(generateWalkthrough(readNetwork()))).toBe(text);
  });

  it('holds between 2,000 and 4,000 retail envelopes, sorted by event time, each with a unique id', () => {
    expect(events.length).toBeGreaterThanOrEqual(2000);
    expect(events.length).toBeLessThanOrEqual(4000);
    const times = events.map((e) => Date.parse(e.time));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? t))).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.source === 'retail.orders')).toBe(true);
    expect(isBetween(events[0]?.time ?? '', walkthrough.start, minutesAfter(walkthrough.start, 1))).toBe(
      true,
    );
    expect(isBetween(events.at(-1)?.time ?? '', walkthrough.start, walkthrough.end)).toBe(true);
  });

  it('carries envelopes as EventBridge delivers them, with only the order services’ fields in detail', () => {
    const first = JSON.parse(raw[0] ?? '{}');

    expect(Object.keys(first)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(first).toMatchObject({
      version: '0',
      account: '123456789012',
      region: 'us-east-1',
      resources: [],
    });
    const detailKeys = new Set(raw.map((line) => Object.keys(JSON.parse(line).detail).join(',')));
    expect([...detailKeys].sort()).toEqual([
      'orderId,customerId,warehouseId,region,items,total',
      'orderId,warehouseId,region,reason',
    ]);
  });

  it('cancels only orders placed earlier at the same warehouse, each at most once', () => {
    const placed = new Map<string, RetailEvent>();
    const cancelled = new Set<string>();
    for (const event of events) {
      const { orderId, warehouseId, region } = event.detail;
      if (event.detailType === 'order_placed') {
        placed.set(orderId, event);
        continue;
      }
      const order = placed.get(orderId);
      expect(order).toBeDefined();
      expect(order?.detail).toMatchObject({ warehouseId, region });
      expect(Date.parse(event.time)).toBeGreaterThan(Date.parse(order?.time ?? event.time));
      expect(cancelled.has(orderId)).toBe(false);
      cancelled.add(orderId);
    }
  });

  it('uses the six warehouses of the retail network, mostly serving their own region', () => {
    const network = readNetwork();
    for (const warehouse of network.warehouses) {
      const orders = events.filter(
        (e) => e.detailType === 'order_placed' && e.detail.warehouseId === warehouse.warehouseId,
      );
      const own = orders.filter((e) => e.detail.region === warehouse.region).length;
      expect(orders.length).toBeGreaterThan(200);
      expect(own / orders.length).toBeGreaterThan(0.75);
    }
  });

  it('keeps everyday cancellations at a few percent and lifts WH-NYC to about 40% during each spike', () => {
    const { spike } = walkthrough;
    for (const { warehouseId } of readNetwork().warehouses) {
      const before = countIn(warehouseId, walkthrough.start, spike.start);
      expect(before.cancelled / before.placed).toBeGreaterThan(0.02);
      expect(before.cancelled / before.placed).toBeLessThan(0.07);
    }

    for (const { warehouseId, start, end } of [spike, walkthrough.recurrence]) {
      const during = countIn(warehouseId, start, end);
      expect(during.cancelled / during.placed).toBeGreaterThan(0.33);
      expect(during.cancelled / during.placed).toBeLessThan(0.55);
    }
  });

  it('raises orders and cancellations together during the promotion', () => {
    const { promotion } = walkthrough;
    const before = countIn(promotion.warehouseId, minutesAfter(promotion.start, -60), promotion.start);
    const during = countIn(promotion.warehouseId, promotion.start, promotion.end);
    // Cancellations follow their orders by minutes, so they rise a little later.
    const following = countIn(
      promotion.warehouseId,
      minutesAfter(promotion.start, 15),
      minutesAfter(promotion.end, 15),
    );

    expect(during.placed).toBeGreaterThan(2 * before.placed);
    expect(following.cancelled).toBeGreaterThan(before.cancelled);
  });
});

describe('monitoring the retail walk-through', () => {
  const { spike, recurrence } = walkthrough;
  const spikeScope = `warehouse#${spike.warehouseId}`;
  /** One incident per spike, each at WH-NYC and each detected within 10 minutes of its start. */
  const expectOneIncidentPerSpike = (
    opened: { incident: { scope: string; openedAt: string }; detectedAt: string }[],
  ) => {
    expect(opened.map((o) => o.incident.scope)).toEqual([spikeScope, spikeScope]);
    opened.forEach(({ incident, detectedAt }, index) => {
      const { start } = [spike, recurrence][index]!;
      expect(Date.parse(incident.openedAt)).toBeGreaterThanOrEqual(Date.parse(start));
      expect(Date.parse(detectedAt)).toBeGreaterThanOrEqual(Date.parse(start));
      expect(Date.parse(detectedAt)).toBeLessThanOrEqual(Date.parse(minutesAfter(start, 10)));
    });
  };

  it('opens one incident per spike, at WH-NYC within 10 minutes of each, evaluating completed windows', () => {
    const state = new MonitorState();
    state.add(aggregate(events.map(orderFactOf), config.windowMinutes));
    const lastWindow = addWindows(walkthrough.end, -1, config.windowMinutes);

    for (const scope of state.counts.keys()) {
      for (let w: string = walkthrough.start; w <= lastWindow; w = addWindows(w, 1, config.windowMinutes)) {
        state.evaluate(scope, w, addWindows(w, 1, config.windowMinutes));
      }
    }

    expectOneIncidentPerSpike(state.opened);
    // The first incident closes before the fault comes back, so the recurrence is an incident of its own.
    expect(state.closed[0]).toBe(state.opened[0]?.incident.incidentKey);
  });

  it('opens one incident per spike, at WH-NYC within 10 minutes of each, evaluating SQS batches as they arrive', () => {
    const state = new MonitorState();
    const batchSize = 10;

    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize);
      const increments = aggregate(batch.map(orderFactOf), config.windowMinutes);
      state.add(increments);
      const now = batch.at(-1)?.time ?? walkthrough.end;
      for (const increment of increments) state.evaluate(increment.scope, increment.windowStart, now);
    }

    expectOneIncidentPerSpike(state.opened);
    for (const { incident } of state.opened)
      expect(incident.incidentKey).toBe(`${spikeScope}#${incident.openedAt}`);
  });

  it('counting customer regions too, alarms only in the region WH-NYC mostly serves', () => {
    const state = new MonitorState();

    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const increments = aggregate(batch.map(orderFactOf), config.windowMinutes, warehouseAndRegionScopes);
      state.add(increments);
      const now = batch.at(-1)?.time ?? walkthrough.end;
      for (const increment of increments) state.evaluate(increment.scope, increment.windowStart, now);
    }

    expect(state.opened.map((o) => o.incident.scope).sort()).toEqual([
      'region#us-east',
      'region#us-east',
      spikeScope,
      spikeScope,
    ]);
  });

  it('redelivering every batch opens no extra incident', () => {
    const state = new MonitorState();
    for (let i = 0; i < events.length; i += 10) {
      const increments = aggregate(events.slice(i, i + 10).map(orderFactOf), config.windowMinutes);
      state.add(increments);
      // A redelivery re-evaluates the same windows (counter increments are deduplicated by idempotency).
      for (let attempt = 0; attempt < 2; attempt++) {
        for (const increment of increments)
          state.evaluate(increment.scope, increment.windowStart, increment.windowStart);
      }
    }

    expect(state.opened).toHaveLength(2);
  });
});
