import { parseEvent } from '../../lambdas/domain/contracts/parse';
import type { RetailEnvelope } from '../../scenarios/generate-walkthrough';
import { dailyCycle, generateStream, presetSpec, type GeneratedStream } from '../../scenarios/generate';

const MINUTE = 60_000;
const at = (e: RetailEnvelope) => Date.parse(e.time);

function countIn(
  stream: GeneratedStream,
  inScope: (e: RetailEnvelope) => boolean,
  from: number,
  to: number,
): { placed: number; cancelled: number } {
  const events = stream.events.filter((e) => inScope(e) && at(e) >= from && at(e) < to);
  return {
    placed: events.filter((e) => e['detail-type'] === 'order_placed').length,
    cancelled: events.filter((e) => e['detail-type'] === 'order_cancelled').length,
  };
}

describe('generateStream', () => {
  const warehouseDay = generateStream(presetSpec('warehouse-day', 5));
  const regionDay = generateStream(presetSpec('region-day', 5));
  const noisy = generateStream(presetSpec('low-traffic-noisy', 5));

  it('is deterministic under its seed, and another seed gives another stream', () => {
    const again = generateStream(presetSpec('warehouse-day', 5));
    const other = generateStream(presetSpec('warehouse-day', 6));

    expect(again).toEqual(warehouseDay);
    expect(other.events.length).not.toBe(warehouseDay.events.length);
  });

  it('writes envelopes the retail contracts accept, each with a unique id', () => {
    for (const stream of [warehouseDay, noisy]) {
      for (const event of stream.events) {
        expect(() => parseEvent(event, ['order_placed', 'order_cancelled'])).not.toThrow();
      }
      expect(new Set(stream.events.map((e) => e.id)).size).toBe(stream.events.length);
    }
  });

  it('cancels only orders placed earlier at the same warehouse and for the same region, each at most once', () => {
    const placed = new Map<string, RetailEnvelope>();
    const cancelled = new Set<string>();
    for (const event of [...noisy.events].sort((a, b) => at(a) - at(b))) {
      if (event['detail-type'] === 'order_placed') {
        placed.set(event.detail.orderId, event);
        continue;
      }
      const order = placed.get(event.detail.orderId);
      expect(order?.detail).toMatchObject({
        warehouseId: event.detail.warehouseId,
        region: event.detail.region,
      });
      expect(at(event)).toBeGreaterThan(at(order!));
      expect(cancelled.has(event.detail.orderId)).toBe(false);
      cancelled.add(event.detail.orderId);
    }
  });

  it('delivers some events late: the file is in arrival order, not event-time order', () => {
    let latest = -Infinity;
    let late = 0;
    for (const event of noisy.events) {
      if (at(event) < latest - MINUTE) late++;
      latest = Math.max(latest, at(event));
    }
    expect(late).toBeGreaterThan(0);
    expect(late).toBeLessThanOrEqual(noisy.truth.counts.late);
  });

  it('labels incidents inside the stream, after the warm-up, three hours apart', () => {
    for (const { truth } of [warehouseDay, regionDay, noisy]) {
      const start = Date.parse(truth.spec.start) + truth.spec.warmupHours * 60 * MINUTE;
      const spans = truth.incidents.map((i) => [Date.parse(i.start), Date.parse(i.end)] as const);
      for (const [from, to] of spans) {
        expect(from).toBeGreaterThanOrEqual(start);
        expect(to).toBeLessThanOrEqual(Date.parse(truth.end));
      }
      const sorted = [...spans].sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]![0] - sorted[i - 1]![1]).toBeGreaterThanOrEqual(3 * 60 * MINUTE);
      }
    }
    expect(warehouseDay.truth.incidents.every((i) => i.scope.type === 'warehouse')).toBe(true);
    expect(regionDay.truth.incidents.every((i) => i.scope.type === 'region')).toBe(true);
  });

  it('raises the cancellation ratio in an incident’s scope well above the hours before', () => {
    for (const stream of [warehouseDay, regionDay]) {
      for (const incident of stream.truth.incidents) {
        const inScope = (e: RetailEnvelope) =>
          incident.scope.type === 'warehouse'
            ? e.detail.warehouseId === incident.scope.id
            : e.detail.region === incident.scope.id;
        const from = Date.parse(incident.start);
        const during = countIn(stream, inScope, from, Date.parse(incident.end));
        const before = countIn(stream, inScope, from - 3 * 60 * MINUTE, from);
        expect(during.cancelled / during.placed).toBeGreaterThan(before.cancelled / before.placed + 0.15);
      }
    }
  });

  it('leaves no event inside a gap', () => {
    for (const gap of noisy.truth.gaps) {
      const inScope = (e: RetailEnvelope) =>
        gap.warehouseId === undefined || e.detail.warehouseId === gap.warehouseId;
      expect(countIn(noisy, inScope, Date.parse(gap.start), Date.parse(gap.end))).toEqual({
        placed: 0,
        cancelled: 0,
      });
    }
  });

  it('follows a daily cycle: quiet nights, busy evenings, about 1 on average over the day', () => {
    expect(dailyCycle(3)).toBeLessThan(0.2);
    expect(dailyCycle(19.5)).toBeGreaterThan(1.2);
    let sum = 0;
    for (let hour = 8; hour < 22; hour += 0.25) sum += dailyCycle(hour);
    expect(sum / 56).toBeGreaterThan(0.85);
    expect(sum / 56).toBeLessThan(1.15);
  });
});
