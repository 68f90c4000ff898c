import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { MemoryWindowStore } from '../../lambdas/adapters/memory-window-store';
import type { OrderCancellationSpike } from '../../lambdas/domain/contracts/platform';
import { parseEvent } from '../../lambdas/domain/contracts/parse';
import { resolveDetectorConfig } from '../../lambdas/domain/monitoring/detector-config';
import { observeOrders } from '../../lambdas/domain/monitoring/monitor';
import {
  orderFactOf,
  warehouseAndRegionScopes,
  type OrderFact,
} from '../../lambdas/domain/monitoring/windows';
import { mulberry32, walkthrough, walkthroughPath } from '../../scenarios/generate-walkthrough';

const config = resolveDetectorConfig();
const MINUTE = 60_000;
const T0 = Date.parse('2026-11-20T06:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Simulation {
  seed: number;
  minutes: number;
  warehouses: { id: string; rate: number; regions: readonly (readonly [region: string, share: number])[] }[];
  /** Extra cancellations per order placed in scope, from minute `from` to `to`. */
  incident?: { type: 'warehouse' | 'region'; id: string; from: number; to: number; extra: number };
  /** More incidents at once (e.g. two warehouses of one region). */
  alsoIncidents?: readonly NonNullable<Simulation['incident']>[];
  promotion?: { warehouseId: string; from: number; to: number; lift: number };
  /** Minutes without any event. */
  gap?: { from: number; to: number };
}

