/**
 * A second generator of labelled order streams, written independently of `generate.ts` so the detector is not
 * scored only on the world it was tuned on. It shares nothing with it but the output: EventBridge envelopes
 * (NDJSON, source `retail.orders`, `order_placed` / `order_cancelled`) in arrival order, and a ground truth
 * whose incidents `bench/detection.ts` scores — each with a `kind`, so recall can be read per kind.
 *
 * The world it draws:
 * - a fleet of 6–20 warehouses named `WH-<region code>-<nn>` (`WH-USW-01`) in 3–5 customer regions spread over
 *   time zones; a few hub warehouses take 3–5× a typical warehouse's volume and serve several regions;
 * - arrivals: a non-homogeneous Poisson process per warehouse whose rate follows a piecewise-linear daily curve
 *   in its region's local time (knots jittered per region) and a weekend factor, plus Hawkes-like clusters —
 *   every order spawns Poisson(η) follow-up orders from the same region a minute or two later, recursively, so
 *   traffic comes in bursts;
 * - orders of 1–6 lines with log-normal prices; customers drawn from a Zipf-like pool per region;
 * - cancellations: a per-warehouse ratio (2.5–7%) times a per-region factor, hour-to-hour log-normal noise and
 *   slow drifts; ordinary delays are log-normal with a long tail (median ~18 min, some after hours), incident
 *   cancellations come faster (median ~4 min), and an incident also makes customers cancel orders still open
 *   from the 45 minutes before it (at half its extra chance, exponentially within its first minutes);
 * - not incidents: promotions (a warehouse or a region orders 2–4× more for 1–5 h, cancelling up to 25% more),
 *   drifts of a warehouse's ratio (×0.6–×1.8 over 12–48 h), upward drifts of a whole region, feed gaps (the whole
 *   feed or one warehouse silent for 15–150 min: events lost) and late delivery;
 * - incidents, by kind: `warehouse` (×4–×10 the usual ratio, 30–120 min), `short` (×8–×14, 10–25 min), `hub`
 *   (a warehouse incident at a hub), `drift` (a warehouse incident in a region whose ratio drifts upward),
 *   `region` (every customer of a region, ×3–×6, 30–120 min), `pair` (two warehouses of one region failing at
 *   once: two warehouse incidents) and `overlap` (two warehouses of one region, the second starting 10–40 min
 *   after the first).
 *
 *   npx tsx scenarios/generate-fleet.ts --list
 *   npx tsx scenarios/generate-fleet.ts --preset fleet-week --seed 3 --out /tmp/s
 *
 * Deterministic under the seed (its own sfc32 generator, never Math.random).
 */
import { poissonCount } from './draw';
import { itemAt, valueOf } from './lookup';
import { presetWithSeed, runStreamCommand, writeLabelledStream } from './stream-files';

/** Incident kinds the truth labels, so the bench can report recall per kind. */
export type FleetIncidentKind = 'warehouse' | 'short' | 'hub' | 'drift' | 'region' | 'pair' | 'overlap';

export interface FleetSpec {
  name: string;
  seed: number;
  /** UTC start of the stream. */
  start: string;
  days: number;
  warehouses: number;
  regions: number;
  /** Hub warehouses among `warehouses`. */
  hubs: number;
  /** Multiplies every order rate: at 1 a typical warehouse takes ~2 orders a minute at its daily peak. */
  traffic: number;
  /** Incidents to place, per kind. */
  incidents: Partial<Record<FleetIncidentKind, number>>;
  promotionsPerDay: number;
  warehouseDrifts: number;
  gaps: number;
  /** Share of events delivered late (log-normal, median 3 min). */
  lateShare: number;
  /** Hours at the start without incidents. */
  warmupHours: number;
}

export interface FleetIncident {
  id: string;
  kind: FleetIncidentKind;
  scope: { type: 'warehouse' | 'region'; id: string };
  start: string;
  end: string;
  /** Multiple of the scope's usual cancellation ratio during the incident. */
  factor: number;
  /** Cancellations added per order in scope (factor − 1 times the usual ratio), for the bench's lines. */
  extraCancellationsPerOrder: number;
}

