import { parseEvent } from '../../lambdas/domain/contracts/parse';
import {
  fleetPresetSpec,
  generateFleetStream,
  type FleetIncidentKind,
  type FleetSpec,
  type FleetStream,
} from '../../scenarios/generate-fleet';

/** A small stream: the one-day preset at a third of its traffic (a few thousand events, well under a second). */
const smallSpec = (seed: number): FleetSpec => ({ ...fleetPresetSpec('fleet-day', seed), traffic: 0.3 });

const KINDS: readonly FleetIncidentKind[] = [
  'warehouse',
  'short',
  'hub',
  'drift',
  'region',
  'pair',
  'overlap',
];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Orders placed per warehouse over the whole stream. */
function placedPerWarehouse(stream: FleetStream): Map<string, number> {
  const placed = new Map<string, number>();
  for (const line of stream.lines) {
    const event = parseEvent(line, ['order_placed', 'order_cancelled']);
    if (event.detailType !== 'order_placed') continue;
    placed.set(event.detail.warehouseId, (placed.get(event.detail.warehouseId) ?? 0) + 1);
  }
  return placed;
}

describe('generateFleetStream', () => {
  const streams = [1, 2, 3, 4, 5, 6].map((seed) => generateFleetStream(smallSpec(seed)));
  const stream = streams[0]!;

  it('is deterministic under its seed, and another seed gives another stream', () => {
    const again = generateFleetStream(smallSpec(1));

    expect(again).toEqual(stream);
    expect(streams[1]!.lines).not.toEqual(stream.lines);
  });

  it('labels every incident with a kind, a scope and a span inside the stream', () => {
    const all = streams.flatMap((s) => s.truth.incidents);

    expect(all.length).toBeGreaterThan(0);
    for (const incident of all) {
      expect(KINDS).toContain(incident.kind);
      expect(['warehouse', 'region']).toContain(incident.scope.type);
      expect(Date.parse(incident.start)).toBeLessThan(Date.parse(incident.end));
      expect(Date.parse(incident.end)).toBeLessThanOrEqual(Date.parse(stream.truth.end));
    }
    // The preset's kinds, each placed on every seed.
    expect(new Set(all.map((i) => i.kind))).toEqual(new Set(['warehouse', 'short', 'hub', 'region']));
  });

  it('names warehouses WH-<region code>-<nn>, like WH-USW-01', () => {
    for (const s of streams) {
      for (const { warehouseId } of s.truth.network) expect(warehouseId).toMatch(/^WH-[A-Z]{3}-\d{2}$/);
    }
    expect(streams.flatMap((s) => s.truth.network.map((w) => w.warehouseId))).toContain('WH-USW-01');
  });

  it('emits order_placed and order_cancelled envelopes the retail contracts accept, each id once', () => {
    const parsed = stream.lines.map((line) => parseEvent(line, ['order_placed', 'order_cancelled']));

    expect(new Set(parsed.map((e) => e.detailType))).toEqual(new Set(['order_placed', 'order_cancelled']));
    expect(new Set(parsed.map((e) => e.id)).size).toBe(parsed.length);
    const warehouses = new Set(stream.truth.network.map((w) => w.warehouseId));
    for (const event of parsed) expect(warehouses).toContain(event.detail.warehouseId);
  });

  it('cancels only orders it placed, at the same warehouse and for the same region, each at most once', () => {
    const placed = new Map<string, { warehouseId: string; region: string }>();
    const cancelled = new Set<string>();
    const events = stream.lines.map((line) => parseEvent(line, ['order_placed', 'order_cancelled']));
    for (const event of events) {
      if (event.detailType === 'order_placed') {
        placed.set(event.detail.orderId, event.detail);
      }
    }
    for (const event of events) {
      if (event.detailType !== 'order_cancelled') continue;
      expect(placed.get(event.detail.orderId)).toMatchObject({
        warehouseId: event.detail.warehouseId,
        region: event.detail.region,
      });
      expect(cancelled.has(event.detail.orderId)).toBe(false);
      cancelled.add(event.detail.orderId);
    }
  });

  it('gives hubs 3–5× a typical warehouse’s volume', () => {
    const ratios = streams.flatMap((s) => {
      const placed = placedPerWarehouse(s);
      const typical = median(
        s.truth.network.filter((w) => !w.hub).map((w) => placed.get(w.warehouseId) ?? 0),
      );
      return s.truth.network.filter((w) => w.hub).map((w) => (placed.get(w.warehouseId) ?? 0) / typical);
    });

    expect(ratios.length).toBeGreaterThanOrEqual(streams.length);
    // Each hub's own draw of volume varies (log-normal), and promotions and bursts move a day's count; the
    // multiplier itself shows in the geometric mean over the seeds.
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(2);
      expect(ratio).toBeLessThan(8);
    }
    const geometricMean = Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length);
    expect(geometricMean).toBeGreaterThanOrEqual(3);
    expect(geometricMean).toBeLessThanOrEqual(5);
  });
});
