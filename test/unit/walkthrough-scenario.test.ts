import { readFileSync } from 'node:fs';
import { parseEvent, type ParsedEvent } from '../../lambdas/domain/contracts/parse';
import { MemoryWindowStore } from '../../lambdas/adapters/memory-window-store';
import { resolveDetectorConfig, type DetectorConfig } from '../../lambdas/domain/monitoring/detector-config';
import { observeOrders } from '../../lambdas/domain/monitoring/monitor';
import { orderFactOf, warehouseAndRegionScopes } from '../../lambdas/domain/monitoring/windows';
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
const config: DetectorConfig = resolveDetectorConfig();

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

function batches(size: number | 'minute'): RetailEvent[][] {
  const all: RetailEvent[][] = [];
  const minuteOf = (e: RetailEvent) => Math.floor(Date.parse(e.time) / 60_000);
  for (const event of events) {
    const last = all.at(-1);
    const fits =
      last !== undefined &&
      (size === 'minute' ? last.length < 100 && minuteOf(last[0]!) === minuteOf(event) : last.length < size);
    if (fits) last.push(event);
    else all.push([event]);
  }
  return all;
}

interface Detected {
  /** The incident's scope (`warehouse#WH-NYC`) and the window it opened at. */
  scope: string;
  openedAt: string;
  incidentKey: string;
  /** Event time of the newest event of the batch that published the spike. */
  detectedAt: string;
}

/**
 * The walk-through through the monitoring agent's own code path — `observeOrders` on the in-memory window store,
 * warehouses and customer regions counted, as the Lambda does — in SQS batches of `batchSize` events, each
 * delivered `deliveries` times; returns the spikes published. `'minute'`: each minute of event time in one batch
 * (at most 100 events), as the SQS mapping delivers a stream this slow.
 */
async function monitor(batchSize: number | 'minute', deliveries = 1): Promise<Detected[]> {
  const store = new MemoryWindowStore();
  const detected: Detected[] = [];
  for (const batch of batches(batchSize)) {
    for (let attempt = 0; attempt < deliveries; attempt++) {
      const spikes = await observeOrders(batch.map(orderFactOf), store, config, warehouseAndRegionScopes);
      for (const spike of spikes) {
        const scope = `${spike.scope.type}#${spike.scope.id}`;
        detected.push({
          scope,
          openedAt: spike.incidentKey.slice(scope.length + 1),
          incidentKey: spike.incidentKey,
          detectedAt: batch.at(-1)!.time,
        });
      }
    }
  }
  return detected;
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

  it('opens one incident per spike, at WH-NYC (not its region) within 11 minutes of each, in batches as the SQS mapping delivers them', async () => {
    const detected = await monitor('minute');

    expect(detected.map((d) => d.scope)).toEqual([spikeScope, spikeScope]);
    detected.forEach(({ openedAt, detectedAt, incidentKey }, index) => {
      const { start } = [spike, recurrence][index]!;
      expect(Date.parse(openedAt)).toBeGreaterThanOrEqual(Date.parse(minutesAfter(start, -5)));
      expect(Date.parse(detectedAt)).toBeGreaterThanOrEqual(Date.parse(start));
      // As the sandbox replays it: the first at 10:40:56 (10 min 56 s in), the recurrence at 12:04:58.
      expect(Date.parse(detectedAt)).toBeLessThanOrEqual(Date.parse(minutesAfter(start, 11)));
      expect(incidentKey).toBe(`${spikeScope}#${openedAt}`);
    });
  });

  it('detects the same two incidents in small batches of 10 events', async () => {
    const detected = await monitor(10);
    expect(detected.map((d) => d.scope)).toEqual([spikeScope, spikeScope]);
  });

  it('redelivering every batch opens no extra incident', async () => {
    const once = await monitor(10);
    const twice = await monitor(10, 2);

    expect(twice.map((d) => d.incidentKey)).toEqual(once.map((d) => d.incidentKey));
  });
});
