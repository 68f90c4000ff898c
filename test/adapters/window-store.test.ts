import { DynamoWindowStore } from '../../lambdas/adapters/dynamodb-window-store';
import { resolveDetectorConfig } from '../../lambdas/domain/monitoring/detector-config';
import { observeOrders } from '../../lambdas/domain/monitoring/monitor';
import { incrementsOf } from '../../lambdas/domain/monitoring/window-increments';
import { warehouseAndRegionScopes, type OrderFact } from '../../lambdas/domain/monitoring/windows';
import { measureRecovery } from '../../lambdas/domain/operator/recovery';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';
import { DAY_S, declaredTimeToLive, epochSecondsOf, nowSeconds, scanAll } from './time-to-live';

const config = resolveDetectorConfig();
const T0 = Date.parse('2026-11-20T08:00:00Z');
const iso = (minutes: number, seconds = 0) => new Date(T0 + minutes * 60_000 + seconds * 1000).toISOString();

/** Two hours of a steady warehouse (2 orders a minute, 1 cancellation every 20 minutes), then a spike. */
function stream(spikeFromMinute: number, until: number): OrderFact[] {
  const facts: OrderFact[] = [];
  for (let minute = 0; minute < until; minute++) {
    for (const s of [10, 40]) {
      facts.push({
        kind: 'placed',
        orderId: `o-${minute}-${s}`,
        warehouseId: 'WH-A',
        region: 'r1',
        time: iso(minute, s),
      });
    }
    const spiking = minute >= spikeFromMinute;
    if (minute % 20 === 0 || (spiking && minute % 2 === 0) || (spiking && minute % 3 === 0)) {
      facts.push({
        kind: 'cancelled',
        orderId: `o-${Math.max(0, minute - 1)}-10`,
        warehouseId: 'WH-A',
        region: 'r1',
        time: iso(minute, 50),
      });
    }
  }
  return facts;
}

