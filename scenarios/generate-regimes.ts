/**
 * A third generator of labelled order streams, written without reading the detector or the two other generators'
 * models (only the event contracts and the output format the bench reads), so that the detector is held to a
 * world neither its tuning nor the other generators drew:
 *
 * - **Network.** 6–16 warehouses named after a city (`LHR2`, `SIN1`) in 3–6 customer regions spread over the
 *   world's time zones (UTC−8 to UTC+10). Warehouse sizes are Pareto-distributed (a few very large, many small);
 *   each ships 70–95% of its orders to its own region and the rest to one or two neighbouring regions.
 * - **Arrivals.** A Markov-modulated Poisson process: each customer region switches between calm, normal and busy
 *   regimes (×0.65 / ×1 / ×1.45, mean dwell 45 min), on top of a two-peak daily curve in the region's local time
 *   (peak hours drawn per region) and a day-of-week factor per region (some order more at weekends, some less).
 *   Customers check out in sessions of 1–4 orders within two minutes; baskets are heavy-tailed (Pareto number of
 *   lines, geometric quantities, log-normal prices).
 * - **Ordinary cancellations.** Decided at checkout: a per-warehouse ratio (Beta, mean 4%) × a per-region factor ×
 *   an Ornstein–Uhlenbeck noise on the log ratio (τ 2 h, σ 0.2) × drifts, a little higher for big baskets;
 *   delays are a mixture — payment failures within minutes, customer requests log-normal with a tail of hours.
 *   Some sessions are duplicate checkouts: the customer cancels one of the two orders within five minutes.
 * - **Incidents as a hazard on open orders.** An order stays open until it ships (exponential, mean 40 min);
 *   during an incident every open order in its scope is cancelled with a per-minute hazard, so an incident
 *   hits the orders already waiting from its first minute. The hazard is set so that the incident adds
 *   (factor − 1) × the scope's usual ratio cancellations per order; a ramp raises it linearly.
 * - **Not incidents.** Promotions (a warehouse or a region orders 1.8–4× more for 1–4 h, and promotion orders
 *   cancel 1.1–1.6× as often: orders AND cancellations rise), warehouse drifts (×0.6–×1.9, ramping over
 *   3–24 h), feed gaps (whole feed or one warehouse, 10–60 min: events lost, or held back and delivered in one
 *   burst when the feed returns), late delivery (log-normal, median 4 min) and duplicate deliveries (the same
 *   envelope twice, as at-least-once delivery allows).
 * - **Incident kinds** (`kind` in the truth): `step` (a warehouse at ×4–×9 for 25–100 min), `ramp` (a warehouse
 *   whose extra cancellations climb over 20–40 min to ×5–×9, then hold), `quiet` (a warehouse in the smallest
 *   third of the network, ×6–×12), `promo` (a warehouse failing during its own promotion), `double` (two
 *   warehouses of one region, the second starting 5–30 min after the first: two incidents), `region` (every
 *   customer of a region, ×3–×5), `region-ramp` (the same, climbing over 20–40 min) and `region-drift` (a region
 *   incident while one of its warehouses drifts upward — the drift is not an incident).
 *
 * Every incident carries enough evidence to be found: its expected extra cancellations are at least
 * `minExtraCancellations`, and its expected cancellations over its span are plain at the usual ratio (Poisson
 * tail at most 10^`maxEvidenceLog10P`); it is lengthened, or placed elsewhere, until they are. Incidents that could
 * not be placed are listed in the truth (`unplaced`), never dropped silently.
 *
 *   npx tsx scenarios/generate-regimes.ts --list
 *   npx tsx scenarios/generate-regimes.ts --preset regime-week --seed 701 --out /tmp/s
 *   npx tsx bench/detection.ts --detail /tmp/s/regime-week-701.ndjson:/tmp/s/regime-week-701.truth.json
 *
 * Deterministic under the seed (mulberry32 from `draw.ts`, never Math.random).
 */
import { Draw, mulberry32 } from './draw';
import { itemAt, valueOf } from './lookup';
import { presetWithSeed, runStreamCommand, writeLabelledStream } from './stream-files';

/** Incident kinds the truth labels, so the bench can report recall per kind. */
export type RegimeIncidentKind =
  'step' | 'ramp' | 'quiet' | 'promo' | 'double' | 'region' | 'region-ramp' | 'region-drift';

/** What to generate: every number is a knob of the world, not of the detector. */
export interface RegimeSpec {
  name: string;
  seed: number;
  /** UTC start, at a midnight. */
  start: string;
  days: number;
  warehouses: number;
  regions: number;
  /** Orders a minute over the whole network, averaged over a day. */
  ordersPerMinute: number;
  /** Incidents to place, per kind (`double` counts pairs). */
  incidents: Partial<Record<RegimeIncidentKind, number>>;
  promotionsPerDay: number;
  /** Warehouse drifts over the stream (besides the ones `region-drift` incidents bring). */
  drifts: number;
  gaps: number;
  /** Share of events delivered late (log-normal delay, median 4 min). */
  lateShare: number;
  /** Share of events delivered twice. */
  duplicateShare: number;
  /** Hours at the start without incidents. */
  warmupHours: number;
  /** Least expected extra cancellations an incident must bring to be labelled. */
  minExtraCancellations: number;
  /**
   * Largest log10 Poisson tail probability of the incident's expected cancellations over its span, at the scope's
   * usual ratio, for it to be labelled: an incident must be plain over its whole span to an observer who knew
   * where and when to look (see `evidenceLog10P`), whatever the detector; weaker incidents are lengthened (up to
   * twice their drawn length) or placed elsewhere. The presets use −10: with 12 extra cancellations as the only
   * floor, half the incidents showed less than 10^−6 over their whole span once drawn (regimes, noise), a level
   * chance reaches somewhere in a stream every day or so — labels no detector could honour within 0.2 false
   * alarms a day. At −10, measured against the usual ratio the simulation produces (round 7; before it, baskets and
   * duplicate checkouts were left out), 4 of the 40 training incidents still do once drawn: hard, not hopeless.
   */
  maxEvidenceLog10P: number;
}