export interface FleetTruth {
  generator: 'fleet';
  spec: FleetSpec;
  end: string;
  network: { warehouseId: string; region: string; hub: boolean; ordersPerMinute: number; ratio: number }[];
  regions: { region: string; utcOffsetHours: number }[];
  incidents: FleetIncident[];
  promotions: {
    scope: { type: 'warehouse' | 'region'; id: string };
    start: string;
    end: string;
    lift: number;
  }[];
  drifts: {
    scope: { type: 'warehouse' | 'region'; id: string };
    start: string;
    end: string;
    factor: number;
  }[];
  gaps: { warehouseId?: string; start: string; end: string }[];
  counts: { placed: number; cancelled: number; late: number; lost: number };
}

export interface FleetStream {
  /** One JSON envelope per element, in arrival order. */
  lines: string[];
  truth: FleetTruth;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Seeded randomness: sfc32 seeded through splitmix32. */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  gaussian(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.gaussian());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson by inversion for small means, a rounded normal above 40. */
  poisson(mean: number): number {
    return poissonCount(
      mean,
      () => this.next(),
      () => this.gaussian(),
      40,
    );
  }

  choose<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('nothing to choose from');
    return item;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }
}

/** Customer regions the fleet can span, with their time zones and warehouse codes. */
const REGION_POOL = [
  { region: 'us-west', code: 'USW', utcOffsetHours: -8 },
  { region: 'us-east', code: 'USE', utcOffsetHours: -5 },
  { region: 'sa-east', code: 'SAE', utcOffsetHours: -3 },
  { region: 'eu-west', code: 'EUW', utcOffsetHours: 0 },
  { region: 'eu-central', code: 'EUC', utcOffsetHours: 1 },
  { region: 'ap-southeast', code: 'APS', utcOffsetHours: 8 },
  { region: 'ap-northeast', code: 'APN', utcOffsetHours: 9 },
] as const;

/** Daily order-rate curve: knots (local hour, relative rate), linear in between; jittered per region. */
const DAILY_KNOTS: readonly [number, number][] = [
  [0, 0.3],
  [4, 0.1],
  [7, 0.35],
  [10, 1],
  [13, 1.15],
  [16, 0.9],
  [20, 1.3],
  [22.5, 0.8],
  [24, 0.3],
];

function curveAt(knots: readonly (readonly [number, number])[], hour: number): number {
  let previous: readonly [number, number] | undefined;
  for (const knot of knots) {
    const [h1, v1] = knot;
    if (previous !== undefined && hour <= h1) {
      const [h0, v0] = previous;
      return v0 + ((v1 - v0) * (hour - h0)) / (h1 - h0);
    }
    previous = knot;
  }
  if (previous === undefined) throw new RangeError('a daily curve needs at least one knot');
  return previous[1];
}

interface Span {
  start: number;
  end: number;
}
const overlaps = (a: Span, b: Span, margin = 0) => a.start < b.end + margin && b.start < a.end + margin;

interface Warehouse {
  warehouseId: string;
  region: string;
  hub: boolean;
  /** Orders a minute at a daily-curve value of 1. */
  rate: number;
  ratio: number;
  /** Customer regions served and their shares. */
  serves: { region: string; share: number }[];
}

/** An incident as placed: its span in epoch ms, and the region it belongs to (its warehouse's, or itself). */
type PlacedIncident = Omit<FleetIncident, 'start' | 'end'> & Span & { regionOf: string };

/** A multiplicative effect on a scope over a span: ramps from 1 to `factor` over the span, then stays. */
interface Ramp extends Span {
  scope: { type: 'warehouse' | 'region'; id: string };
  factor: number;
}

/** Orders placed this long before an incident are still open when it begins. */
const BACKLOG_MS = 45 * MIN;
/** Share of the incident's extra cancellation chance that open orders suffer (the rest hits new orders). */
const BACKLOG_SHARE = 0.5;

const CANCEL_REASONS = ['customer_request', 'customer_request', 'payment_failed', 'address_issue'] as const;