/** A seeded stream of facts in event-time order: Poisson orders, 4% cancelled 1–30 minutes later. */
function simulate(sim: Simulation): OrderFact[] {
  const random = mulberry32(sim.seed);
  const poisson = (mean: number) => {
    let count = 0;
    for (let product = random(); product > Math.exp(-mean); product *= random()) count++;
    return count;
  };
  const facts: OrderFact[] = [];
  let next = 0;
  for (let minute = 0; minute < sim.minutes; minute++) {
    for (const w of sim.warehouses) {
      const promoted =
        sim.promotion?.warehouseId === w.id && minute >= sim.promotion.from && minute < sim.promotion.to;
      for (const [region, share] of w.regions) {
        for (let n = poisson(w.rate * share * (promoted ? sim.promotion!.lift : 1)); n > 0; n--) {
          const at = T0 + minute * MINUTE + Math.floor(random() * 60) * 1000;
          const orderId = `o${next++}`;
          facts.push({ kind: 'placed', orderId, warehouseId: w.id, region, time: iso(at) });
          const incident = [...(sim.incident ? [sim.incident] : []), ...(sim.alsoIncidents ?? [])].find(
            (i) =>
              minute >= i.from && minute < i.to && (i.type === 'warehouse' ? i.id === w.id : i.id === region),
          );
          if (incident !== undefined && random() < incident.extra) {
            facts.push({
              kind: 'cancelled',
              orderId,
              warehouseId: w.id,
              region,
              time: iso(at + (1 + random() * 3) * MINUTE),
            });
          } else if (random() < 0.04) {
            facts.push({
              kind: 'cancelled',
              orderId,
              warehouseId: w.id,
              region,
              time: iso(at + (1 + random() * 29) * MINUTE),
            });
          }
        }
      }
    }
  }
  const inGap = (fact: OrderFact) =>
    sim.gap !== undefined &&
    Date.parse(fact.time) >= T0 + sim.gap.from * MINUTE &&
    Date.parse(fact.time) < T0 + sim.gap.to * MINUTE;
  return facts
    .filter((f) => Date.parse(f.time) < T0 + sim.minutes * MINUTE && !inGap(f))
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** Batches of one minute of arrival, as the SQS mapping delivers them; `arrival` defaults to event time. */
function batchesOf(facts: readonly OrderFact[], delayMs: (index: number) => number = () => 0): OrderFact[][] {
  const arrivals = facts
    .map((fact, index) => ({ fact, arrival: Date.parse(fact.time) + delayMs(index), index }))
    .sort((a, b) => a.arrival - b.arrival || a.index - b.index);
  const batches = new Map<number, OrderFact[]>();
  for (const { fact, arrival } of arrivals) {
    const minute = Math.floor(arrival / MINUTE);
    batches.set(minute, [...(batches.get(minute) ?? []), fact]);
  }
  return [...batches.values()];
}

interface Published {
  spike: OrderCancellationSpike;
  /** Event time of the newest fact of the batch that published it. */
  detectedAt: string;
}

async function monitor(
  batches: readonly (readonly OrderFact[])[],
  store = new MemoryWindowStore(),
  settings = config,
) {
  const published: Published[] = [];
  // One spike per incident key, as the monitoring agent publishes them (Powertools idempotency).
  const keys = new Set<string>();
  for (const batch of batches) {
    const spikes = (await observeOrders(batch, store, settings, warehouseAndRegionScopes)).filter(
      (spike) => !keys.has(spike.incidentKey) && keys.add(spike.incidentKey),
    );
    const newest = batch.reduce((latest, f) => Math.max(latest, Date.parse(f.time)), -Infinity);
    published.push(...spikes.map((spike) => ({ spike, detectedAt: iso(newest) })));
  }
  return { published, store };
}

const scopeOf = ({ spike }: Published) => `${spike.scope.type}#${spike.scope.id}`;

/** What is published for one simulated stream with the default configuration, and with `overrides`. */
async function defaultsAnd(sim: Simulation, overrides: Partial<typeof config>) {
  const batches = batchesOf(simulate(sim));
  const defaults = await monitor(batches);
  const overridden = await monitor(batches, new MemoryWindowStore(), { ...config, ...overrides });
  return { defaults: defaults.published, overridden: overridden.published };
}

/** R is served by A and B (mostly their own customers) and a little by C, whose customers mostly live in S. */
const network: Simulation['warehouses'] = [
  {
    id: 'A',
    rate: 2.5,
    regions: [
      ['R', 0.85],
      ['S', 0.15],
    ],
  },
  {
    id: 'B',
    rate: 2,
    regions: [
      ['R', 0.85],
      ['S', 0.15],
    ],
  },
  {
    id: 'C',
    rate: 2.5,
    regions: [
      ['S', 0.9],
      ['R', 0.1],
    ],
  },
];

describe('observeOrders over the retail walk-through', () => {
  const events = readFileSync(walkthroughPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => parseEvent(line, ['order_placed', 'order_cancelled']));
  const facts = events.map(orderFactOf);

  it.each([
    ['one-minute batches', batchesOf(facts)],
    [
      'batches of ten events',
      Array.from({ length: Math.ceil(facts.length / 10) }, (_, i) => facts.slice(i * 10, i * 10 + 10)),
    ],
  ])(
    'publishes one spike per fault, at WH-NYC, the first within 15 minutes, none for its region (%s)',
    async (_, batches) => {
      const { published } = await monitor(batches);

      // The walk-through's faults are all at WH-NYC: one spike each, none for the region it mostly serves.
      expect(published.length).toBeGreaterThanOrEqual(1);
      expect(new Set(published.map(scopeOf))).toEqual(new Set(['warehouse#WH-NYC']));
      const detected = published.map((p) => Date.parse(p.detectedAt));
      expect(detected[0]).toBeGreaterThanOrEqual(Date.parse(walkthrough.spike.start));
      expect(detected[0]).toBeLessThanOrEqual(Date.parse(walkthrough.spike.start) + 15 * MINUTE);
      for (let i = 1; i < detected.length; i++)
        expect(detected[i]! - detected[i - 1]!).toBeGreaterThan(60 * MINUTE);
      for (const { spike } of published) {
        expect(spike.correlationId).toBe(spike.incidentKey);
        expect(spike.observedRatio).toBeGreaterThan(4 * spike.baselineRatio);
      }
    },
  );
});

describe('observeOrders attributing warehouse and region incidents', () => {
  it('publishes one warehouse incident, and no region incident, when one warehouse’s orders are cancelled', async () => {
    const facts = simulate({
      seed: 7,
      minutes: 6 * 60,
      warehouses: network,
      incident: { type: 'warehouse', id: 'A', from: 300, to: 345, extra: 0.4 },
    });

    const { published } = await monitor(batchesOf(facts));

    expect(published.map(scopeOf)).toEqual(['warehouse#A']);
    expect(Date.parse(published[0]!.detectedAt)).toBeGreaterThanOrEqual(T0 + 300 * MINUTE);
  });

  it('publishes one region incident, naming its warehouses, when a region’s customers cancel everywhere', async () => {
    const facts = simulate({
      seed: 8,
      minutes: 6 * 60,
      warehouses: network,
      incident: { type: 'region', id: 'R', from: 300, to: 345, extra: 0.4 },
    });

    const { published } = await monitor(batchesOf(facts));

    expect(published.map(scopeOf)).toEqual(['region#R']);
    expect(published[0]!.spike.contributors?.map((c) => c.warehouseId).sort()).toEqual(['A', 'B']);
  });
});

describe('observeOrders with two warehouses of one region failing at once', () => {
  /** R is served by A, B and D (mostly their own customers), and a little by C, whose customers live in S. */
  const threeInR: Simulation['warehouses'] = [
    ...network.filter((w) => w.id !== 'C'),
    {
      id: 'D',
      rate: 2.5,
      regions: [
        ['R', 0.85],
        ['S', 0.15],
      ],
    },
    network.find((w) => w.id === 'C')!,
  ];

  it.each([
    ['R served by A and B', network],
    ['R served by A, B and D', threeInR],
  ])('publishes two warehouse incidents, and no region incident (%s)', async (_, warehouses) => {
    const facts = simulate({
      seed: 21,
      minutes: 6 * 60,
      warehouses,
      incident: { type: 'warehouse', id: 'A', from: 300, to: 350, extra: 0.4 },
      alsoIncidents: [{ type: 'warehouse', id: 'B', from: 301, to: 350, extra: 0.4 }],
    });

    const { published } = await monitor(batchesOf(facts));

    expect(published.map(scopeOf).sort()).toEqual(['warehouse#A', 'warehouse#B']);
  });

  it('lets a warehouse of a failing pair overrule the region incident their first cancellations opened', async () => {
    // Two of R's three warehouses fail mildly at once; the region alarms first, on their pooled excess. Each one's
    // excess lies in the other's rest of the region, so the region is judged beyond both before A overrules it.
    const facts = simulate({
      seed: 6,
      minutes: 6 * 60,
      warehouses: [
        {
          id: 'A',
          rate: 2,
          regions: [
            ['R', 0.7],
            ['S', 0.3],
          ],
        },
        {
          id: 'B',
          rate: 2,
          regions: [
            ['R', 0.7],
            ['S', 0.3],
          ],
        },
        {
          id: 'C',
          rate: 1,
          regions: [
            ['R', 0.6],
            ['S', 0.4],
          ],
        },
        { id: 'D', rate: 3, regions: [['S', 1]] },
      ],
      incident: { type: 'warehouse', id: 'A', from: 300, to: 360, extra: 0.15 },
      alsoIncidents: [{ type: 'warehouse', id: 'B', from: 300, to: 360, extra: 0.15 }],
    });

    const { published } = await monitor(batchesOf(facts));

    expect(published.map(scopeOf)).toEqual(['region#R', 'warehouse#A']);
  });

  it('still publishes one region incident when every warehouse of the region is hit through its customers', async () => {
    const facts = simulate({
      seed: 22,
      minutes: 8 * 60,
      warehouses: threeInR,
      incident: { type: 'region', id: 'R', from: 300, to: 350, extra: 0.4 },
    });

    const { published } = await monitor(batchesOf(facts));

    expect(published.map(scopeOf)).toEqual(['region#R']);
  });
});

describe('observeOrders on an ambiguous start', () => {
  it('waits for the evidence before attributing, rather than reporting the region’s biggest warehouse', async () => {
    // Early in this region incident only A's customers have cancelled: deciding at once would blame A.
    const { defaults, overridden: hasty } = await defaultsAnd(
      {
        seed: 37,
        minutes: 6 * 60,
        warehouses: network,
        incident: { type: 'region', id: 'R', from: 300, to: 345, extra: 0.3 },
      },
      { ambiguousWindows: 1 },
    );

    expect(defaults.map(scopeOf)).toEqual(['region#R']);
    expect(hasty.map(scopeOf)).toEqual(['warehouse#A', 'region#R']);
  });
});

describe('observeOrders re-judging a region incident opened on thin evidence', () => {
  it.each([7, 8])(
    'opens the warehouse incident once the rest of the region is calm again (seed %i)',
    async (seed) => {
      // A fails at minute 300; a chance burst of cancellations among B's customers in R at the same moment makes
      // the first minutes read as the region's, and the region incident opens.
      const facts = simulate({
        seed,
        minutes: 6 * 60,
        warehouses: network,
        incident: { type: 'warehouse', id: 'A', from: 300, to: 345, extra: 0.4 },
        alsoIncidents: [{ type: 'warehouse', id: 'B', from: 298, to: 302, extra: 0.5 }],
      });

      const { published } = await monitor(batchesOf(facts));

      // The region incident stays (one false alarm), but A's own is not hidden inside it until it closes.
      expect(published.map(scopeOf)).toEqual(['region#R', 'warehouse#A']);
      expect(Date.parse(published[1]!.detectedAt)).toBeLessThanOrEqual(T0 + 315 * MINUTE);
    },
  );
});

describe('observeOrders attributing from every cell the store has recorded', () => {
  it('attributes a region incident whose batches each see only a few of its cells', async () => {
    const facts = simulate({
      seed: 8,
      minutes: 6 * 60,
      warehouses: network,
      incident: { type: 'region', id: 'R', from: 300, to: 345, extra: 0.4 },
    });
    // Three facts a batch: most batches miss the cell holding the largest excess.
    const tiny = Array.from({ length: Math.ceil(facts.length / 3) }, (_, i) => facts.slice(i * 3, i * 3 + 3));

    const { published, store } = await monitor(tiny);

    expect(published.map(scopeOf)).toEqual(['region#R']);
    expect(Date.parse(published[0]!.detectedAt)).toBeLessThan(T0 + 315 * MINUTE);
    expect(await store.members('region#R')).toEqual(['A', 'B', 'C']);
    expect(await store.members('warehouse#C')).toEqual(['R', 'S']);
  });
});

describe('observeOrders watching a moderate rise', () => {
  it('freezes the baseline of an elevated scope, so a moderate two-hour incident is found, not learned', async () => {
    // 4% of orders cancelled, and 10% more while it lasts: a lift of about 3.5, for two hours.
    const { defaults: watched, overridden: unwatched } = await defaultsAnd(
      {
        seed: 26,
        minutes: 8 * 60,
        warehouses: network,
        incident: { type: 'warehouse', id: 'A', from: 300, to: 420, extra: 0.1 },
      },
      { watchWindows: 0 },
    );

    expect(watched.map(scopeOf)).toEqual(['warehouse#A']);
    expect(Date.parse(watched[0]!.detectedAt)).toBeGreaterThanOrEqual(T0 + 300 * MINUTE);
    expect(unwatched).toEqual([]);
  });
});

describe('observeOrders on things that are not incidents', () => {
  it('publishes nothing for a promotion that triples a warehouse’s orders, cancellations rising with them', async () => {
    const facts = simulate({
      seed: 9,
      minutes: 8 * 60,
      warehouses: network,
      promotion: { warehouseId: 'B', from: 240, to: 360, lift: 3 },
    });

    expect((await monitor(batchesOf(facts))).published).toEqual([]);
  });

  it('publishes nothing around an hour without any event', async () => {
    const facts = simulate({ seed: 10, minutes: 8 * 60, warehouses: network, gap: { from: 240, to: 300 } });

    expect((await monitor(batchesOf(facts))).published).toEqual([]);
  });

  it('publishes nothing new when every batch is delivered twice', async () => {
    const facts = simulate({
      seed: 11,
      minutes: 6 * 60,
      warehouses: network,
      incident: { type: 'warehouse', id: 'B', from: 300, to: 340, extra: 0.45 },
    });
    const once = await monitor(batchesOf(facts));

    const twice = await monitor(batchesOf(facts).flatMap((batch) => [batch, batch]));

    expect(twice.published.map((p) => p.spike)).toEqual(once.published.map((p) => p.spike));
  });
});

describe('observeOrders with late and out-of-order events (property)', () => {
  const calm = simulate({ seed: 12, minutes: 5 * 60, warehouses: network });
  const incident = simulate({
    seed: 13,
    minutes: 5 * 60,
    warehouses: network,
    incident: { type: 'warehouse', id: 'C', from: 240, to: 290, extra: 0.4 },
  });
  const maxLateMinutes = 5;
  /** Arrival delays: most events on time, some up to five minutes late, in any order. */
  const delays = fc.array(fc.integer({ min: 0, max: maxLateMinutes * MINUTE }), {
    minLength: 64,
    maxLength: 64,
  });
  const lateness = (pattern: readonly number[]) => (index: number) =>
    index % 7 === 0 || index % 11 === 0
      ? pattern[index % pattern.length]!
      : pattern[index % pattern.length]! % 20_000;

  it('counts every event in its own event-time window, whatever the arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(delays, async (pattern) => {
        const late = await monitor(batchesOf(calm, lateness(pattern)));
        const inOrder = await monitor(batchesOf(calm));
        for (const scope of ['warehouse#A', 'region#R', 'cell#S#C']) {
          const from = iso(T0);
          const to = iso(T0 + 5 * 60 * MINUTE);
          expect(await late.store.history(scope, from, to)).toEqual(
            await inOrder.store.history(scope, from, to),
          );
        }
      }),
      { numRuns: 5 },
    );
  });

  it('publishes no spike for a calm stream, and the same one spike for an incident, late or not', async () => {
    const inOrder = await monitor(batchesOf(incident));
    expect(inOrder.published.map(scopeOf)).toEqual(['warehouse#C']);
    const openedInOrder = Date.parse(inOrder.published[0]!.spike.incidentKey.split('#').at(-1)!);

    await fc.assert(
      fc.asyncProperty(delays, async (pattern) => {
        expect((await monitor(batchesOf(calm, lateness(pattern)))).published).toEqual([]);

        const late = await monitor(batchesOf(incident, lateness(pattern)));
        expect(late.published.map(scopeOf)).toEqual(['warehouse#C']);
        // The incident opens in the same window, or at most as many windows away as events arrive late.
        const opened = Date.parse(late.published[0]!.spike.incidentKey.split('#').at(-1)!);
        expect(Math.abs(opened - openedInOrder)).toBeLessThanOrEqual(
          Math.ceil(maxLateMinutes / config.windowMinutes) * config.windowMinutes * MINUTE,
        );
      }),
      { numRuns: 8 },
    );
  });
});