export interface RegimeIncident {
  id: string;
  kind: RegimeIncidentKind;
  scope: { type: 'warehouse' | 'region'; id: string };
  start: string;
  end: string;
  /** Multiple of the scope's usual cancellation ratio once fully developed. */
  factor: number;
  /** Minutes over which the hazard climbs to its full value (0: a step). */
  rampMinutes: number;
  /** Cancellations added per order in scope once developed: (factor − 1) × the usual ratio. */
  extraCancellationsPerOrder: number;
  /** Expected extra cancellations over the incident, from the deterministic rates (no regimes). */
  expectedExtraCancellations: number;
  /**
   * log10 of the Poisson probability of at least the expected cancellations (usual + extra) over the incident's
   * span at the usual ratio alone: how plainly the whole incident shows to anyone who knew where to look.
   */
  evidenceLog10P: number;
}

type Scope = { type: 'warehouse' | 'region'; id: string };

export interface RegimeTruth {
  generator: 'regimes';
  spec: RegimeSpec;
  end: string;
  regions: { region: string; utcOffsetHours: number; peakHours: [number, number]; ratioFactor: number }[];
  network: {
    warehouseId: string;
    region: string;
    ordersPerMinute: number;
    ratio: number;
    shares: Record<string, number>;
  }[];
  incidents: RegimeIncident[];
  unplaced: { kind: RegimeIncidentKind; reason: string }[];
  promotions: { scope: Scope; start: string; end: string; lift: number; cancelLift: number }[];
  drifts: { warehouseId: string; start: string; end: string; factor: number }[];
  gaps: { warehouseId?: string; start: string; end: string; mode: 'lost' | 'backfill' }[];
  counts: {
    placed: number;
    cancelled: number;
    late: number;
    lost: number;
    backfilled: number;
    duplicated: number;
  };
}

export interface RegimeStream {
  /** One JSON envelope per element, in arrival order. */
  lines: string[];
  truth: RegimeTruth;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const MEAN_OPEN_MINUTES = 40;
const REGIME_MULTIPLIERS = [0.65, 1, 1.45] as const;
const REGIME_DWELL_MINUTES = 45;
const OU_TAU_MINUTES = 120;
const OU_SIGMA = 0.2;

/** Customer regions to draw from, with their UTC offsets and warehouse cities. */
const regionCatalogue: readonly { region: string; offset: number; cities: readonly string[] }[] = [
  { region: 'us-west', offset: -8, cities: ['SEA', 'LAX', 'SFO', 'PDX'] },
  { region: 'us-central', offset: -6, cities: ['DFW', 'ORD', 'MSP'] },
  { region: 'us-east', offset: -5, cities: ['JFK', 'ATL', 'BOS', 'MIA'] },
  { region: 'sa-east', offset: -3, cities: ['GRU', 'EZE'] },
  { region: 'eu-west', offset: 0, cities: ['LHR', 'DUB', 'LIS'] },
  { region: 'eu-central', offset: 1, cities: ['FRA', 'AMS', 'MXP', 'WAW'] },
  { region: 'in-west', offset: 5.5, cities: ['BOM', 'DEL'] },
  { region: 'ap-southeast', offset: 8, cities: ['SIN', 'KUL'] },
  { region: 'ap-northeast', offset: 9, cities: ['NRT', 'ICN', 'KIX'] },
  { region: 'au-east', offset: 10, cities: ['SYD', 'MEL'] },
];

interface Region {
  region: string;
  offset: number;
  peaks: [number, number];
  /** Day-of-week factors, Sunday first, averaging 1. */
  weekly: number[];
  ratioFactor: number;
}

interface Warehouse {
  id: string;
  home: string;
  size: number;
  ratio: number;
  /** Customer region → share of the warehouse's orders. */
  shares: Map<string, number>;
}

interface Promotion {
  scope: Scope;
  start: number;
  end: number;
  lift: number;
  cancelLift: number;
}

interface Drift {
  warehouseId: string;
  start: number;
  rampEnd: number;
  holdEnd: number;
  end: number;
  factor: number;
}

interface Gap {
  warehouseId?: string;
  start: number;
  end: number;
  mode: 'lost' | 'backfill';
}

interface Incident {
  truth: RegimeIncident;
  start: number;
  end: number;
  /** Hazard per open order per minute once developed. */
  hazard: number;
}

interface Order {
  id: string;
  at: number;
  warehouseId: string;
  region: string;
  customerId: string;
  items: { sku: string; quantity: number }[];
  total: number;
  shipAt: number;
  cancelAt?: number;
  reason?: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Two-peak daily demand in local time, averaging about 1 over the day. */
function dailyCurve(localHour: number, peaks: readonly [number, number]): number {
  const bump = (centre: number, width: number) => {
    const d = Math.min(Math.abs(localHour - centre), 24 - Math.abs(localHour - centre));
    return Math.exp(-(d * d) / (2 * width * width));
  };
  return (0.18 + 0.9 * bump(peaks[0], 2.2) + 1.2 * bump(peaks[1], 2.6)) / 0.713;
}

/** log10 P(X ≥ k) for X ~ Poisson(mean): summed from k upward in log space. */
function log10PoissonTail(k: number, mean: number): number {
  if (k <= 0) return 0;
  if (mean <= 0) return -Infinity;
  let term = -mean + k * Math.log(mean) - logFactorial(k);
  let peak = term;
  const terms: number[] = [];
  for (let j = k; j < k + 400 && term > peak - 40; j++) {
    terms.push(term);
    peak = Math.max(peak, term);
    term += Math.log(mean) - Math.log(j + 1);
  }
  return (peak + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - peak), 0))) / Math.LN10;
}

