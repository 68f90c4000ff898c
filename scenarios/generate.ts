/**
 * Generates labelled retail streams for scoring the cancellation-spike detector: seeded, with daily and weekly
 * order-rate cycles in each warehouse's local time, per-warehouse order rates and cancellation ratios, and the
 * things that are not incidents — promotions (orders and cancellations rise together), slow drifts of the
 * cancellation ratio, hour-to-hour noise of it, data gaps, late and out-of-order delivery — plus injected
 * incidents at one warehouse or across one customer region. Writes the events (NDJSON envelopes in ARRIVAL
 * order, each with its own event `time`) and, separately, the ground truth.
 *
 *   npx tsx scenarios/generate.ts --preset week --seed 7 --out /tmp/streams
 *   npx tsx scenarios/generate.ts --preset week --seed 7 --set traffic=10 --set lateShare=0.2   # overrides
 *   npx tsx scenarios/generate.ts --list
 *
 * Deterministic: everything is drawn from mulberry32 under the seed, never Math.random.
 */
import { Draw, mulberry32 } from './draw';
import {
  baseOrdersPerMinute,
  readNetwork,
  toNdjson,
  type OrderPlacedDetail,
  type RetailEnvelope,
  type RetailNetwork,
} from './generate-walkthrough';
import { itemAt, valueOf } from './lookup';
import { presetWithSeed, runStreamCommand, writeLabelledStream } from './stream-files';

/** What to generate; every number is a knob of the stream, not of the detector. */
export interface StreamSpec {
  name: string;
  seed: number;
  /** UTC start, e.g. `2026-11-16T00:00:00Z`. */
  start: string;
  days: number;
  /** `retail`: the six warehouses of config/retail-network.json; otherwise a random network of this shape. */
  network: 'retail' | { warehouses: number; regions: number };
  /**
   * Multiplies every warehouse's order rate. At 1, warehouses average 1–3 orders a minute over the local day, as
   * in the walk-through, with quiet nights and evening peaks.
   */
  traffic: number;
  /** Hour-to-hour log-normal spread of each warehouse's cancellation ratio (0: steady). */
  ratioNoise: number;
  /** Log-normal spread of order rates per quarter hour, on top of the daily and weekly cycles. */
  rateNoise: number;
  /** Incidents to inject (each placed where it fits: local daytime, three hours clear of the others). */
  warehouseIncidents: number;
  regionIncidents: number;
  /**
   * Range of the cancellations an incident adds per order placed in its scope (drawn per incident); default
   * [0.25, 0.5] — five to ten times a typical ratio. Smaller values make subtler incidents.
   */
  incidentStrength?: readonly [number, number];
  /** Promotions per day: a warehouse or a region's customers order 2–4× more for 1–4 hours. */
  promotionsPerDay: number;
  /** Whether cancellation ratios drift slowly (up to ±60% over one to three days). */
  drifts: boolean;
  /** Hours without any event (an ingestion outage) or without one warehouse's events. */
  gaps: number;
  /** Share of events delivered 1–20 minutes late (arrival order differs from event time). */
  lateShare: number;
  /** Hours at the start without incidents, so the detector has a baseline. */
  warmupHours: number;
}

export interface TruthIncident {
  id: string;
  scope: { type: 'warehouse' | 'region'; id: string };
  start: string;
  end: string;
  /** Cancellations added per order placed in scope during the incident. */
  extraCancellationsPerOrder: number;
}

export interface GroundTruth {
  spec: StreamSpec;
  end: string;
  network: RetailNetwork;
  incidents: TruthIncident[];
  /** Not incidents: listed so a reader can see what the detector had to ignore. */
  promotions: {
    scope: { type: 'warehouse' | 'region'; id: string };
    start: string;
    end: string;
    lift: number;
  }[];
  drifts: { warehouseId: string; start: string; end: string; factor: number }[];
  gaps: { warehouseId?: string; start: string; end: string }[];
  counts: { placed: number; cancelled: number; late: number; dropped: number };
}

