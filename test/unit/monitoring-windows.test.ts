import fc from 'fast-check';
import {
  InvalidEventTime,
  InvalidWindowLength,
  MonitoringError,
} from '../../lambdas/domain/monitoring/errors';
import { incrementsOf, type WindowIncrement } from '../../lambdas/domain/monitoring/window-increments';
import {
  addWindows,
  parseScope,
  warehouseAndRegionScopes,
  windowStartOf,
  windowsBetween,
  type OrderFact,
} from '../../lambdas/domain/monitoring/windows';

const fact = (
  kind: OrderFact['kind'],
  time: string,
  warehouseId = 'WH-NYC',
  region = 'us-east',
  orderId = `ord-${time}`,
): OrderFact => ({ kind, orderId, warehouseId, region, time });

function captureError(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

const DAY_START = Date.parse('2026-11-20T00:00:00Z');
const factArbitrary: fc.Arbitrary<OrderFact> = fc.record({
  kind: fc.constantFrom<OrderFact['kind']>('placed', 'cancelled'),
  orderId: fc.string({ minLength: 1, maxLength: 8 }),
  warehouseId: fc.constantFrom('WH-NYC', 'WH-BOS', 'WH-LAX'),
  region: fc.constantFrom('us-east', 'us-central', 'us-west'),
  time: fc
    .integer({ min: DAY_START, max: DAY_START + 6 * 3_600_000 })
    .map((ms) => new Date(ms).toISOString()),
});

describe('windowStartOf', () => {
  it('aligns an event time to the start of its UTC window', () => {
    expect(windowStartOf('2026-11-20T10:37:12Z', 5)).toBe('2026-11-20T10:35:00Z');
    expect(windowStartOf('2026-11-20T10:35:00.000Z', 5)).toBe('2026-11-20T10:35:00Z');
    expect(windowStartOf('2026-11-20T10:34:59.999Z', 5)).toBe('2026-11-20T10:30:00Z');
    expect(windowStartOf('2026-11-20T10:37:12Z', 60)).toBe('2026-11-20T10:00:00Z');
  });

  it('reads offsets so that the same instant lands in the same window whatever its time zone', () => {
    expect(windowStartOf('2026-11-20T05:37:12-05:00', 5)).toBe('2026-11-20T10:35:00Z');
    expect(windowStartOf('2026-11-20T23:58:00-01:00', 15)).toBe('2026-11-21T00:45:00Z');
  });

  it('rejects an unreadable event time, quoting it', () => {
    const error = captureError(() => windowStartOf('yesterday', 5));

    expect(error).toBeInstanceOf(InvalidEventTime);
    expect(error).toBeInstanceOf(MonitoringError);
    expect((error as InvalidEventTime).value).toBe('yesterday');
    expect((error as Error).message).toContain('"yesterday"');
  });

  it.each([0, -5, 7, 2.5, Number.NaN])(
    'rejects a window length of %p minutes that does not tile the day',
    (n) => {
      expect(() => windowStartOf('2026-11-20T10:37:12Z', n)).toThrow(InvalidWindowLength);
    },
  );
});

describe('window arithmetic', () => {
  it('steps whole windows forward and back, across midnight', () => {
    expect(addWindows('2026-11-20T23:55:00Z', 1, 5)).toBe('2026-11-21T00:00:00Z');
    expect(addWindows('2026-11-20T10:37:12Z', -2, 5)).toBe('2026-11-20T10:25:00Z');
    expect(windowsBetween('2026-11-20T10:35:00Z', '2026-11-20T10:50:00Z', 5)).toBe(3);
    expect(windowsBetween('2026-11-20T10:50:00Z', '2026-11-20T10:35:00Z', 5)).toBe(-3);
  });
});

describe('parseScope', () => {
  it('splits a scope into the type and id of the spike contract', () => {
    expect(parseScope('warehouse#WH-NYC')).toEqual({ type: 'warehouse', id: 'WH-NYC' });
    expect(parseScope('region#us-east')).toEqual({ type: 'region', id: 'us-east' });
  });

  it.each(['WH-NYC', 'store#1', 'warehouse#'])('rejects %p, which is not a known scope', (scope) => {
    expect(() => parseScope(scope)).toThrow(MonitoringError);
  });
});

/** What the increments count, per (scope, window), sorted: the sizes of their id sets. */
function counted(increments: readonly WindowIncrement[]) {
  return increments
    .map((i) => ({
      scope: i.scope,
      windowStart: i.windowStart,
      placed: i.placedOrderIds.length,
      cancelled: i.cancelledOrderIds.length,
    }))
    .sort((a, b) => (a.scope + a.windowStart < b.scope + b.windowStart ? -1 : 1));
}

/** The increments with their ids, in a canonical order. */
const canonical = (increments: readonly WindowIncrement[]) =>
  [...increments].sort((a, b) => (a.scope + a.windowStart < b.scope + b.windowStart ? -1 : 1));

describe('incrementsOf (what one batch adds to its windows)', () => {
  it('gathers the order ids of each scope and window', () => {
    const facts = [
      fact('placed', '2026-11-20T10:31:00Z'),
      fact('placed', '2026-11-20T10:33:00Z'),
      fact('cancelled', '2026-11-20T10:34:59Z'),
      fact('placed', '2026-11-20T10:35:00Z'),
      fact('placed', '2026-11-20T10:31:30Z', 'WH-BOS'),
    ];

    expect(canonical(incrementsOf(facts, 5))).toEqual([
      {
        scope: 'warehouse#WH-BOS',
        windowStart: '2026-11-20T10:30:00Z',
        placedOrderIds: ['ord-2026-11-20T10:31:30Z'],
        cancelledOrderIds: [],
      },
      {
        scope: 'warehouse#WH-NYC',
        windowStart: '2026-11-20T10:30:00Z',
        placedOrderIds: ['ord-2026-11-20T10:31:00Z', 'ord-2026-11-20T10:33:00Z'],
        cancelledOrderIds: ['ord-2026-11-20T10:34:59Z'],
      },
      {
        scope: 'warehouse#WH-NYC',
        windowStart: '2026-11-20T10:35:00Z',
        placedOrderIds: ['ord-2026-11-20T10:35:00Z'],
        cancelledOrderIds: [],
      },
    ]);
  });

  it('counts a fact in each of its scopes when regions are counted too', () => {
    const facts = [
      fact('placed', '2026-11-20T10:31:00Z'),
      fact('cancelled', '2026-11-20T10:32:00Z', 'WH-BOS'),
    ];

    expect(counted(incrementsOf(facts, 5, warehouseAndRegionScopes))).toEqual([
      { scope: 'region#us-east', windowStart: '2026-11-20T10:30:00Z', placed: 1, cancelled: 1 },
      { scope: 'warehouse#WH-BOS', windowStart: '2026-11-20T10:30:00Z', placed: 0, cancelled: 1 },
      { scope: 'warehouse#WH-NYC', windowStart: '2026-11-20T10:30:00Z', placed: 1, cancelled: 0 },
    ]);
  });

  it('puts a late fact in the window of its event time, not of its arrival', () => {
    const onTime = [fact('placed', '2026-11-20T10:31:00Z'), fact('cancelled', '2026-11-20T10:41:00Z')];
    const late = [fact('cancelled', '2026-11-20T10:41:00Z'), fact('placed', '2026-11-20T10:31:00Z')];

    expect(canonical(incrementsOf(late, 5))).toEqual(canonical(incrementsOf(onTime, 5)));
    expect(counted(incrementsOf(late, 5))[0]).toEqual({
      scope: 'warehouse#WH-NYC',
      windowStart: '2026-11-20T10:30:00Z',
      placed: 1,
      cancelled: 0,
    });
  });

  it('returns nothing for no facts', () => {
    expect(incrementsOf([], 5)).toEqual([]);
  });

  it('does not depend on the order facts arrive in (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(factArbitrary, { maxLength: 60 })
          .chain((facts) =>
            fc.tuple(
              fc.constant(facts),
              fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }),
            ),
          ),
        fc.constantFrom(1, 5, 15, 60),
        ([facts, shuffled], windowMinutes) => {
          expect(canonical(incrementsOf(shuffled, windowMinutes))).toEqual(
            canonical(incrementsOf(facts, windowMinutes)),
          );
        },
      ),
    );
  });

  it('counts each order id once per scope, window and kind, however often it arrives (property)', () => {
    fc.assert(
      fc.property(fc.array(factArbitrary, { maxLength: 60 }), (facts) => {
        const increments = incrementsOf([...facts, ...facts], 5, warehouseAndRegionScopes);

        const distinct = (kind: OrderFact['kind']) =>
          new Set(
            facts
              .filter((f) => f.kind === kind)
              .flatMap((f) =>
                warehouseAndRegionScopes(f).map(
                  (scope) => `${scope}|${windowStartOf(f.time, 5)}|${f.orderId}`,
                ),
              ),
          ).size;
        const total = (ids: (i: WindowIncrement) => readonly string[]) =>
          increments.reduce((sum, i) => sum + ids(i).length, 0);
        expect(total((i) => i.placedOrderIds)).toBe(distinct('placed'));
        expect(total((i) => i.cancelledOrderIds)).toBe(distinct('cancelled'));
        expect(new Set(increments.map((i) => `${i.scope} ${i.windowStart}`)).size).toBe(increments.length);
      }),
    );
  });
});