function logFactorial(n: number): number {
  let sum = 0;
  for (let i = 2; i <= n; i++) sum += Math.log(i);
  return sum;
}

/** Pareto(α) above 1, capped. */
const pareto = (draw: Draw, alpha: number, cap: number) =>
  Math.min(cap, Math.pow(1 - draw.uniform(), -1 / alpha));

/** A checkout's basket: heavy-tailed lines, geometric quantities, log-normal prices. */
interface Basket {
  items: { sku: string; quantity: number }[];
  total: number;
}

function drawBasket(draw: Draw): Basket {
  const lines = Math.max(1, Math.floor(pareto(draw, 1.6, 30)));
  const items = Array.from({ length: lines }, () => ({
    sku: `SKU-${draw.integer(1, 50_000)}`,
    quantity: 1 + Math.floor(Math.log(Math.max(draw.uniform(), 1e-9)) / Math.log(0.3)),
  }));
  const total =
    Math.round(items.reduce((s, item) => s + item.quantity * Math.exp(3 + 0.9 * draw.normal()), 0) * 100) /
    100;
  return { items, total };
}

/** How much a basket raises its order's chance of being cancelled: more lines, and a large total. */
const basketCancelFactor = (basket: Basket): number =>
  (1 + 0.1 * Math.log(basket.items.length)) * (basket.total > 600 ? 1.3 : 1);

/**
 * The mean of {@link basketCancelFactor} over baskets (about 1.1): a fixed-seed Monte Carlo, so the usual ratio an
 * incident is scaled to and judged against is the one the simulation produces.
 */
const MEAN_BASKET_CANCEL_FACTOR = (() => {
  const draw = new Draw(mulberry32(0x6ba5e7));
  const samples = 50_000;
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += basketCancelFactor(drawBasket(draw));
  return sum / samples;
})();

/** Chance that a checkout whose first order is not cancelled repeats it by mistake (the twin is cancelled). */
const DUPLICATE_CHECKOUT_SHARE = 0.012;
/** Chance that a session goes on with one more order (at most three more). */
const FOLLOW_ON_SHARE = 0.2;
/** Orders a session adds after its first, on average: 0.2 + 0.2² + 0.2³. */
const MEAN_FOLLOW_ONS = FOLLOW_ON_SHARE + FOLLOW_ON_SHARE ** 2 + FOLLOW_ON_SHARE ** 3;

/**
 * Usual cancellations per placed order when each order is cancelled with probability `ratio` (before its basket):
 * the basket's mean factor, plus the twins of duplicate checkouts, which are placed and always cancelled.
 */
function usualCancellationsPerOrder(ratio: number): number {
  const perOrder = ratio * MEAN_BASKET_CANCEL_FACTOR;
  const twins = DUPLICATE_CHECKOUT_SHARE * (1 - perOrder);
  return (perOrder * (1 + MEAN_FOLLOW_ONS) + twins) / (1 + MEAN_FOLLOW_ONS + twins);
}

/** Gamma(shape, 1) by Marsaglia–Tsang (boosted below shape 1). */
function gamma(draw: Draw, shape: number): number {
  if (shape < 1) return gamma(draw, shape + 1) * Math.pow(draw.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = draw.normal();
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = draw.uniform();
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, b) from two gammas. */
const beta = (draw: Draw, a: number, b: number) => {
  const x = gamma(draw, a);
  return x / (x + gamma(draw, b));
};

/** The world: regions and warehouses. */
function drawWorld(spec: RegimeSpec, draw: Draw): { regions: Region[]; warehouses: Warehouse[] } {
  if (spec.regions < 2 || spec.regions > regionCatalogue.length)
    throw new RangeError(`spec.regions must be 2–${regionCatalogue.length}, got ${spec.regions}`);
  if (spec.warehouses < spec.regions)
    throw new RangeError(
      `spec.warehouses must be at least spec.regions (${spec.regions}), got ${spec.warehouses}`,
    );
  const pool = [...regionCatalogue];
  const chosen: (typeof regionCatalogue)[number][] = [];
  while (chosen.length < spec.regions)
    chosen.push(itemAt(pool.splice(draw.integer(0, pool.length - 1), 1), 0, 'region'));
  chosen.sort((a, b) => a.offset - b.offset);
  const regions: Region[] = chosen.map((r) => {
    const weekend = draw.uniform(0.7, 1.35);
    const raw = [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? weekend : draw.uniform(0.9, 1.1)));
    const mean = raw.reduce((s, x) => s + x, 0) / 7;
    return {
      region: r.region,
      offset: r.offset,
      peaks: [draw.uniform(10.5, 13.5), draw.uniform(18, 21.5)],
      weekly: raw.map((x) => x / mean),
      ratioFactor: draw.uniform(0.75, 1.3),
    };
  });
  const used = new Map<string, number>();
  const warehouses: Warehouse[] = [];
  for (let i = 0; i < spec.warehouses; i++) {
    // Every region has at least one warehouse; the rest land anywhere.
    const homeIndex = i < regions.length ? i : draw.integer(0, regions.length - 1);
    const home = itemAt(regions, homeIndex, 'region');
    const city = draw.pick(itemAt(chosen, homeIndex, 'region').cities);
    const n = (used.get(city) ?? 0) + 1;
    used.set(city, n);
    const homeShare = draw.uniform(0.7, 0.95);
    const shares = new Map<string, number>([[home.region, homeShare]]);
    const neighbours = [regions[homeIndex - 1], regions[homeIndex + 1]].filter((r) => r !== undefined);
    const others = draw.uniform() < 0.5 ? neighbours.slice(0, 1) : neighbours;
    const rest = 1 - homeShare;
    if (others.length === 0) shares.set(home.region, 1);
    for (const other of others) shares.set(other.region, rest / others.length);
    warehouses.push({
      id: `${city}${n}`,
      home: home.region,
      size: pareto(draw, 1.3, 12),
      ratio: beta(draw, 4, 96),
      shares,
    });
  }
  const totalSize = warehouses.reduce((s, w) => s + w.size, 0);
  for (const w of warehouses) w.size = (w.size / totalSize) * spec.ordersPerMinute;
  return { regions, warehouses };
}

