import fc from 'fast-check';
import { MemoryWindowStore } from '../../lambdas/adapters/memory-window-store';
import { SettledWindowCache } from '../../lambdas/adapters/settled-window-cache';
import type { WindowIncrement } from '../../lambdas/domain/monitoring/window-increments';
import { addWindows } from '../../lambdas/domain/monitoring/windows';

const START = '2026-11-20T08:00:00Z';
const at = (index: number) => addWindows(START, index, 5);

/** A real in-memory store that also counts the history reads it serves and the windows they return. */
class CountingStore extends MemoryWindowStore {
  reads = 0;
  windowsRead = 0;
  override async history(scope: string, from: string, to: string) {
    const counts = await super.history(scope, from, to);
    this.reads++;
    this.windowsRead += counts.length;
    return counts;
  }
}

const increment = (
  scope: string,
  window: number,
  placed: string[],
  cancelled: string[] = [],
): WindowIncrement => ({
  scope,
  windowStart: at(window),
  placedOrderIds: placed,
  cancelledOrderIds: cancelled,
});

describe('SettledWindowCache', () => {
  it('reads settled windows once, then only the recent ones, returning what the store holds', async () => {
    const inner = new CountingStore();
    const cache = new SettledWindowCache(inner, 30);
    for (let w = 0; w < 200; w++) await cache.add([increment('s', w, [`o${w}`])]);

    const first = await cache.history('s', at(40), at(199));
    const second = await cache.history('s', at(41), at(199));
    const third = await cache.history('s', at(42), at(200));

    // The first read fetched 160 windows; the next two each asked the store for the last half hour (7 windows).
    expect([inner.reads, inner.windowsRead]).toEqual([3, 160 + 7 + 7]);
    expect(first).toEqual(await inner.history('s', at(40), at(199)));
    expect(first).toHaveLength(160);
    expect(second).toEqual(first.slice(1));
    expect(third).toEqual(first.slice(2));
  });

  it('drops a scope’s cache when this instance adds to one of its settled windows (a late fact)', async () => {
    const inner = new CountingStore();
    const cache = new SettledWindowCache(inner, 30);
    for (let w = 0; w < 100; w++) await cache.add([increment('s', w, [`o${w}`])]);
    await cache.history('s', at(10), at(99));

    await cache.add([increment('s', 20, [], ['o20'])]);

    const after = await cache.history('s', at(10), at(99));
    expect(after.find((c) => c.windowStart === at(20))).toMatchObject({ placed: 1, cancelled: 1 });
  });

  it('returns exactly what the store returns, whatever the adds and reads (property)', async () => {
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        scope: fc.constantFrom('a', 'b'),
        window: fc.integer({ min: 0, max: 120 }),
        id: fc.integer({ min: 0, max: 40 }),
        cancelled: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('read' as const),
        scope: fc.constantFrom('a', 'b'),
        from: fc.integer({ min: 0, max: 120 }),
        span: fc.integer({ min: 0, max: 60 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 80 }), async (operations) => {
        const reference = new MemoryWindowStore();
        const cache = new SettledWindowCache(new MemoryWindowStore(), 30);
        for (const op of operations) {
          if (op.kind === 'add') {
            const add = increment(
              op.scope,
              op.window,
              op.cancelled ? [] : [`o${op.id}`],
              op.cancelled ? [`o${op.id}`] : [],
            );
            await reference.add([add]);
            await cache.add([add]);
          } else {
            const range = [op.scope, at(op.from), at(op.from + op.span)] as const;
            expect(await cache.history(...range)).toEqual(await reference.history(...range));
          }
        }
      }),
    );
  });

  it('delegates incidents and cells to the store', async () => {
    const inner = new MemoryWindowStore();
    const cache = new SettledWindowCache(inner);
    const incident = { incidentKey: 'k', scope: 's', openedAt: at(1), lastAnomalousWindow: at(2) };

    await cache.add([], [{ region: 'r', warehouseId: 'W' }]);
    await cache.saveIncident('s', incident);

    expect(await inner.members('region#r')).toEqual(['W']);
    expect(await cache.members('warehouse#W')).toEqual(['r']);
    expect(await cache.openIncident('s')).toEqual(incident);
    expect(await cache.openIncidents(['s', 't'])).toEqual(new Map([['s', incident]]));
  });
});
