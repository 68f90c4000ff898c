import { MemoryWindowStore } from '../../lambdas/adapters/memory-window-store';

const increment = (scope: string, windowStart: string, placed: string[], cancelled: string[] = []) => ({
  scope,
  windowStart,
  placedOrderIds: placed,
  cancelledOrderIds: cancelled,
});

describe('MemoryWindowStore', () => {
  it('counts order ids as sets, so a redelivered increment adds nothing', async () => {
    const store = new MemoryWindowStore();

    await store.add([increment('warehouse#A', '2026-11-20T10:05:00Z', ['o1', 'o2'], ['o0'])]);
    await store.add([increment('warehouse#A', '2026-11-20T10:05:00Z', ['o2', 'o3'], ['o0'])]);

    expect(await store.history('warehouse#A', '2026-11-20T10:00:00Z', '2026-11-20T10:10:00Z')).toEqual([
      { scope: 'warehouse#A', windowStart: '2026-11-20T10:05:00Z', placed: 3, cancelled: 1 },
    ]);
  });

  it('returns the windows of a range in time order, whatever order they were written in, bounds included', async () => {
    const store = new MemoryWindowStore();
    for (const minute of ['20', '00', '10', '05', '15']) {
      await store.add([increment('region#r', `2026-11-20T10:${minute}:00Z`, [`o${minute}`])]);
    }
    await store.add([increment('region#other', '2026-11-20T10:10:00Z', ['x'])]);

    const history = await store.history('region#r', '2026-11-20T10:05:00Z', '2026-11-20T10:15:00Z');

    expect(history.map((c) => c.windowStart)).toEqual([
      '2026-11-20T10:05:00Z',
      '2026-11-20T10:10:00Z',
      '2026-11-20T10:15:00Z',
    ]);
    expect(await store.history('region#none', '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z')).toEqual([]);
  });

  it('stores and clears the open incident of a scope, handing out copies', async () => {
    const store = new MemoryWindowStore();
    const incident = {
      incidentKey: 's#2026-11-20T10:00:00Z',
      scope: 's',
      openedAt: '2026-11-20T10:00:00Z',
      lastAnomalousWindow: '2026-11-20T10:05:00Z',
    };

    await store.saveIncident('s', incident);
    const read = await store.openIncident('s');
    read!.lastAnomalousWindow = 'changed';

    expect(await store.openIncident('s')).toEqual(incident);
    await store.saveIncident('s', undefined);
    expect(await store.openIncident('s')).toBeUndefined();
  });

  it('records cells, listing a region’s warehouses and a warehouse’s customer regions', async () => {
    const store = new MemoryWindowStore();
    await store.add(
      [increment('region#r1', '2026-11-20T08:00:00Z', ['o1'])],
      [{ region: 'r1', warehouseId: 'B' }],
    );
    await store.add(
      [],
      [
        { region: 'r1', warehouseId: 'A' },
        { region: 'r2', warehouseId: 'A' },
      ],
    );

    expect(await store.members('region#r1')).toEqual(['A', 'B']);
    expect(await store.members('warehouse#A')).toEqual(['r1', 'r2']);
    expect(await store.members('warehouse#C')).toEqual([]);
  });
});