/** Generates one labelled stream. */
export function generateRegimeStream(spec: RegimeSpec): RegimeStream {
  const draw = new Draw(mulberry32(spec.seed * 2654435761));
  const startMs = Date.parse(spec.start);
  if (Number.isNaN(startMs)) throw new RangeError(`spec.start must be an ISO time, got ${spec.start}`);
  const minutes = Math.round(spec.days * 24 * 60);
  const endMs = startMs + minutes * MIN;
  const { regions, warehouses } = drawWorld(spec, draw);
  const regionOf = new Map(regions.map((r) => [r.region, r]));
  const warehouseOf = new Map(warehouses.map((w) => [w.id, w]));

  /** Deterministic order rate (per minute) of a warehouse's customers from one region: no regimes, no promotions. */
  const pairRate = (w: Warehouse, regionName: string, at: number) => {
    const r = valueOf(regionOf, regionName, 'region');
    const local = new Date(at + r.offset * HOUR);
    const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
    return (
      w.size *
      (w.shares.get(regionName) ?? 0) *
      dailyCurve(hour, r.peaks) *
      itemAt(r.weekly, local.getUTCDay(), 'weekday factor')
    );
  };
  const scopeRate = (scope: Scope, at: number) => {
    if (scope.type === 'region') return warehouses.reduce((s, w) => s + pairRate(w, scope.id, at), 0);
    const w = valueOf(warehouseOf, scope.id, 'warehouse');
    return [...w.shares.keys()].reduce((s, r) => s + pairRate(w, r, at), 0);
  };
  // The usual ratio as the simulation produces it (baskets and duplicate checkouts included): until round 7 it
  // was w.ratio × the region's factor alone, 10–110% below what the streams show (a duplicate checkout's twin
  // alone adds about 0.9% to every scope), so incidents were weaker than their `factor` and half the labels of the
  // training seeds were less plain than `maxEvidenceLog10P` once the stream was drawn.
  const pairRatio = (w: Warehouse, regionName: string) =>
    usualCancellationsPerOrder(w.ratio * valueOf(regionOf, regionName, 'region').ratioFactor);
  const usualRatio = (scope: Scope) => {
    if (scope.type === 'warehouse') {
      const w = valueOf(warehouseOf, scope.id, 'warehouse');
      return [...w.shares].reduce((s, [r, share]) => s + share * pairRatio(w, r), 0);
    }
    const serving = warehouses.filter((w) => w.shares.has(scope.id));
    const shareOf = (w: Warehouse) => valueOf(w.shares, scope.id, 'share');
    const weight = serving.reduce((s, w) => s + w.size * shareOf(w), 0);
    return serving.reduce((s, w) => s + w.size * shareOf(w) * pairRatio(w, scope.id), 0) / weight;
  };

  // Busy spans: what each placed thing occupies, so incidents stay unambiguous.
  const busy: { key: string; start: number; end: number }[] = [];
  const clashes = (keys: readonly string[], start: number, end: number) =>
    busy.some(
      (b) =>
        b.start < end && start < b.end && (b.key === 'all' || keys.includes(b.key) || keys.includes('all')),
    );

  // Promotions (not incidents).
  const promotions: Promotion[] = [];
  const promotionCount = Math.round(spec.promotionsPerDay * spec.days);
  for (let i = 0; i < promotionCount; i++) {
    const byRegion = draw.uniform() < 0.35;
    const scope: Scope = byRegion
      ? { type: 'region', id: draw.pick(regions).region }
      : { type: 'warehouse', id: draw.pick(warehouses).id };
    const start = startMs + Math.round(draw.uniform(0, minutes - 60)) * MIN;
    const end = Math.min(endMs, start + Math.round(draw.uniform(60, 240)) * MIN);
    promotions.push({ scope, start, end, lift: draw.uniform(1.8, 4), cancelLift: draw.uniform(1.1, 1.6) });
  }

  // Drifts (not incidents).
  const drifts: Drift[] = [];
  const addDrift = (
    warehouseId: string,
    start: number,
    factor: number,
    rampHours: number,
    holdHours: number,
  ) => {
    const rampEnd = start + rampHours * HOUR;
    const holdEnd = rampEnd + holdHours * HOUR;
    drifts.push({ warehouseId, start, rampEnd, holdEnd, end: holdEnd + rampHours * HOUR, factor });
  };
  for (let i = 0; i < spec.drifts; i++) {
    const factor = draw.uniform() < 0.6 ? draw.uniform(1.25, 1.9) : draw.uniform(0.6, 0.85);
    addDrift(
      draw.pick(warehouses).id,
      startMs + draw.uniform(0, minutes * 0.7) * MIN,
      factor,
      draw.uniform(3, 24),
      draw.uniform(2, 30),
    );
  }

  // Incidents.
  const incidents: Incident[] = [];
  const unplaced: RegimeTruth['unplaced'] = [];
  const warmupEnd = startMs + spec.warmupHours * HOUR;
  const bySize = [...warehouses].sort((a, b) => a.size - b.size);
  const smallThird = bySize.slice(0, Math.max(1, Math.floor(warehouses.length / 3)));
  /** Expected usual and extra cancellations in scope over [start, end), from the deterministic rates. */
  const expectedCancellations = (scope: Scope, start: number, end: number, factor: number, ramp: number) => {
    const ratio = usualRatio(scope);
    let usual = 0;
    let extra = 0;
    for (let at = start; at < end; at += MIN) {
      const developed = ramp <= 0 ? 1 : Math.min(1, (at - start) / MIN / ramp);
      const rate = scopeRate(scope, at);
      usual += rate * ratio;
      extra += rate * (factor - 1) * ratio * developed;
    }
    return { usual, extra, log10P: log10PoissonTail(Math.round(usual + extra), usual) };
  };
  const evident = (e: { extra: number; log10P: number }) =>
    e.extra >= spec.minExtraCancellations && e.log10P <= spec.maxEvidenceLog10P;
  const inPromotion = (scope: Scope, start: number, end: number) =>
    promotions.some(
      (p) =>
        p.start < end + HOUR &&
        start - HOUR < p.end &&
        ((p.scope.type === scope.type && p.scope.id === scope.id) ||
          (scope.type === 'warehouse' &&
            p.scope.type === 'region' &&
            valueOf(warehouseOf, scope.id, 'warehouse').shares.has(p.scope.id)) ||
          (scope.type === 'region' &&
            p.scope.type === 'warehouse' &&
            valueOf(warehouseOf, p.scope.id, 'warehouse').shares.has(scope.id))),
    );
  const keysOf = (scope: Scope) =>
    scope.type === 'region' ? ['all'] : [`region:${valueOf(warehouseOf, scope.id, 'warehouse').home}`];
  let nextId = 1;

  /** Tries to place one incident; returns it or undefined. */
  const place = (
    kind: RegimeIncidentKind,
    scopes: () => Scope,
    factorRange: readonly [number, number],
    durationRange: readonly [number, number],
    rampRange: readonly [number, number] | undefined,
    options: { promotion?: boolean; at?: number } = {},
  ): Incident | undefined => {
    for (let attempt = 0; attempt < 300; attempt++) {
      const scope = scopes();
      const factor = draw.uniform(factorRange[0], factorRange[1]);
      const ramp = rampRange ? Math.round(draw.uniform(rampRange[0], rampRange[1])) : 0;
      let duration = ramp + Math.round(draw.uniform(durationRange[0], durationRange[1]));
      const start =
        options.at ??
        warmupEnd + Math.round(draw.uniform(0, (endMs - warmupEnd) / MIN - duration - 90)) * MIN;
      if (start < warmupEnd) continue;
      // Lengthen (up to twice) rather than label an incident the data cannot show.
      let expected = expectedCancellations(scope, start, start + duration * MIN, factor, ramp);
      while (!evident(expected) && duration < 2 * durationRange[1] + ramp) {
        duration += 10;
        expected = expectedCancellations(scope, start, start + duration * MIN, factor, ramp);
      }
      const end = start + duration * MIN;
      if (!evident(expected) || end > endMs - 30 * MIN) continue;
      if (!options.promotion && inPromotion(scope, start, end)) continue;
      if (options.at === undefined && clashes(keysOf(scope), start - 2 * HOUR, end + 2 * HOUR)) continue;
      const ratio = usualRatio(scope);
      const extraPerOrder = (factor - 1) * ratio;
      return {
        start,
        end,
        hazard: extraPerOrder / MEAN_OPEN_MINUTES,
        truth: {
          id: `I${nextId++}`,
          kind,
          scope,
          start: iso(start),
          end: iso(end),
          factor: Math.round(factor * 100) / 100,
          rampMinutes: ramp,
          extraCancellationsPerOrder: Math.round(extraPerOrder * 1000) / 1000,
          expectedExtraCancellations: Math.round(expected.extra),
          evidenceLog10P: Math.round(expected.log10P * 10) / 10,
        },
      };
    }
    return undefined;
  };
  const commit = (incident: Incident) => {
    incidents.push(incident);
    for (const key of keysOf(incident.truth.scope))
      busy.push({ key, start: incident.start - 2 * HOUR, end: incident.end + 2 * HOUR });
  };
  const anyWarehouse = (): Scope => ({ type: 'warehouse', id: draw.pick(warehouses).id });
  const anyRegion = (): Scope => ({ type: 'region', id: draw.pick(regions).region });

  const order: RegimeIncidentKind[] = [
    'region-drift',
    'region',
    'region-ramp',
    'double',
    'promo',
    'quiet',
    'ramp',
    'step',
  ];
  for (const kind of order) {
    for (let i = 0; i < (spec.incidents[kind] ?? 0); i++) {
      let placed: Incident | undefined;
      if (kind === 'step') placed = place(kind, anyWarehouse, [4, 9], [25, 100], undefined);
      else if (kind === 'ramp') placed = place(kind, anyWarehouse, [5, 9], [20, 60], [20, 40]);
      else if (kind === 'quiet')
        placed = place(
          kind,
          () => ({ type: 'warehouse', id: draw.pick(smallThird).id }),
          [6, 12],
          [40, 120],
          undefined,
        );
      else if (kind === 'region') placed = place(kind, anyRegion, [3, 5], [30, 90], undefined);
      else if (kind === 'region-ramp') placed = place(kind, anyRegion, [3.5, 5], [20, 60], [20, 40]);
      else if (kind === 'region-drift') {
        placed = place(kind, anyRegion, [3, 5], [30, 90], undefined);
        if (placed) {
          const region = placed.truth.scope.id;
          const local = warehouses.filter((w) => w.home === region);
          const drifting = draw.pick(
            local.length > 0 ? local : warehouses.filter((w) => w.shares.has(region)),
          );
          const ramp = draw.uniform(3, 8);
          addDrift(
            drifting.id,
            placed.start - ramp * HOUR - draw.uniform(0, 2) * HOUR,
            draw.uniform(1.4, 1.9),
            ramp,
            draw.uniform(4, 10),
          );
        }
      } else if (kind === 'promo') {
        // A promotion at a warehouse, and the warehouse failing 30–90 min into it.
        for (let attempt = 0; attempt < 50 && !placed; attempt++) {
          const w = draw.pick(warehouses);
          const promoStart = warmupEnd + Math.round(draw.uniform(0, (endMs - warmupEnd) / MIN - 360)) * MIN;
          const at = promoStart + Math.round(draw.uniform(30, 90)) * MIN;
          if (clashes(keysOf({ type: 'warehouse', id: w.id }), at - 2 * HOUR, at + 4 * HOUR)) continue;
          placed = place(kind, () => ({ type: 'warehouse', id: w.id }), [4, 8], [30, 90], undefined, {
            promotion: true,
            at,
          });
          if (placed)
            promotions.push({
              scope: { type: 'warehouse', id: w.id },
              start: promoStart,
              end: Math.max(placed.end + 30 * MIN, promoStart + Math.round(draw.uniform(120, 240)) * MIN),
              lift: draw.uniform(1.8, 3.5),
              cancelLift: draw.uniform(1.1, 1.6),
            });
        }
      } else {
        // double: two warehouses of one region, the second 5–30 min after the first.
        const homes = regions.filter((r) => warehouses.filter((w) => w.home === r.region).length >= 2);
        for (let attempt = 0; attempt < 50 && !placed && homes.length > 0; attempt++) {
          const home = draw.pick(homes).region;
          const local = warehouses.filter((w) => w.home === home);
          const first = draw.pick(local);
          const second = draw.pick(local.filter((w) => w !== first));
          const a = place(kind, () => ({ type: 'warehouse', id: first.id }), [4, 9], [40, 100], undefined);
          if (!a) continue;
          const at = a.start + Math.round(draw.uniform(5, 30)) * MIN;
          const b = place(kind, () => ({ type: 'warehouse', id: second.id }), [4, 9], [30, 90], undefined, {
            at,
          });
          if (!b || inPromotion(b.truth.scope, b.start, b.end)) continue;
          commit(a);
          placed = b;
        }
      }
      if (placed) commit(placed);
      else
        unplaced.push({
          kind,
          reason: 'no span clear of other incidents and promotions with enough evidence',
        });
    }
  }
  incidents.sort((a, b) => a.start - b.start);
  incidents.forEach((incident, i) => (incident.truth.id = `I${i + 1}`));

  // Gaps (not incidents), kept clear of incident spans.
  const gaps: Gap[] = [];
  for (let i = 0, attempts = 0; i < spec.gaps && attempts < 200; attempts++) {
    const length = Math.round(draw.uniform(10, 60));
    const start = startMs + Math.round(draw.uniform(60, minutes - length - 30)) * MIN;
    const end = start + length * MIN;
    if (incidents.some((x) => x.start - HOUR < end && start < x.end + HOUR)) continue;
    gaps.push({
      ...(draw.uniform() < 0.5 ? { warehouseId: draw.pick(warehouses).id } : {}),
      start,
      end,
      mode: draw.uniform() < 0.5 ? 'lost' : 'backfill',
    });
    i++;
  }

  // Simulation, minute by minute.
  const regime = new Map(regions.map((r) => [r.region, 1]));
  const noise = new Map(warehouses.map((w) => [w.id, 0]));
  const decay = Math.exp(-1 / OU_TAU_MINUTES);
  const shock = OU_SIGMA * Math.sqrt(1 - decay * decay);
  const orders: Order[] = [];
  const open = new Map(warehouses.map((w) => [w.id, [] as Order[]]));
  const driftFactor = (warehouseId: string, at: number) => {
    let factor = 1;
    for (const d of drifts) {
      if (d.warehouseId !== warehouseId || at < d.start || at >= d.end) continue;
      const developed =
        at < d.rampEnd
          ? (at - d.start) / (d.rampEnd - d.start)
          : at < d.holdEnd
            ? 1
            : (d.end - at) / (d.end - d.holdEnd);
      factor *= 1 + (d.factor - 1) * developed;
    }
    return factor;
  };
  const promotionAt = (w: Warehouse, regionName: string, at: number) =>
    promotions.find(
      (p) =>
        at >= p.start &&
        at < p.end &&
        ((p.scope.type === 'warehouse' && p.scope.id === w.id) ||
          (p.scope.type === 'region' && p.scope.id === regionName)),
    );
  const customers = new Map(regions.map((r) => [r.region, Math.round(draw.uniform(2_000, 20_000))]));
  const newOrder = (w: Warehouse, regionName: string, at: number, cancelLift: number): Order => {
    const basket = drawBasket(draw);
    const { items, total } = basket;
    // Zipf-like: a few customers order often.
    const customer = Math.floor(
      Math.pow(draw.uniform(), 2.5) * valueOf(customers, regionName, 'customer pool'),
    );
    const order: Order = {
      id: `ord-${draw.hex(14)}`,
      at,
      warehouseId: w.id,
      region: regionName,
      customerId: `${regionName}-c${customer}`,
      items,
      total,
      shipAt: at + Math.round(draw.exponential(MEAN_OPEN_MINUTES * MIN)),
    };
    const p = Math.min(
      0.6,
      w.ratio *
        valueOf(regionOf, regionName, 'region').ratioFactor *
        Math.exp(valueOf(noise, w.id, 'noise') - (OU_SIGMA * OU_SIGMA) / 2) *
        driftFactor(w.id, at) *
        cancelLift *
        basketCancelFactor(basket),
    );
    if (draw.uniform() < p) {
      if (draw.uniform() < 0.35) {
        order.cancelAt = at + Math.round(draw.exponential(2 * MIN)) + 20_000;
        order.reason = 'payment_failed';
      } else {
        order.cancelAt = at + Math.round(Math.exp(Math.log(12) + 1.2 * draw.normal()) * MIN);
        order.reason = 'customer_request';
      }
    }
    return order;
  };

  for (let m = 0; m < minutes; m++) {
    const minuteStart = startMs + m * MIN;
    for (const r of regions) {
      if (draw.uniform() < 1 / REGIME_DWELL_MINUTES) {
        const current = valueOf(regime, r.region, 'regime');
        const others = REGIME_MULTIPLIERS.filter((x) => x !== current);
        regime.set(r.region, draw.pick(others));
      }
    }
    for (const w of warehouses)
      noise.set(w.id, valueOf(noise, w.id, 'noise') * decay + shock * draw.normal());
    for (const w of warehouses) {
      const queue = valueOf(open, w.id, 'open orders');
      for (const regionName of w.shares.keys()) {
        const promotion = promotionAt(w, regionName, minuteStart);
        const lift = promotion?.lift ?? 1;
        const rate = pairRate(w, regionName, minuteStart) * valueOf(regime, regionName, 'regime') * lift;
        // Sessions of 1 + geometric orders (mean 1.25), within two minutes.
        const sessions = draw.poisson(rate / 1.25);
        for (let s = 0; s < sessions; s++) {
          const at = minuteStart + draw.integer(0, 59_999);
          // A promotion's extra orders cancel more often; its share of orders is (lift − 1) / lift.
          const promoted = promotion !== undefined && draw.uniform() < (lift - 1) / lift;
          const cancelLift = promoted ? promotion.cancelLift : 1;
          const first = newOrder(w, regionName, at, cancelLift);
          orders.push(first);
          queue.push(first);
          if (draw.uniform() < DUPLICATE_CHECKOUT_SHARE && first.cancelAt === undefined) {
            // Duplicate checkout: the same basket twice, one cancelled within five minutes.
            const twin: Order = {
              ...newOrder(w, regionName, at + draw.integer(5_000, 40_000), 1),
              items: first.items,
              total: first.total,
            };
            twin.cancelAt = twin.at + draw.integer(30_000, 300_000);
            twin.reason = 'duplicate_order';
            orders.push(twin);
            queue.push(twin);
          }
          let more = 0;
          while (draw.uniform() < FOLLOW_ON_SHARE && more < 3) {
            more++;
            const follow = newOrder(w, regionName, at + draw.integer(10_000, 120_000), cancelLift);
            orders.push(follow);
            queue.push(follow);
          }
        }
      }
      // Orders that shipped cannot be cancelled by an incident any more.
      if (queue.length > 500 || m % 30 === 0) {
        const kept = queue.filter(
          (o) => o.shipAt > minuteStart && (o.cancelAt === undefined || o.cancelAt > minuteStart),
        );
        queue.length = 0;
        for (const o of kept) queue.push(o);
      }
    }
    for (const incident of incidents) {
      if (minuteStart < incident.start || minuteStart >= incident.end) continue;
      const { scope, rampMinutes } = incident.truth;
      const developed =
        rampMinutes <= 0 ? 1 : Math.min(1, ((minuteStart - incident.start) / MIN + 1) / rampMinutes);
      const hazard = incident.hazard * developed;
      const queues =
        scope.type === 'warehouse' ? [valueOf(open, scope.id, 'open orders')] : [...open.values()];
      for (const queue of queues) {
        for (const o of queue) {
          if (o.at > minuteStart + MIN || o.shipAt <= minuteStart) continue;
          if (scope.type === 'region' && o.region !== scope.id) continue;
          if (o.cancelAt !== undefined && o.cancelAt <= minuteStart) continue;
          if (draw.uniform() >= hazard) continue;
          const at = Math.max(o.at + 15_000, minuteStart + draw.integer(0, 59_999));
          if (o.cancelAt === undefined || at < o.cancelAt) {
            o.cancelAt = at;
            o.reason =
              scope.type === 'region' ? 'carrier_failure' : draw.pick(['warehouse_delay', 'out_of_stock']);
          }
        }
      }
    }
  }

  // Delivery: envelopes in arrival order.
  const deliveries: { arrival: number; seq: number; line: string }[] = [];
  const counts = { placed: 0, cancelled: 0, late: 0, lost: 0, backfilled: 0, duplicated: 0 };
  const deliver = (at: number, warehouseId: string, line: string) => {
    if (at >= endMs) return false;
    const gap = gaps.find(
      (g) => at >= g.start && at < g.end && (g.warehouseId === undefined || g.warehouseId === warehouseId),
    );
    let arrival = at + draw.integer(0, 30_000);
    if (gap?.mode === 'lost') {
      counts.lost++;
      return false;
    }
    if (gap) {
      arrival = gap.end + draw.integer(0, 180_000);
      counts.backfilled++;
    } else if (draw.uniform() < spec.lateShare) {
      arrival += Math.min(60 * MIN, Math.round(Math.exp(Math.log(4) + draw.normal()) * MIN));
      counts.late++;
    }
    deliveries.push({ arrival, seq: deliveries.length, line });
    if (draw.uniform() < spec.duplicateShare) {
      deliveries.push({ arrival: arrival + draw.integer(1_000, 300_000), seq: deliveries.length, line });
      counts.duplicated++;
    }
    return true;
  };
  const envelope = (detailType: 'order_placed' | 'order_cancelled', at: number, detail: object) =>
    JSON.stringify({
      version: '0',
      id: draw.uuid(),
      'detail-type': detailType,
      source: 'retail.orders',
      account: '210987654321',
      time: iso(at),
      region: 'eu-west-1',
      resources: [],
      detail,
    });
  orders.sort((a, b) => a.at - b.at);
  for (const o of orders) {
    const placed = deliver(
      o.at,
      o.warehouseId,
      envelope('order_placed', o.at, {
        orderId: o.id,
        customerId: o.customerId,
        warehouseId: o.warehouseId,
        region: o.region,
        items: o.items,
        total: o.total,
      }),
    );
    if (placed) counts.placed++;
    if (o.cancelAt !== undefined && o.reason !== undefined) {
      const cancelled = deliver(
        o.cancelAt,
        o.warehouseId,
        envelope('order_cancelled', o.cancelAt, {
          orderId: o.id,
          warehouseId: o.warehouseId,
          region: o.region,
          reason: o.reason,
        }),
      );
      if (cancelled) counts.cancelled++;
    }
  }
  deliveries.sort((a, b) => a.arrival - b.arrival || a.seq - b.seq);

  return {
    lines: deliveries.map((d) => d.line),
    truth: {
      generator: 'regimes',
      spec,
      end: iso(endMs),
      regions: regions.map((r) => ({
        region: r.region,
        utcOffsetHours: r.offset,
        peakHours: [Math.round(r.peaks[0] * 10) / 10, Math.round(r.peaks[1] * 10) / 10],
        ratioFactor: Math.round(r.ratioFactor * 100) / 100,
      })),
      network: warehouses.map((w) => ({
        warehouseId: w.id,
        region: w.home,
        ordersPerMinute: Math.round(w.size * 100) / 100,
        ratio: Math.round(w.ratio * 1000) / 1000,
        shares: Object.fromEntries([...w.shares].map(([r, s]) => [r, Math.round(s * 100) / 100])),
      })),
      incidents: incidents.map((i) => i.truth),
      unplaced,
      promotions: promotions.map((p) => ({
        scope: p.scope,
        start: iso(p.start),
        end: iso(p.end),
        lift: Math.round(p.lift * 100) / 100,
        cancelLift: Math.round(p.cancelLift * 100) / 100,
      })),
      drifts: drifts.map((d) => ({
        warehouseId: d.warehouseId,
        start: iso(d.start),
        end: iso(d.end),
        factor: Math.round(d.factor * 100) / 100,
      })),
      gaps: gaps.map((g) => ({
        ...(g.warehouseId === undefined ? {} : { warehouseId: g.warehouseId }),
        start: iso(g.start),
        end: iso(g.end),
        mode: g.mode,
      })),
      counts,
    },
  };
}