/** Generates one labelled stream. */
export function generateFleetStream(spec: FleetSpec): FleetStream {
  const rnd = new Random(spec.seed * 7919 + 17);
  const startMs = Date.parse(spec.start);
  const endMs = startMs + spec.days * DAY;

  // --- the network -------------------------------------------------------------------------------------
  const pool = [...REGION_POOL];
  const regions: (typeof REGION_POOL)[number][] = [];
  while (regions.length < spec.regions)
    regions.push(itemAt(pool.splice(rnd.int(0, pool.length - 1), 1), 0, 'region'));
  const offsetOf = new Map<string, number>(regions.map((r) => [r.region, r.utcOffsetHours]));
  const knotsOf = new Map<string, [number, number][]>(
    regions.map((r) => [
      r.region,
      DAILY_KNOTS.map(([h, v], i): [number, number] => [
        i === 0 || i === DAILY_KNOTS.length - 1 ? h : h + rnd.between(-0.7, 0.7),
        v * rnd.between(0.8, 1.2),
      ]),
    ]),
  );
  const regionCancelFactor = new Map(regions.map((r) => [r.region as string, rnd.between(0.8, 1.25)]));
  const warehouses: Warehouse[] = [];
  const perRegion = new Map<string, number>();
  for (let i = 0; i < spec.warehouses; i++) {
    // Two warehouses per region first (so every region can host a pair), then anywhere.
    const home = i < 2 * regions.length ? itemAt(regions, i % regions.length, 'region') : rnd.choose(regions);
    const n = (perRegion.get(home.region) ?? 0) + 1;
    perRegion.set(home.region, n);
    const hub = i >= spec.warehouses - spec.hubs;
    const others = regions.filter((r) => r.region !== home.region);
    const homeShare = hub ? rnd.between(0.4, 0.6) : rnd.between(0.7, 0.92);
    const served = hub ? others.slice(0, Math.min(others.length, 3)) : [rnd.choose(others)];
    const weights = served.map((r) => ({ region: r.region, weight: rnd.between(0.5, 1.5) }));
    const total = weights.reduce((s, w) => s + w.weight, 0);
    warehouses.push({
      warehouseId: `WH-${home.code}-${String(n).padStart(2, '0')}`,
      region: home.region,
      hub,
      rate: spec.traffic * rnd.logNormal(1.6, 0.3) * (hub ? rnd.between(3, 5) : 1),
      ratio: rnd.between(0.025, 0.07),
      serves: [
        { region: home.region, share: homeShare },
        ...weights.map(({ region, weight }) => ({ region, share: ((1 - homeShare) * weight) / total })),
      ],
    });
  }

  // --- what is not an incident --------------------------------------------------------------------------
  const gaps: (Span & { warehouseId?: string })[] = [];
  for (let g = 0; g < spec.gaps; g++) {
    const start = startMs + rnd.between(spec.warmupHours * HOUR, spec.days * DAY - 3 * HOUR);
    const whole = rnd.next() < 0.4;
    const length = whole ? rnd.between(15, 60) * MIN : rnd.between(30, 150) * MIN;
    gaps.push({
      start,
      end: start + length,
      ...(whole ? {} : { warehouseId: rnd.choose(warehouses).warehouseId }),
    });
  }
  const promotions: (Span & { scope: Ramp['scope']; lift: number; cancelLift: number })[] = [];
  const promotionCount = Math.round(spec.promotionsPerDay * spec.days);
  for (let p = 0; p < promotionCount; p++) {
    const start = startMs + rnd.between(0, spec.days * DAY - 2 * HOUR);
    const regional = rnd.next() < 0.35;
    promotions.push({
      start,
      end: start + rnd.between(1, 5) * HOUR,
      scope: regional
        ? { type: 'region', id: rnd.choose(regions).region }
        : { type: 'warehouse', id: rnd.choose(warehouses).warehouseId },
      lift: rnd.between(2, 4),
      cancelLift: rnd.between(1, 1.25),
    });
  }
  const drifts: Ramp[] = [];
  for (let d = 0; d < spec.warehouseDrifts; d++) {
    const start = startMs + rnd.between(0, spec.days * DAY * 0.7);
    drifts.push({
      start,
      end: start + rnd.between(12, 48) * HOUR,
      scope: { type: 'warehouse', id: rnd.choose(warehouses).warehouseId },
      factor: rnd.next() < 0.5 ? rnd.between(0.6, 0.9) : rnd.between(1.2, 1.8),
    });
  }

  // --- incidents ----------------------------------------------------------------------------------------
  const incidents: PlacedIncident[] = [];
  const clearOf = (span: Span, region: string, ids: readonly string[]) =>
    incidents.every((i) => i.regionOf !== region || !overlaps(i, span, 3 * HOUR)) &&
    incidents.every((i) => !ids.includes(i.scope.id) || !overlaps(i, span, 3 * HOUR)) &&
    gaps.every(
      (g) => (g.warehouseId !== undefined && !ids.includes(g.warehouseId)) || !overlaps(g, span, HOUR),
    );
  /** A start in the region's local daytime (08:00–21:00), after the warm-up, ending an hour before the stream. */
  const startIn = (region: string) =>
    startMs +
    rnd.int(0, spec.days - 1) * DAY +
    (rnd.between(8, 21) - valueOf(offsetOf, region, 'UTC offset')) * HOUR;
  const fits = (s: Span) => s.start >= startMs + spec.warmupHours * HOUR && s.end <= endMs - HOUR;
  const add = (
    kind: FleetIncidentKind,
    scope: FleetIncident['scope'],
    span: Span,
    factor: number,
    baseRatio: number,
    regionOf: string,
  ) => {
    const round = (x: number) => Math.round(x * 1000) / 1000;
    incidents.push({
      id: `${kind}-${incidents.length + 1}`,
      kind,
      scope,
      start: span.start,
      end: span.end,
      factor: round(factor),
      extraCancellationsPerOrder: round((factor - 1) * baseRatio),
      regionOf,
    });
  };
  const plans = Object.entries(spec.incidents) as [FleetIncidentKind, number][];
  const homeOf = (region: string, hubs: boolean | undefined) =>
    warehouses.filter((w) => w.region === region && (hubs === undefined || w.hub === hubs));
  for (const [kind, count] of plans) {
    for (let placed = 0, attempt = 0; placed < count && attempt < 400; attempt++) {
      const region = rnd.choose(regions).region;
      const length =
        kind === 'short' ? rnd.between(10, 25) * MIN : rnd.between(kind === 'pair' ? 40 : 30, 120) * MIN;
      const start = Math.round(startIn(region) / 1000) * 1000;
      const span = { start, end: start + length };
      if (!fits(span)) continue;
      if (kind === 'region') {
        const ids = homeOf(region, undefined).map((w) => w.warehouseId);
        if (!clearOf(span, region, ids)) continue;
        const factor = rnd.between(3, 6);
        add(kind, { type: 'region', id: region }, span, factor, 0.045, region);
      } else if (kind === 'pair' || kind === 'overlap') {
        const candidates = homeOf(region, false);
        if (candidates.length < 2) continue;
        const first = rnd.choose(candidates);
        const second = rnd.choose(candidates.filter((w) => w !== first));
        const delay = kind === 'pair' ? rnd.between(0, 3) * MIN : rnd.between(10, 40) * MIN;
        const other = { start: span.start + delay, end: span.start + delay + rnd.between(40, 100) * MIN };
        if (
          !fits(other) ||
          !clearOf({ start: span.start, end: Math.max(span.end, other.end) }, region, [
            first.warehouseId,
            second.warehouseId,
          ])
        )
          continue;
        for (const [failing, failingSpan] of [
          [first, span],
          [second, other],
        ] as const)
          add(
            kind,
            { type: 'warehouse', id: failing.warehouseId },
            failingSpan,
            rnd.between(4, 10),
            failing.ratio,
            region,
          );
      } else {
        const candidates = homeOf(region, kind === 'hub' ? true : kind === 'warehouse' ? false : undefined);
        if (candidates.length === 0) continue;
        const target = rnd.choose(candidates);
        if (!clearOf(span, region, [target.warehouseId])) continue;
        const factor = kind === 'short' ? rnd.between(8, 14) : rnd.between(4, 10);
        add(kind, { type: 'warehouse', id: target.warehouseId }, span, factor, target.ratio, region);
        if (kind === 'drift') {
          // The region's customers have been cancelling more and more for hours, and keep drifting meanwhile.
          const rampStart = span.start - rnd.between(3, 8) * HOUR;
          drifts.push({
            start: rampStart,
            end: span.end + rnd.between(1, 4) * HOUR,
            scope: { type: 'region', id: region },
            factor: rnd.between(1.6, 2.4),
          });
        }
      }
      placed++;
    }
  }

  // --- orders -------------------------------------------------------------------------------------------
  const hourNoise = new Map<string, number>();
  const noiseAt = (warehouseId: string, t: number) => {
    const key = `${warehouseId}|${Math.floor(t / HOUR)}`;
    let value = hourNoise.get(key);
    if (value === undefined) {
      value = Math.exp(0.15 * rnd.gaussian());
      hourNoise.set(key, value);
    }
    return value;
  };
  const rampAt = (ramps: readonly Ramp[], type: 'warehouse' | 'region', id: string, t: number) => {
    let factor = 1;
    for (const r of ramps) {
      if (r.scope.type !== type || r.scope.id !== id || t < r.start) continue;
      factor *= 1 + (r.factor - 1) * Math.min(1, (t - r.start) / (r.end - r.start));
    }
    return factor;
  };
  /** Whether `scope` covers the orders of warehouse `w` from customers in `region`. */
  const covers = (scope: { type: 'warehouse' | 'region'; id: string }, w: Warehouse, region: string) =>
    scope.type === 'warehouse' ? scope.id === w.warehouseId : scope.id === region;
  const promotionAt = (w: Warehouse, region: string, t: number) => {
    let lift = 1;
    let cancelLift = 1;
    for (const p of promotions) {
      if (t < p.start || t >= p.end) continue;
      if (covers(p.scope, w, region)) {
        lift *= p.lift;
        cancelLift *= p.cancelLift;
      }
    }
    return { lift, cancelLift };
  };
  const incidentFactor = (w: Warehouse, region: string, t: number) => {
    let factor = 1;
    for (const i of incidents) {
      if (t < i.start || t >= i.end) continue;
      if (covers(i.scope, w, region)) factor = Math.max(factor, i.factor);
    }
    return factor;
  };

  /** The incident of the order's warehouse or customer region that starts within BACKLOG_MS after `t`. */
  const incidentStartingAfter = (w: Warehouse, region: string, t: number) =>
    incidents.find(
      (i) =>
        t < i.start &&
        t >= i.start - BACKLOG_MS &&
        ((i.scope.type === 'warehouse' && i.scope.id === w.warehouseId) ||
          (i.scope.type === 'region' && i.scope.id === region)),
    );

  type Order = { at: number; w: Warehouse; region: string };
  const orders: Order[] = [];
  const BRANCHING = 0.3;
  const spawn = (order: Order, depth: number) => {
    orders.push(order);
    if (depth > 6) return;
    for (let c = rnd.poisson(BRANCHING); c > 0; c--) {
      const at = order.at + Math.round(rnd.exponential(100_000));
      if (at < endMs) spawn({ at, w: order.w, region: order.region }, depth + 1);
    }
  };
  for (const w of warehouses) {
    const weekendFactor = rnd.between(0.75, 1.3);
    const serves = w.serves.map((served) => ({
      ...served,
      offset: valueOf(offsetOf, served.region, 'UTC offset'),
      knots: valueOf(knotsOf, served.region, 'daily curve'),
    }));
    for (let minute = startMs; minute < endMs; minute += MIN) {
      for (const { region, share, offset, knots } of serves) {
        const local = ((((minute - startMs) / HOUR + offset) % 24) + 24) % 24;
        const weekday = new Date(minute + offset * HOUR).getUTCDay();
        const rate =
          w.rate *
          share *
          curveAt(knots, local) *
          (weekday === 0 || weekday === 6 ? weekendFactor : 1) *
          promotionAt(w, region, minute).lift *
          (1 - BRANCHING);
        for (let k = rnd.poisson(rate); k > 0; k--) spawn({ at: minute + rnd.int(0, 59_999), w, region }, 0);
      }
    }
  }
  orders.sort((a, b) => a.at - b.at);

  // --- events -------------------------------------------------------------------------------------------
  const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const lost = (warehouseId: string, t: number) =>
    gaps.some(
      (g) => t >= g.start && t < g.end && (g.warehouseId === undefined || g.warehouseId === warehouseId),
    );
  const out: { arrival: number; n: number; line: string }[] = [];
  const counts = { placed: 0, cancelled: 0, late: 0, lost: 0 };
  const emit = (
    t: number,
    detailType: 'order_placed' | 'order_cancelled',
    warehouseId: string,
    detail: object,
  ) => {
    if (t >= endMs) return;
    if (lost(warehouseId, t)) {
      counts.lost++;
      return;
    }
    let arrival = t + rnd.int(0, 30_000);
    if (rnd.next() < spec.lateShare) {
      arrival += Math.round(rnd.logNormal(3, 1) * MIN);
      counts.late++;
    }
    counts[detailType === 'order_placed' ? 'placed' : 'cancelled']++;
    const h = rnd.hex(32);
    out.push({
      arrival,
      n: out.length,
      line: JSON.stringify({
        version: '0',
        id: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`,
        'detail-type': detailType,
        source: 'retail.orders',
        account: '210987654321',
        time: iso(t),
        region: 'eu-west-1',
        resources: [],
        detail,
      }),
    });
  };
  const regionCode = new Map(regions.map((r) => [r.region as string, r.code as string]));
  let sequence = 0;
  for (const { at, w, region } of orders) {
    const orderId = `o-${rnd.hex(6)}-${(sequence++).toString(36)}`;
    const lines = Math.min(6, 1 + rnd.poisson(0.9));
    const items = Array.from({ length: lines }, () => ({
      sku: `P${rnd.int(10000, 99999)}`,
      quantity: rnd.next() < 0.8 ? 1 : rnd.int(2, 4),
      price: Math.round(rnd.logNormal(24, 0.8) * 100) / 100,
    }));
    const total = Math.round(items.reduce((s, i) => s + i.quantity * i.price, 0) * 100) / 100;
    const customer = Math.floor(Math.pow(rnd.next(), 2.2) * 50_000);
    emit(at, 'order_placed', w.warehouseId, {
      orderId,
      customerId: `c-${valueOf(regionCode, region, 'region code').toLowerCase()}-${customer}`,
      warehouseId: w.warehouseId,
      region,
      items: items.map(({ sku, quantity }) => ({ sku, quantity })),
      total,
      currency: 'USD',
    });
    const usual =
      w.ratio *
      valueOf(regionCancelFactor, region, 'cancellation factor') *
      noiseAt(w.warehouseId, at) *
      rampAt(drifts, 'warehouse', w.warehouseId, at) *
      rampAt(drifts, 'region', region, at) *
      promotionAt(w, region, at).cancelLift;
    const during = incidentFactor(w, region, at);
    const chance = Math.min(0.9, usual * during);
    const u = rnd.next();
    let cancellation: { at: number; becauseOfIncident: boolean } | undefined;
    if (u < chance) {
      const becauseOfIncident = u >= usual;
      cancellation = {
        becauseOfIncident,
        at:
          at +
          (becauseOfIncident
            ? rnd.logNormal(4 * MIN, 0.7)
            : Math.min(2 * DAY, rnd.logNormal(18 * MIN, 1.3) + 20_000)),
      };
    } else {
      // Open orders: customers whose recent order is stuck when an incident begins cancel it in its first
      // minutes, so the ratio in the scope's windows is up from the start, not only once new orders age.
      const backlog = incidentStartingAfter(w, region, at);
      if (backlog && rnd.next() < Math.min(0.9, (backlog.factor - 1) * usual) * BACKLOG_SHARE) {
        const when = backlog.start + rnd.exponential(8 * MIN);
        if (when < backlog.end) cancellation = { becauseOfIncident: true, at: when };
      }
    }
    if (cancellation === undefined) continue;
    emit(cancellation.at, 'order_cancelled', w.warehouseId, {
      orderId,
      warehouseId: w.warehouseId,
      region,
      reason: cancellation.becauseOfIncident
        ? rnd.choose(['warehouse_delay', 'out_of_stock', 'carrier_outage'])
        : rnd.choose(CANCEL_REASONS),
    });
  }
  out.sort((a, b) => a.arrival - b.arrival || a.n - b.n);

  const spanOut = <T extends Span>({ start, end, ...rest }: T) => ({
    ...rest,
    start: iso(start),
    end: iso(end),
  });
  return {
    lines: out.map((e) => e.line),
    truth: {
      generator: 'fleet',
      spec,
      end: iso(endMs),
      network: warehouses.map((w) => ({
        warehouseId: w.warehouseId,
        region: w.region,
        hub: w.hub,
        ordersPerMinute: Math.round(w.rate * 100) / 100,
        ratio: Math.round(w.ratio * 1000) / 1000,
      })),
      regions: regions.map((r) => ({ region: r.region, utcOffsetHours: r.utcOffsetHours })),
      incidents: incidents
        .sort((a, b) => a.start - b.start)
        .map(({ regionOf: _regionOf, ...i }): FleetIncident => spanOut(i)),
      promotions: promotions.map(({ cancelLift: _c, ...p }) => ({
        ...spanOut(p),
        lift: Math.round(p.lift * 100) / 100,
      })),
      drifts: drifts.map((d) => ({ ...spanOut(d), factor: Math.round(d.factor * 100) / 100 })),
      gaps: gaps.map((g) => spanOut(g)),
      counts,
    },
  };
}

/** Presets the bench uses; each takes a seed. */
export const fleetPresets: Record<string, Omit<FleetSpec, 'name' | 'seed'>> = {
  'fleet-day': {
    start: '2026-12-01T00:00:00Z',
    days: 1,
    warehouses: 6,
    regions: 3,
    hubs: 1,
    traffic: 1,
    incidents: { warehouse: 1, short: 1, hub: 1, region: 1 },
    promotionsPerDay: 2,
    warehouseDrifts: 1,
    gaps: 1,
    lateShare: 0.02,
    warmupHours: 6,
  },
  'fleet-week': {
    start: '2026-12-07T00:00:00Z',
    days: 5,
    warehouses: 12,
    regions: 4,
    hubs: 2,
    traffic: 1,
    incidents: { warehouse: 4, short: 2, hub: 2, drift: 2, region: 2, pair: 1, overlap: 1 },
    promotionsPerDay: 3,
    warehouseDrifts: 4,
    gaps: 3,
    lateShare: 0.02,
    warmupHours: 8,
  },
  'fleet-wide': {
    start: '2026-12-14T00:00:00Z',
    days: 2,
    warehouses: 20,
    regions: 5,
    hubs: 3,
    traffic: 1.2,
    incidents: { warehouse: 3, short: 1, hub: 2, drift: 1, region: 2, pair: 2, overlap: 1 },
    promotionsPerDay: 4,
    warehouseDrifts: 4,
    gaps: 2,
    lateShare: 0.03,
    warmupHours: 8,
  },
  'fleet-thin': {
    start: '2026-12-20T00:00:00Z',
    days: 3,
    warehouses: 8,
    regions: 3,
    hubs: 1,
    traffic: 0.5,
    incidents: { warehouse: 3, short: 1, hub: 1, drift: 1, region: 1, pair: 1 },
    promotionsPerDay: 2,
    warehouseDrifts: 2,
    gaps: 2,
    lateShare: 0.04,
    warmupHours: 8,
  },
};

export function fleetPresetSpec(name: string, seed: number): FleetSpec {
  return presetWithSeed(fleetPresets, name, seed);
}

/** Writes `<name>-<seed>.ndjson` (arrival order) and `<name>-<seed>.truth.json` into `directory`. */
export function writeFleetStream(stream: FleetStream, directory: string): { events: string; truth: string } {
  return writeLabelledStream(stream.truth.spec, stream.lines.join('\n') + '\n', stream.truth, directory);
}

if (require.main === module) {
  runStreamCommand(process.argv.slice(2), {
    presets: fleetPresets,
    defaultPreset: 'fleet-week',
    defaultSeed: 1,
    generate: (name, seed) => generateFleetStream(fleetPresetSpec(name, seed)),
    write: writeFleetStream,
    summary: (stream, paths) => {
      const { counts, incidents } = stream.truth;
      return (
        `wrote ${stream.lines.length} events (${counts.placed} placed, ${counts.cancelled} cancelled, ${counts.late} late, ` +
        `${counts.lost} lost in gaps) to ${paths.events}; ${incidents.length} incidents in ${paths.truth}`
      );
    },
  });
}