/** The real in-memory store, recording which scopes' histories each batch reads. */
class RecordingStore extends MemoryWindowStore {
  readonly read = new Set<string>();
  override history(scope: string, from: string, to: string) {
    this.read.add(scope);
    return super.history(scope, from, to);
  }
}

describe('observeOrders judging only the scopes a batch can change', () => {
  const calm = (seed: number) => simulate({ seed, minutes: 4 * 60, warehouses: network });

  it('reads no history for scopes whose batch brought orders placed alone, and judges those with a cancellation', async () => {
    const store = new RecordingStore();
    await monitor(batchesOf(calm(21)), store);
    const at = (minute: number) => iso(T0 + minute * MINUTE);
    const placedOnly: OrderFact[] = [
      { kind: 'placed', orderId: 'p1', warehouseId: 'A', region: 'R', time: at(240) },
      { kind: 'placed', orderId: 'p2', warehouseId: 'C', region: 'S', time: at(240) },
    ];
    store.read.clear();

    expect(await observeOrders(placedOnly, store, config, warehouseAndRegionScopes)).toEqual([]);
    expect([...store.read]).toEqual([]);

    const withCancellation: OrderFact[] = [
      { kind: 'placed', orderId: 'p3', warehouseId: 'A', region: 'R', time: at(241) },
      { kind: 'cancelled', orderId: 'p1', warehouseId: 'A', region: 'R', time: at(241) },
      { kind: 'placed', orderId: 'p4', warehouseId: 'C', region: 'S', time: at(241) },
    ];
    await observeOrders(withCancellation, store, config, warehouseAndRegionScopes);

    expect([...store.read].sort()).toEqual(['region#R', 'warehouse#A']);
  });

  it('still judges a scope with an open incident on orders placed alone, and closes it once they are normal', async () => {
    const facts = simulate({
      seed: 22,
      minutes: 8 * 60,
      warehouses: network,
      incident: { type: 'warehouse', id: 'A', from: 300, to: 330, extra: 0.5 },
    });
    const store = new RecordingStore();
    const { published } = await monitor(
      batchesOf(facts.filter((f) => Date.parse(f.time) < T0 + 335 * MINUTE)),
      store,
    );
    expect(published.map(scopeOf)).toEqual(['warehouse#A']);
    expect(await store.openIncident('warehouse#A')).toBeDefined();

    // Two and a half hours more of A's orders, none cancelled: A is judged on them, and its incident closes.
    const placed = facts.filter(
      (f) => f.kind === 'placed' && f.warehouseId === 'A' && Date.parse(f.time) >= T0 + 335 * MINUTE,
    );
    store.read.clear();
    await monitor(batchesOf(placed), store);

    expect(store.read).toContain('warehouse#A');
    expect(await store.openIncident('warehouse#A')).toBeUndefined();
  });

  it('reads the touched scopes’ incidents while the batch’s counts are being written, and judges after both', async () => {
    // One round trip fewer per batch: the incidents are read beside the counts' write, never after it.
    class GatedStore extends RecordingStore {
      readonly calls: string[] = [];
      release = () => {};
      override async add(...args: Parameters<MemoryWindowStore['add']>) {
        this.calls.push('add');
        await new Promise<void>((resolve) => (this.release = resolve));
        await super.add(...args);
        this.calls.push('added');
      }
      override openIncidents(scopes: readonly string[]) {
        this.calls.push(`incidents ${[...scopes].sort().join(' ')}`);
        return super.openIncidents(scopes);
      }
      override history(scope: string, from: string, to: string) {
        this.calls.push(`history ${scope}`);
        return super.history(scope, from, to);
      }
    }
    const store = new GatedStore();
    const at = iso(T0 + 60 * MINUTE);
    const observing = observeOrders(
      [
        { kind: 'placed', orderId: 'g1', warehouseId: 'A', region: 'R', time: at },
        { kind: 'cancelled', orderId: 'g1', warehouseId: 'A', region: 'R', time: at },
      ],
      store,
      config,
      warehouseAndRegionScopes,
    );
    await new Promise<void>((resolve) => setImmediate(resolve));

    expect(store.calls).toEqual(['add', 'incidents region#R warehouse#A watch#region#R watch#warehouse#A']);
    store.release();
    await observing;
    expect(store.calls.slice(2).sort()).toEqual(['added', 'history region#R', 'history warehouse#A']);
    expect(store.calls[2]).toBe('added');
  });
});