const common = {
  lateShare: 0.03,
  duplicateShare: 0.002,
  warmupHours: 8,
  minExtraCancellations: 12,
  maxEvidenceLog10P: -10,
} as const;

/** The presets the bench scores (`regime-*`). */
export const regimePresets: Record<string, Omit<RegimeSpec, 'name' | 'seed'>> = {
  'regime-day': {
    ...common,
    start: '2027-01-05T00:00:00Z',
    days: 1.5,
    warehouses: 7,
    regions: 3,
    ordersPerMinute: 9,
    incidents: { step: 1, ramp: 1, quiet: 1, region: 1 },
    promotionsPerDay: 2,
    drifts: 1,
    gaps: 2,
  },
  'regime-week': {
    ...common,
    start: '2027-01-10T00:00:00Z',
    days: 6,
    warehouses: 11,
    regions: 4,
    ordersPerMinute: 13,
    incidents: {
      step: 3,
      ramp: 3,
      quiet: 2,
      promo: 1,
      double: 1,
      region: 1,
      'region-ramp': 1,
      'region-drift': 1,
    },
    promotionsPerDay: 2,
    drifts: 4,
    gaps: 4,
  },
  'regime-global': {
    ...common,
    start: '2027-01-20T00:00:00Z',
    days: 2.5,
    warehouses: 16,
    regions: 6,
    ordersPerMinute: 22,
    incidents: {
      step: 2,
      ramp: 2,
      quiet: 2,
      promo: 1,
      double: 1,
      region: 1,
      'region-ramp': 1,
      'region-drift': 1,
    },
    promotionsPerDay: 4,
    drifts: 3,
    gaps: 3,
  },
  'regime-sparse': {
    ...common,
    start: '2027-01-27T00:00:00Z',
    days: 4,
    warehouses: 9,
    regions: 3,
    ordersPerMinute: 5,
    incidents: { step: 2, ramp: 2, quiet: 2, double: 1, region: 1, 'region-ramp': 1 },
    promotionsPerDay: 1.5,
    drifts: 2,
    gaps: 3,
    lateShare: 0.05,
  },
};