describe('DynamoWindowStore with observeOrders (dynalite)', () => {
  let dynamo: LocalDynamo;
  let counter = 0;
  const freshStore = async () => {
    const name = `counters-${counter++}`;
    const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
    await dynamo.client.send(new CreateTableCommand(pkSkTable(name)));
    return new DynamoWindowStore(name, dynamo.client);
  };

  beforeAll(async () => {
    dynamo = await startDynamo([]);
  });
  afterAll(() => dynamo.stop());

  it('counts order ids per window as sets, so a redelivered batch adds nothing', async () => {
    const store = await freshStore();
    const facts = stream(1000, 10);
    await observeOrders(facts, store, config);
    await observeOrders(facts.slice(0, 7), store, config);
    const history = await store.history('warehouse#WH-A', '2026-11-20T08:00:00Z', '2026-11-20T08:05:00Z');
    expect(history).toEqual([
      { scope: 'warehouse#WH-A', windowStart: '2026-11-20T08:00:00Z', placed: 10, cancelled: 1 },
      { scope: 'warehouse#WH-A', windowStart: '2026-11-20T08:05:00Z', placed: 10, cancelled: 0 },
    ]);
  });

  it('emits one spike per incident across many batches, and none while the ratio is steady', async () => {
    const store = await freshStore();
    const facts = stream(120, 160);
    const spikes = [];
    for (let minute = 0; minute < 160; minute++) {
      const batch = facts.filter(
        (f) => Date.parse(f.time) >= T0 + minute * 60_000 && Date.parse(f.time) < T0 + (minute + 1) * 60_000,
      );
      const found = await observeOrders(batch, store, config);
      spikes.push(...found.map((s) => ({ minute, spike: s })));
    }
    expect(spikes).toHaveLength(1);
    expect(spikes[0]!.minute).toBeGreaterThanOrEqual(120);
    expect(spikes[0]!.spike).toMatchObject({ scope: { type: 'warehouse', id: 'WH-A' }, schemaVersion: 1 });
    expect(spikes[0]!.spike.correlationId).toBe(spikes[0]!.spike.incidentKey);
  });

  it('stores and clears the open incident of a scope', async () => {
    const store = await freshStore();
    const incident = {
      incidentKey: 's#w',
      scope: 's',
      openedAt: '2026-11-20T08:00:00Z',
      lastAnomalousWindow: '2026-11-20T08:05:00Z',
    };
    await store.saveIncident('s', incident);
    expect(await store.openIncident('s')).toEqual(incident);
    const grown = { ...incident, baselineBefore: '2026-11-20T07:00:00Z' };
    await store.saveIncident('s', grown);
    expect(await store.openIncident('s')).toEqual(grown);
    expect(await store.openIncidents(['s'])).toEqual(new Map([['s', grown]]));
    await store.saveIncident('s', undefined);
    expect(await store.openIncident('s')).toBeUndefined();
  });

  it('records cells, so any instance lists a region’s warehouses and a warehouse’s customer regions', async () => {
    const store = await freshStore();
    const cells = [
      { region: 'r1', warehouseId: 'A' },
      { region: 'r1', warehouseId: 'B' },
      { region: 'r2', warehouseId: 'A' },
    ];
    await store.add([], cells);
    await store.add([], cells.slice(0, 1));

    const another = new DynamoWindowStore(store.tableName, dynamo.client);
    expect(await another.members('region#r1')).toEqual(['A', 'B']);
    expect(await another.members('warehouse#A')).toEqual(['r1', 'r2']);
    expect(await another.members('region#r3')).toEqual([]);
  });

  it('counts exactly whether an increment is new, partly redelivered, or too large to check in one write', async () => {
    const store = await freshStore();
    const window = '2026-11-20T08:00:00Z';
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const add = (placed: string[], cancelled: string[] = []) =>
      store.add([
        { scope: 'warehouse#W', windowStart: window, placedOrderIds: placed, cancelledOrderIds: cancelled },
      ]);

    await add(ids('a', 3), ['c0']); // new: one conditional write
    await add([...ids('a', 3), 'b0'], ['c0', 'c1']); // partly there already
    await add(ids('big', 120)); // beyond one condition's ids
    await add(ids('big', 120), ['c1']); // all there

    expect(await store.history('warehouse#W', window, window)).toEqual([
      { scope: 'warehouse#W', windowStart: window, placed: 3 + 1 + 120, cancelled: 2 },
    ]);
  });

  it('counts exactly when a redelivered id cancels the transaction that writes a batch of increments', async () => {
    const store = await freshStore();
    const window = '2026-11-20T08:00:00Z';
    const increment = (scope: number, placed: string[]) => ({
      scope: `warehouse#W${scope}`,
      windowStart: window,
      placedOrderIds: placed,
      cancelledOrderIds: [],
    });
    // 150 scopes: two transactions.
    await store.add(Array.from({ length: 150 }, (_, i) => increment(i, [`o${i}`])));
    // A redelivery: W7's o7 is counted already, the rest is new.
    await store.add(Array.from({ length: 150 }, (_, i) => increment(i, [`o${i}`, `p${i}`])));

    for (const scope of [0, 7, 120, 149]) {
      expect(await store.history(`warehouse#W${scope}`, window, window)).toEqual([
        { scope: `warehouse#W${scope}`, windowStart: window, placed: 2, cancelled: 0 },
      ]);
    }
  });

  it('reads short history ranges by key, as a Query reads them', async () => {
    const queried = await freshStore();
    const byKey = new DynamoWindowStore(queried.tableName, dynamo.client, 35, 5);
    await observeOrders(stream(1000, 40), queried, config);
    await queried.add([
      {
        scope: 'warehouse#WH-B',
        windowStart: '2026-11-20T08:10:00Z',
        placedOrderIds: ['b1', 'b2'],
        cancelledOrderIds: ['b1'],
      },
    ]);

    const ranges = [
      ['warehouse#WH-A', '2026-11-20T08:00:00Z', '2026-11-20T08:30:00Z'],
      ['warehouse#WH-B', '2026-11-20T07:50:00Z', '2026-11-20T08:20:00Z'],
      ['warehouse#WH-C', '2026-11-20T08:00:00Z', '2026-11-20T08:20:00Z'],
      ['warehouse#WH-A', '2026-11-20T02:00:00Z', '2026-11-20T08:30:00Z'], // too long: queried
    ] as const;
    // Asked in one turn of the event loop, as a batch asks: served together.
    const read = await Promise.all(ranges.map(([scope, from, to]) => byKey.history(scope, from, to)));

    for (const [i, [scope, from, to]] of ranges.entries()) {
      expect(read[i]).toEqual(await queried.history(scope, from, to));
    }
    expect(read[0]).toHaveLength(7);
    expect(read[1]).toEqual([
      { scope: 'warehouse#WH-B', windowStart: '2026-11-20T08:10:00Z', placed: 2, cancelled: 1 },
    ]);
    expect(read[2]).toEqual([]);
  });

  it('reads the open incidents of many scopes in one call, leaving out those with none', async () => {
    const store = await freshStore();
    const incident = (scope: string) => ({
      incidentKey: `${scope}#2026-11-20T08:00:00Z`,
      scope,
      openedAt: '2026-11-20T08:00:00Z',
      lastAnomalousWindow: '2026-11-20T08:05:00Z',
    });
    const scopes = Array.from({ length: 150 }, (_, i) => `warehouse#W${i}`);
    for (const scope of scopes.filter((_, i) => i % 50 === 7))
      await store.saveIncident(scope, incident(scope));

    const open = await store.openIncidents([...scopes, 'warehouse#W7']);

    expect([...open.keys()].sort()).toEqual(['warehouse#W107', 'warehouse#W57', 'warehouse#W7']);
    expect(open.get('warehouse#W57')).toEqual(incident('warehouse#W57'));
  });

  it("measures the hour after a remediation from the windows' order ids: the hour's orders, cancelled within it", async () => {
    const store = await freshStore();
    const fact = (
      kind: OrderFact['kind'],
      orderId: string,
      minute: number,
      warehouseId = 'WH-A',
    ): OrderFact => ({
      kind,
      orderId,
      warehouseId,
      region: 'r1',
      time: iso(minute),
    });
    const facts: OrderFact[] = [
      // Placed during the incident, cancelled after the remediation: the incident's, not the recovery's.
      fact('placed', 'incident-1', 40),
      fact('cancelled', 'incident-1', 50),
      // The hour (08:45–09:45, the first whole window after 08:42:30): ten orders, two cancelled in it.
      ...Array.from({ length: 10 }, (_, i) => fact('placed', `hour-${i}`, 46 + i * 6)),
      fact('cancelled', 'hour-0', 60),
      fact('cancelled', 'hour-9', 104),
      // Cancelled after the hour: not counted. Another warehouse, and an order after the hour: not counted.
      fact('cancelled', 'hour-5', 110),
      fact('placed', 'elsewhere', 60, 'WH-B'),
      fact('cancelled', 'elsewhere', 65, 'WH-B'),
      fact('placed', 'after', 106),
    ];
    await store.add(incrementsOf(facts, config.windowMinutes, warehouseAndRegionScopes));

    const request = {
      correlationId: 'warehouse#WH-A#2026-11-20T08:35:00Z',
      scope: { type: 'warehouse', id: 'WH-A' } as const,
      baselineRatio: 0.05,
      resolvedAtMs: Date.parse(iso(42, 30)),
    };
    expect(await measureRecovery(store, request, config.windowMinutes)).toEqual({
      correlationId: request.correlationId,
      scope: 'warehouse#WH-A',
      from: '2026-11-20T08:45:00Z',
      to: '2026-11-20T09:45:00Z',
      measurement: { placed: 10, cancelled: 2, ratio: 0.2, multipleOfBaseline: 4, backToBaseline: false },
    });
    // The region counts the same orders (and WH-B's); a scope without orders in the hour has nothing to judge.
    const region = await measureRecovery(
      store,
      { ...request, scope: { type: 'region', id: 'r1' } },
      config.windowMinutes,
    );
    expect(region.measurement).toMatchObject({ placed: 11, cancelled: 3 });
    const quiet = await measureRecovery(
      store,
      { ...request, scope: { type: 'warehouse', id: 'WH-C' } },
      config.windowMinutes,
    );
    expect(quiet.measurement).toBeUndefined();
  });

  describe('expiry', () => {
    const ttl = declaredTimeToLive('counters')!;
    const retention = 35 * DAY_S;

    it('stamps every item it writes with the counters table’s TTL attribute, in epoch seconds', async () => {
      const store = await freshStore();
      const window = '2026-11-20T08:00:00Z';
      const increment = (scope: string, placed: string[]) => ({
        scope,
        windowStart: window,
        placedOrderIds: placed,
        cancelledOrderIds: [],
      });
      const written = nowSeconds();
      // Two new increments (one transaction), a redelivered one and one too large for a condition (one by one).
      await store.add(
        [increment('warehouse#A', ['a1']), increment('warehouse#B', ['b1'])],
        [{ region: 'r1', warehouseId: 'A' }],
      );
      await store.add([increment('warehouse#A', ['a1', 'a2'])]);
      await store.add([
        increment(
          'warehouse#C',
          Array.from({ length: 120 }, (_, i) => `c${i}`),
        ),
      ]);
      await store.saveIncident('warehouse#A', {
        incidentKey: `warehouse#A#${window}`,
        scope: 'warehouse#A',
        openedAt: window,
        lastAnomalousWindow: '2026-11-20T08:05:00Z',
      });
      const done = nowSeconds();

      const rows = (await scanAll(dynamo.client, store.tableName))
        .map((item) => {
          const at = item[ttl];
          const fromWrite = typeof at === 'number' && at >= written + retention && at <= done + retention;
          return [String(item.pk), String(item.sk), fromWrite ? 'written + 35 days' : at] as const;
        })
        .sort(([a, b], [c, d]) => `${a}|${b}`.localeCompare(`${c}|${d}`));
      expect(rows).toEqual([
        ['incident#warehouse#A', 'open', epochSecondsOf('2026-11-20T08:05:00Z') + retention],
        ['members#region#r1', 'members', 'written + 35 days'],
        ['members#warehouse#A', 'members', 'written + 35 days'],
        ['warehouse#A', `w#${window}`, epochSecondsOf(window) + retention],
        ['warehouse#B', `w#${window}`, epochSecondsOf(window) + retention],
        ['warehouse#C', `w#${window}`, epochSecondsOf(window) + retention],
      ]);
    });

    it('writes a membership it has read again once the item is past half its life, so a live cell never expires', async () => {
      const store = await freshStore();
      const cell = { region: 'r1', warehouseId: 'A' };
      await store.add([], [cell]);
      const doc = DynamoDBDocumentClient.from(dynamo.client);
      const expiryOf = async () =>
        (await scanAll(dynamo.client, store.tableName)).find((item) => item.pk === 'members#region#r1')?.[
          ttl
        ] as number;
      const setExpiry = (at: number) =>
        doc.send(
          new UpdateCommand({
            TableName: store.tableName,
            Key: { pk: 'members#region#r1', sk: 'members' },
            UpdateExpression: 'SET #ttl = :at',
            ExpressionAttributeNames: { '#ttl': ttl },
            ExpressionAttributeValues: { ':at': at },
          }),
        );

      // Plenty of life left: an instance that has read it does not write it again.
      const lively = nowSeconds() + 30 * DAY_S;
      await setExpiry(lively);
      const reader = new DynamoWindowStore(store.tableName, dynamo.client);
      expect(await reader.members('region#r1')).toEqual(['A']);
      await reader.add([], [cell]);
      expect(await expiryOf()).toBe(lively);

      // Ten days left: the next instance that reads it and sees the cell writes it again, for 35 days.
      await setExpiry(nowSeconds() + 10 * DAY_S);
      const later = new DynamoWindowStore(store.tableName, dynamo.client);
      expect(await later.members('region#r1')).toEqual(['A']);
      const refreshed = nowSeconds();
      await later.add([], [cell]);
      expect(await expiryOf()).toBeGreaterThanOrEqual(refreshed + retention);
    });
  });
});
