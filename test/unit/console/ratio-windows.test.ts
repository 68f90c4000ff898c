import { pointOf, RatioWindows } from '../../../console/src/ratio-windows';

const order = (detailType: string, time: string, warehouseId = 'WH-ATL', region = 'us-southeast') => ({
  detailType,
  time,
  warehouseId,
  region,
});

describe('RatioWindows (the ratio chart counts)', () => {
  it('counts placed and cancelled orders per 5-minute window of event time, per warehouse and per region', () => {
    const windows = new RatioWindows();
    for (const event of [
      order('order_placed', '2026-11-20T10:20:01Z'),
      order('order_placed', '2026-11-20T10:24:59Z'),
      order('order_placed', '2026-11-20T10:23:00Z', 'WH-CLT'),
      order('order_cancelled', '2026-11-20T10:21:00Z'),
      order('order_placed', '2026-11-20T10:30:00Z'),
      order('warehouse_updated', '2026-11-20T10:30:00Z'),
    ]) {
      windows.add(event);
    }

    const from = Date.parse('2026-11-20T10:20:00Z');
    expect(windows.series('warehouse#WH-ATL', from, from + 10 * 60_000)).toEqual([
      { time: from / 1000, ratio: 0.5, placed: 2, cancelled: 1 },
      { time: from / 1000 + 300, ratio: null, placed: 0, cancelled: 0 },
      { time: from / 1000 + 600, ratio: 0, placed: 1, cancelled: 0 },
    ]);
    expect(windows.series('region#us-southeast', from, from)).toEqual([
      { time: from / 1000, ratio: 1 / 3, placed: 3, cancelled: 1 },
    ]);
  });

  it('keeps at most maxWindows windows per scope, dropping the oldest', () => {
    const windows = new RatioWindows(2);
    for (const time of ['2026-11-20T10:00:00Z', '2026-11-20T10:05:00Z', '2026-11-20T10:10:00Z']) {
      windows.add(order('order_placed', time));
    }

    const placed = windows
      .series('warehouse#WH-ATL', Date.parse('2026-11-20T10:00:00Z'), Date.parse('2026-11-20T10:10:00Z'))
      .map((p) => p.placed);
    expect(placed).toEqual([0, 1, 1]);
  });
});

describe('pointOf (the API’s counters as chart points)', () => {
  it('takes a window of GET /incidents/{id}/ratio as a point at its start, in epoch seconds', () => {
    expect(pointOf({ start: '2026-11-20T10:35:00Z', placed: 20, cancelled: 9, ratio: 0.45 })).toEqual({
      time: Date.parse('2026-11-20T10:35:00Z') / 1000,
      ratio: 0.45,
      placed: 20,
      cancelled: 9,
    });
    expect(pointOf({ start: '2026-11-20T10:40:00Z', placed: 0, cancelled: 0, ratio: null }).ratio).toBeNull();
  });
});