export function regimePresetSpec(name: string, seed: number): RegimeSpec {
  return presetWithSeed(regimePresets, name, seed);
}

/** Writes `<name>-<seed>.ndjson` (arrival order) and `<name>-<seed>.truth.json` into `directory`. */
export function writeRegimeStream(
  stream: RegimeStream,
  directory: string,
): { events: string; truth: string } {
  return writeLabelledStream(stream.truth.spec, stream.lines.join('\n') + '\n', stream.truth, directory);
}

if (require.main === module) {
  runStreamCommand(process.argv.slice(2), {
    presets: regimePresets,
    defaultPreset: 'regime-week',
    defaultSeed: 701,
    generate: (name, seed) => generateRegimeStream(regimePresetSpec(name, seed)),
    write: writeRegimeStream,
    summary: (stream, paths) => {
      const { counts, incidents, unplaced } = stream.truth;
      return (
        `wrote ${stream.lines.length} events (${counts.placed} placed, ${counts.cancelled} cancelled, ${counts.late} late, ` +
        `${counts.lost} lost and ${counts.backfilled} held back in gaps, ${counts.duplicated} duplicated) to ${paths.events}; ` +
        `${incidents.length} incidents (${unplaced.length} unplaced) in ${paths.truth}`
      );
    },
  });
}