export interface GeneratedStream {
  /** Envelopes in arrival order. */
  events: RetailEnvelope[];
  truth: GroundTruth;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const ACCOUNT = '123456789012';
const AWS_REGION = 'us-east-1';

/** UTC offsets (hours) of the retail network's customer regions; random networks draw theirs. */
const retailOffsets: Record<string, number> = { 'us-east': -5, 'us-central': -6, 'us-west': -8 };

const DEFAULT_INCIDENT_STRENGTH: readonly [number, number] = [0.25, 0.5];

/** Presets the bench uses; each takes a seed. */
export const presets: Record<string, Omit<StreamSpec, 'seed' | 'name'>> = {
  'baseline-day': {
    start: '2026-11-16T00:00:00Z',
    days: 1,
    network: 'retail',
    traffic: 1,
    ratioNoise: 0.15,
    rateNoise: 0.1,
    warehouseIncidents: 0,
    regionIncidents: 0,
    promotionsPerDay: 2,
    drifts: false,
    gaps: 0,
    lateShare: 0.02,
    warmupHours: 3,
  },
  'warehouse-day': {
    start: '2026-11-17T00:00:00Z',
    days: 1,
    network: 'retail',
    traffic: 1,
    ratioNoise: 0.15,
    rateNoise: 0.1,
    warehouseIncidents: 2,
    regionIncidents: 0,
    promotionsPerDay: 1,
    drifts: false,
    gaps: 0,
    lateShare: 0.02,
    warmupHours: 3,
  },
  'region-day': {
    start: '2026-11-18T00:00:00Z',
    days: 1,
    network: 'retail',
    traffic: 1,
    ratioNoise: 0.15,
    rateNoise: 0.1,
    warehouseIncidents: 0,
    regionIncidents: 2,
    promotionsPerDay: 1,
    drifts: false,
    gaps: 0,
    lateShare: 0.02,
    warmupHours: 3,
  },
  week: {
    start: '2026-11-16T00:00:00Z',
    days: 7,
    network: { warehouses: 8, regions: 4 },
    traffic: 1,
    ratioNoise: 0.15,
    rateNoise: 0.1,
    warehouseIncidents: 8,
    regionIncidents: 5,
    promotionsPerDay: 3,
    drifts: true,
    gaps: 4,
    lateShare: 0.03,
    warmupHours: 6,
  },
  'subtle-week': {
    start: '2026-11-23T00:00:00Z',
    days: 7,
    network: { warehouses: 6, regions: 3 },
    traffic: 1,
    ratioNoise: 0.15,
    rateNoise: 0.1,
    warehouseIncidents: 6,
    regionIncidents: 4,
    incidentStrength: [0.08, 0.2],
    promotionsPerDay: 2,
    drifts: true,
    gaps: 2,
    lateShare: 0.03,
    warmupHours: 6,
  },
  'low-traffic-noisy': {
    start: '2026-11-19T00:00:00Z',
    days: 2,
    network: { warehouses: 5, regions: 2 },
    traffic: 0.3,
    ratioNoise: 0.3,
    rateNoise: 0.3,
    warehouseIncidents: 2,
    regionIncidents: 2,
    promotionsPerDay: 1,
    drifts: true,
    gaps: 2,
    lateShare: 0.08,
    warmupHours: 6,
  },
};

interface WarehouseModel {
  warehouseId: string;
  home: string;
  /** Customer regions and their share of the warehouse's orders. */
  regionShares: { region: string; share: number }[];
  /** Orders a minute, averaged over local daytime (08:00–22:00). */
  dayRate: number;
  baseRatio: number;
  utcOffsetHours: number;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Order-rate multiplier by local hour: quiet nights (about 0.15), a late-morning and an evening peak (about
 * 1.4), averaging about 1 over 08:00–22:00 — so a warehouse's `dayRate` is its daytime average.
 */
export function dailyCycle(localHour: number): number {
  const bump = (centre: number, width: number) =>
    Math.exp(-((localHour - centre) ** 2) / (2 * width * width));
  return 0.15 + 0.85 * bump(11.5, 2.5) + 1.2 * bump(19.5, 2.2) + 0.6 * bump(15, 2);
}

function retailModel(draw: Draw): { warehouses: WarehouseModel[]; network: RetailNetwork } {
  const network = readNetwork();
  const warehouses = network.warehouses.map((w): WarehouseModel => {
    const others = Object.keys(w.shippingCost).filter((r) => r !== w.region);
    const own = others.length === 0 ? 1 : draw.uniform(0.8, 0.9);
    return {
      warehouseId: w.warehouseId,
      home: w.region,
      regionShares: [
        { region: w.region, share: own },
        ...others.map((region) => ({ region, share: (1 - own) / others.length })),
      ],
      // The walk-through's rates, as daytime averages.
      dayRate: baseOrdersPerMinute[w.warehouseId] ?? 2,
      baseRatio: draw.uniform(0.03, 0.06),
      utcOffsetHours: retailOffsets[w.region] ?? -6,
    };
  });
  return { warehouses, network };
}

const REGION_NAMES = ['north', 'south', 'east', 'west', 'central', 'coast', 'mountain', 'lakes'];

function randomModel(
  draw: Draw,
  shape: { warehouses: number; regions: number },
): { warehouses: WarehouseModel[]; network: RetailNetwork } {
  const regions = Array.from(
    { length: shape.regions },
    (_, i) => `${String(REGION_NAMES[i % REGION_NAMES.length])}-${i}`,
  );
  const offsets = new Map(regions.map((r) => [r, -draw.integer(4, 9)]));
  const warehouses = Array.from({ length: shape.warehouses }, (_, i): WarehouseModel => {
    // Every region gets a warehouse before any gets a second one.
    const home = i < regions.length ? itemAt(regions, i, 'region') : draw.pick(regions);
    const neighbours = regions.filter((r) => r !== home).filter(() => draw.uniform() < 0.6);
    const own = neighbours.length === 0 ? 1 : draw.uniform(0.7, 0.9);
    return {
      warehouseId: `WH-${String(i + 1).padStart(2, '0')}${draw.hex(2).toUpperCase()}`,
      home,
      regionShares: [
        { region: home, share: own },
        ...neighbours.map((region) => ({ region, share: (1 - own) / neighbours.length })),
      ],
      dayRate: draw.uniform(1, 3),
      baseRatio: draw.uniform(0.02, 0.08),
      utcOffsetHours: offsets.get(home) ?? -6,
    };
  });
  const network: RetailNetwork = {
    warehouses: warehouses.map((w) => ({
      warehouseId: w.warehouseId,
      region: w.home,
      capacity: 500,
      shippingCost: Object.fromEntries(w.regionShares.map((s) => [s.region, 400 + draw.integer(0, 400)])),
    })),
  };
  return { warehouses, network };
}

interface Interval {
  start: number;
  end: number;
}

const overlaps = (a: Interval, b: Interval, marginMs = 0): boolean =>
  a.start < b.end + marginMs && b.start < a.end + marginMs;

/** A start during local daytime (07:00–22:00) on a random day after the warm-up, clear of `taken`. */
function placeInterval(
  draw: Draw,
  spec: StreamSpec,
  startMs: number,
  utcOffsetHours: number,
  durationMs: number,
  taken: readonly Interval[],
  marginMs: number,
): Interval | undefined {
  const endMs = startMs + spec.days * DAY_MS;
  for (let attempt = 0; attempt < 200; attempt++) {
    const day = draw.integer(0, spec.days - 1);
    const localHour = draw.uniform(7, 22);
    const start = startMs + day * DAY_MS + (localHour - utcOffsetHours) * HOUR_MS;
    const interval = { start: Math.floor(start / MINUTE_MS) * MINUTE_MS, end: 0 };
    interval.end = interval.start + durationMs;
    if (interval.start < startMs + spec.warmupHours * HOUR_MS || interval.end > endMs - HOUR_MS) continue;
    if (taken.some((t) => overlaps(t, interval, marginMs))) continue;
    return interval;
  }
  return undefined;
}

/** An order as `order_placed` states it, when it was placed, and its cancellation if it has one. */
type Order = OrderPlacedDetail & { at: number; cancellation?: { at: number; reason: string } };

const SKUS = ['SKU-10231', 'SKU-10487', 'SKU-11002', 'SKU-11873', 'SKU-12040', 'SKU-12519', 'SKU-13366'];

/**
 * Builds one labelled stream. Incidents are placed in local daytime, at least three hours apart from each other
 * and two hours from gaps, so that every ground-truth incident is one unambiguous event.
 */
export function generateStream(spec: StreamSpec): GeneratedStream {
  const draw = new Draw(mulberry32(spec.seed));
  const startMs = Date.parse(spec.start);
  const endMs = startMs + spec.days * DAY_MS;
  const { warehouses, network } =
    spec.network === 'retail' ? retailModel(draw) : randomModel(draw, spec.network);
  const regions = [...new Set(warehouses.flatMap((w) => w.regionShares.map((s) => s.region)))].sort();
  const offsetOfRegion = (region: string) =>
    warehouses.find((w) => w.home === region)?.utcOffsetHours ??
    itemAt(warehouses, 0, 'warehouse').utcOffsetHours;
  const warehouseById = new Map(warehouses.map((w) => [w.warehouseId, w]));
  /** The UTC offset an incident's or promotion's local hours are placed in. */
  const offsetOfScope = (scope: TruthIncident['scope']) =>
    scope.type === 'warehouse'
      ? valueOf(warehouseById, scope.id, 'warehouse').utcOffsetHours
      : offsetOfRegion(scope.id);
  const weekly = Array.from({ length: 7 }, (_, day) =>
    day === 0 || day === 6 ? draw.uniform(1.05, 1.3) : draw.uniform(0.9, 1.05),
  );

  // Incidents first (so gaps keep clear of them), in scopes that have traffic.
  const incidents: { truth: TruthIncident; span: Interval }[] = [];
  const taken: Interval[] = [];
  const incidentScopes: TruthIncident['scope'][] = [
    ...Array.from({ length: spec.warehouseIncidents }, () => ({
      type: 'warehouse' as const,
      id: draw.pick(warehouses).warehouseId,
    })),
    ...Array.from({ length: spec.regionIncidents }, () => ({
      type: 'region' as const,
      // Region-wide means several warehouses serve it.
      id: draw.pick(
        regions.filter(
          (r) =>
            warehouses.filter((w) => w.regionShares.some((s) => s.region === r && s.share > 0.05)).length >=
            2,
        ),
      ),
    })),
  ];
  for (const scope of incidentScopes) {
    const offset = offsetOfScope(scope);
    const duration = draw.integer(4, 16) * 10 * MINUTE_MS;
    const interval = placeInterval(draw, spec, startMs, offset, duration, taken, 3 * HOUR_MS);
    if (!interval) continue;
    taken.push(interval);
    incidents.push({
      span: interval,
      truth: {
        id: `${scope.type}:${scope.id}@${isoSeconds(interval.start)}`,
        scope,
        start: isoSeconds(interval.start),
        end: isoSeconds(interval.end),
        extraCancellationsPerOrder:
          Math.round(draw.uniform(...(spec.incidentStrength ?? DEFAULT_INCIDENT_STRENGTH)) * 100) / 100,
      },
    });
  }
  incidents.sort((a, b) => a.span.start - b.span.start);

  const gaps: (Interval & { warehouseId?: string | undefined })[] = [];
  for (let g = 0; g < spec.gaps; g++) {
    const warehouseId = draw.uniform() < 0.5 ? undefined : draw.pick(warehouses).warehouseId;
    const duration = draw.integer(3, 9) * 10 * MINUTE_MS;
    for (let attempt = 0; attempt < 200; attempt++) {
      const start =
        Math.floor(draw.uniform(startMs + 2 * HOUR_MS, endMs - 2 * HOUR_MS) / MINUTE_MS) * MINUTE_MS;
      const gap = { start, end: start + duration, warehouseId };
      if (taken.some((t) => overlaps(t, gap, 2 * HOUR_MS))) continue;
      gaps.push(gap);
      break;
    }
  }

  const promotions: (Interval & { scope: TruthIncident['scope']; lift: number; cancelFactor: number })[] = [];
  const promotionCount = Math.round(spec.promotionsPerDay * spec.days);
  for (let p = 0; p < promotionCount; p++) {
    const byRegion = draw.uniform() < 0.3;
    const scope = byRegion
      ? { type: 'region' as const, id: draw.pick(regions) }
      : { type: 'warehouse' as const, id: draw.pick(warehouses).warehouseId };
    const offset = offsetOfScope(scope);
    const interval = placeInterval(
      draw,
      { ...spec, warmupHours: 2 },
      startMs,
      offset,
      draw.integer(2, 8) * 30 * MINUTE_MS,
      [],
      0,
    );
    if (!interval) continue;
    promotions.push({
      ...interval,
      scope,
      lift: Math.round(draw.uniform(2, 4) * 10) / 10,
      cancelFactor: draw.uniform(1, 1.25),
    });
  }

  const drifts = warehouses.flatMap((w) => {
    if (!spec.drifts || draw.uniform() < 0.4) return [];
    const length = Math.min(spec.days, draw.uniform(1, 3)) * DAY_MS;
    const start = startMs + draw.uniform(0, Math.max(0, spec.days * DAY_MS - length));
    const factor = draw.uniform() < 0.5 ? draw.uniform(0.6, 0.85) : draw.uniform(1.2, 1.6);
    return [{ warehouseId: w.warehouseId, start, end: start + length, factor }];
  });
  const driftOf = (warehouseId: string, at: number): number => {
    let factor = 1;
    for (const d of drifts) {
      if (d.warehouseId !== warehouseId || at < d.start) continue;
      factor *= 1 + (d.factor - 1) * Math.min(1, (at - d.start) / (d.end - d.start));
    }
    return factor;
  };

  // Noise that varies slowly: a log-normal factor per warehouse per quarter hour (rate) and per hour (ratio).
  const slots = Math.ceil((endMs - startMs) / (15 * MINUTE_MS));
  const rateNoise = new Map(
    warehouses.map((w) => [
      w.warehouseId,
      Array.from({ length: slots }, () => Math.exp(spec.rateNoise * draw.normal() - spec.rateNoise ** 2 / 2)),
    ]),
  );
  const ratioNoise = new Map(
    warehouses.map((w) => [
      w.warehouseId,
      Array.from({ length: Math.ceil(slots / 4) }, () =>
        Math.exp(spec.ratioNoise * draw.normal() - spec.ratioNoise ** 2 / 2),
      ),
    ]),
  );

  const orderIds = new Set<string>();
  const orders: Order[] = [];
  const promotionAt = (w: WarehouseModel, region: string, at: number) =>
    promotions.find(
      (p) =>
        at >= p.start &&
        at < p.end &&
        ((p.scope.type === 'warehouse' && p.scope.id === w.warehouseId) ||
          (p.scope.type === 'region' && p.scope.id === region)),
    );

  for (let minute = startMs; minute < endMs; minute += MINUTE_MS) {
    const slot = Math.floor((minute - startMs) / (15 * MINUTE_MS));
    const dayOfWeek = new Date(minute).getUTCDay();
    for (const w of warehouses) {
      const localHour = (((minute / HOUR_MS + w.utcOffsetHours) % 24) + 24) % 24;
      const baseRate =
        w.dayRate *
        spec.traffic *
        dailyCycle(localHour) *
        itemAt(weekly, dayOfWeek, 'weekday factor') *
        itemAt(valueOf(rateNoise, w.warehouseId, 'rate noise'), slot, 'rate noise slot');
      for (const { region, share } of w.regionShares) {
        const promotion = promotionAt(w, region, minute);
        const count = draw.poisson(baseRate * share * (promotion?.lift ?? 1));
        for (let n = 0; n < count; n++) {
          const at = minute + draw.integer(0, 59) * 1000;
          let orderId = `ord-${draw.hex(12)}`;
          while (orderIds.has(orderId)) orderId = `ord-${draw.hex(12)}`;
          orderIds.add(orderId);
          const lines = draw.integer(1, 3);
          const items = Array.from({ length: lines }, () => ({
            sku: draw.pick(SKUS),
            quantity: draw.uniform() < 0.7 ? 1 : draw.integer(2, 3),
          }));
          const order: Order = {
            orderId,
            customerId: `cust-${draw.integer(100000, 999999)}`,
            warehouseId: w.warehouseId,
            region,
            items,
            total: Math.round(items.reduce((sum, i) => sum + i.quantity * 9.99, 0) * 100) / 100,
            at,
          };
          const ratio =
            w.baseRatio *
            driftOf(w.warehouseId, at) *
            itemAt(
              valueOf(ratioNoise, w.warehouseId, 'ratio noise'),
              Math.floor(slot / 4),
              'ratio noise slot',
            ) *
            (promotion?.cancelFactor ?? 1);
          if (draw.uniform() < ratio) {
            const paymentFailed = draw.uniform() < 0.35;
            const delay = paymentFailed ? draw.uniform(1, 4) : 3 + Math.min(draw.exponential(15), 120);
            order.cancellation = {
              at: at + Math.round(delay * 60) * 1000,
              reason: paymentFailed ? 'payment_failed' : 'customer_request',
            };
          }
          orders.push(order);
        }
      }
    }
  }

  // Incidents: customers cancel orders still open (placed in the 90 minutes before, not yet cancelled) at
  // `extraCancellationsPerOrder` times the orders placed in scope, minute by minute, for the incident's length.
  for (const { truth: incident, span } of incidents) {
    const inScope = (o: Order) =>
      incident.scope.type === 'warehouse'
        ? o.warehouseId === incident.scope.id
        : o.region === incident.scope.id;
    const candidates = orders.filter(inScope);
    let cursor = 0;
    for (let minute = span.start; minute < span.end; minute += MINUTE_MS) {
      while ((candidates[cursor]?.at ?? Infinity) < minute - 90 * MINUTE_MS) cursor++;
      const placedThisMinute = candidates.filter((o) => o.at >= minute && o.at < minute + MINUTE_MS).length;
      const count = draw.poisson(incident.extraCancellationsPerOrder * Math.max(placedThisMinute, 0.5));
      for (let n = 0; n < count; n++) {
        const at = minute + draw.integer(0, 59) * 1000;
        const open: Order[] = [];
        for (let i = cursor; i < candidates.length; i++) {
          const o = itemAt(candidates, i, 'order in scope');
          if (o.at > at - MINUTE_MS) break;
          if ((o.cancellation?.at ?? Infinity) > at) open.push(o);
        }
        if (open.length > 0) draw.pick(open).cancellation = { at, reason: 'warehouse_delay' };
      }
    }
  }

  // Envelopes in event time, then delivery: a small jitter for all, minutes of delay for a few.
  let late = 0;
  let dropped = 0;
  const inGap = (warehouseId: string, at: number) =>
    gaps.some(
      (g) => at >= g.start && at < g.end && (g.warehouseId === undefined || g.warehouseId === warehouseId),
    );
  const deliveries: { arrival: number; seq: number; event: RetailEnvelope }[] = [];
  const deliver = (at: number, event: RetailEnvelope, warehouseId: string) => {
    if (at >= endMs) return;
    if (inGap(warehouseId, at)) {
      dropped++;
      return;
    }
    let arrival = at + draw.integer(0, 20) * 1000;
    if (draw.uniform() < spec.lateShare) {
      arrival += Math.round(draw.uniform(1, 20) * 60) * 1000;
      late++;
    }
    deliveries.push({ arrival, seq: deliveries.length, event });
  };
  let placed = 0;
  let cancelled = 0;
  for (const order of orders.sort((a, b) => a.at - b.at)) {
    const { cancellation, at, ...detail } = order;
    const before = deliveries.length;
    deliver(at, envelope(draw, at, { 'detail-type': 'order_placed', detail }), order.warehouseId);
    placed += deliveries.length - before;
    if (cancellation) {
      const count = deliveries.length;
      deliver(
        cancellation.at,
        envelope(draw, cancellation.at, {
          'detail-type': 'order_cancelled',
          detail: {
            orderId: order.orderId,
            warehouseId: order.warehouseId,
            region: order.region,
            reason: cancellation.reason,
          },
        }),
        order.warehouseId,
      );
      cancelled += deliveries.length - count;
    }
  }
  deliveries.sort((a, b) => a.arrival - b.arrival || a.seq - b.seq);

  return {
    events: deliveries.map((d) => d.event),
    truth: {
      spec,
      end: isoSeconds(endMs),
      network,
      incidents: incidents.map(({ truth }) => truth),
      promotions: promotions.map((p) => ({
        scope: p.scope,
        start: isoSeconds(p.start),
        end: isoSeconds(p.end),
        lift: p.lift,
      })),
      drifts: drifts.map((d) => ({
        warehouseId: d.warehouseId,
        start: isoSeconds(d.start),
        end: isoSeconds(d.end),
        factor: Math.round(d.factor * 100) / 100,
      })),
      gaps: gaps.map((g) => ({
        ...(g.warehouseId === undefined ? {} : { warehouseId: g.warehouseId }),
        start: isoSeconds(g.start),
        end: isoSeconds(g.end),
      })),
      counts: { placed, cancelled, late, dropped },
    },
  };
}

function envelope(
  draw: Draw,
  at: number,
  body:
    | {
        'detail-type': 'order_placed';
        detail: Extract<RetailEnvelope, { 'detail-type': 'order_placed' }>['detail'];
      }
    | {
        'detail-type': 'order_cancelled';
        detail: Extract<RetailEnvelope, { 'detail-type': 'order_cancelled' }>['detail'];
      },
): RetailEnvelope {
  return {
    version: '0',
    id: draw.uuid(),
    'detail-type': body['detail-type'],
    source: 'retail.orders',
    account: ACCOUNT,
    time: isoSeconds(at),
    region: AWS_REGION,
    resources: [],
    detail: body.detail,
  } as RetailEnvelope;
}

/** The spec of preset `name` with `seed`. */
export function presetSpec(name: string, seed: number): StreamSpec {
  return presetWithSeed(presets, name, seed);
}

/** Writes `<name>-<seed>.ndjson` (events, arrival order) and `<name>-<seed>.truth.json` into `directory`. */
export function writeStream(stream: GeneratedStream, directory: string): { events: string; truth: string } {
  return writeLabelledStream(stream.truth.spec, toNdjson(stream.events), stream.truth, directory);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  // Any field of a spec but its name and seed (the fields every preset sets, and the optional strength).
  const specFields = [
    ...new Set([...Object.values(presets).flatMap((preset) => Object.keys(preset)), 'incidentStrength']),
  ];
  // --set key=value (repeatable) overrides one field of the preset; values are JSON (`--set traffic=10`,
  // `--set 'network={"warehouses":20,"regions":6}'`) or else strings.
  const overrides = Object.fromEntries(
    args.flatMap((arg, i) => {
      if (args[i - 1] !== '--set') return [];
      const at = arg.indexOf('=');
      if (at <= 0) throw new RangeError(`--set ${arg}: expected key=value`);
      const key = arg.slice(0, at);
      if (!specFields.includes(key)) throw new RangeError(`--set ${arg}: one of ${specFields.join(', ')}`);
      const raw = arg.slice(at + 1);
      try {
        return [[key, JSON.parse(raw) as unknown]];
      } catch {
        return [[key, raw]];
      }
    }),
  ) as Partial<StreamSpec>;
  runStreamCommand(args, {
    presets,
    defaultPreset: 'week',
    defaultSeed: 1,
    generate: (name, seed) => generateStream({ ...presetSpec(name, seed), ...overrides }),
    write: writeStream,
    summary: (stream, paths) => {
      const { counts, incidents } = stream.truth;
      return (
        `wrote ${stream.events.length} events (${counts.placed} placed, ${counts.cancelled} cancelled, ${counts.late} late, ` +
        `${counts.dropped} dropped in gaps) to ${paths.events}; ${incidents.length} incidents in ${paths.truth}`
      );
    },
  });
}
