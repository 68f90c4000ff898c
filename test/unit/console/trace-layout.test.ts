import { formatDuration, layoutWaterfall, stillWriting } from '../../../console/src/trace-layout';
import type { TraceWaterfall } from '../../../console/src/trace-messages';
import type { SegmentDocument } from '../../../local/xray/segment-document';
import { buildWaterfall } from '../../../local/xray/waterfall';

/** The narrowest bar drawn (percent of the axis): an event takes no time, yet it is there. */
const MIN_BAR_PCT = 0.4;
/** The time axis' gridlines (ms) of a waterfall lasting `durationMs`. */
const axisTicks = (durationMs: number): number[] =>
  layoutWaterfall({ traceIds: [], durationMs, nodeCount: 0, roots: [] }).ticks.map((tick) => tick.ms);

const TRACE = '1-67560000-0123456789abcdef01234567';
const OTHER = '1-67560000-fedcba9876543210fedcba98';
const T0 = 1_790_000_000;
const id = (n: number) => n.toString(16).padStart(16, '0');

/**
 * An event (0–0 ms), the function it invoked (10–210 ms) with a DynamoDB call (50–90 ms) and a PutEvents that
 * faulted (100–400 ms, past its parent's end), and a segment whose parent never arrived (300 ms, in progress).
 */
function documents(): SegmentDocument[] {
  return [
    {
      trace_id: TRACE,
      id: id(1),
      name: 'bus',
      origin: 'AWS::Events',
      start_time: T0,
      end_time: T0,
      annotations: { detail_type: 'order_cancelled', source: 'retail.orders' },
    },
    {
      trace_id: TRACE,
      id: id(2),
      parent_id: id(1),
      name: 'monitoring-agent',
      origin: 'AWS::Lambda::Function',
      start_time: T0 + 0.01,
      end_time: T0 + 0.21,
      links: [{ trace_id: OTHER, id: id(9) }],
      subsegments: [
        {
          id: id(3),
          name: 'DynamoDB',
          start_time: T0 + 0.05,
          end_time: T0 + 0.09,
          aws: { operation: 'Query' },
        },
        {
          id: id(4),
          name: 'EventBridge',
          start_time: T0 + 0.1,
          end_time: T0 + 0.4,
          fault: true,
          cause: { exceptions: [{ type: 'InternalException', message: 'bus down' }] },
          aws: { operation: 'PutEvents' },
        },
      ],
    },
    {
      trace_id: TRACE,
      id: id(5),
      parent_id: id(8),
      name: 'fulfillment-agent',
      origin: 'AWS::Lambda::Function',
      start_time: T0 + 0.3,
      in_progress: true,
    },
  ];
}

describe('layoutWaterfall (the trace view’s rows and bars)', () => {
  it('draws every segment depth first under its parent, each bar at its offset and duration on one axis', () => {
    const waterfall = buildWaterfall(documents());

    const layout = layoutWaterfall(waterfall);

    expect(waterfall.durationMs).toBe(400);
    expect(layout.rows.map((row) => [row.node.label, row.depth])).toEqual([
      ['order_cancelled event (retail.orders)', 0],
      ['Lambda monitoring-agent', 1],
      ['DynamoDB Query', 2],
      ['EventBridge PutEvents', 2],
      ['Lambda fulfillment-agent', 0],
    ]);
    const [event, fn, query, put, orphan] = layout.rows;
    // The event takes no time, yet its bar is drawn at its start, MIN_BAR_PCT wide.
    expect(event).toMatchObject({ leftPct: 0, widthPct: MIN_BAR_PCT });
    expect(fn!.leftPct).toBeCloseTo(2.5);
    expect(fn!.widthPct).toBeCloseTo(50);
    expect(query!.leftPct).toBeCloseTo(12.5);
    expect(query!.widthPct).toBeCloseTo(10);
    expect(put!.leftPct).toBeCloseTo(25);
    expect(put!.widthPct).toBeCloseTo(75);
    expect(put!.node).toMatchObject({ fault: true, errorMessage: 'InternalException: bus down' });
    expect(fn!.node.links).toEqual([{ traceId: OTHER, id: id(9) }]);
    // The segment whose parent never arrived: a root, marked, in progress up to the axis' end.
    expect(orphan!.node).toMatchObject({ missingParent: true, parentId: id(8), inProgress: true });
    expect(orphan!.leftPct).toBeCloseTo(75);
    expect(orphan!.widthPct).toBeCloseTo(25);
    expect(layout.hidden).toBe(0);
    expect(layout.ticks.map((tick) => [tick.ms, tick.pct])).toEqual([
      [0, 0],
      [100, 25],
      [200, 50],
      [300, 75],
      [400, 100],
    ]);
  });

  it('draws at most maxRows rows, counts the rest, and keeps a bar at the very end inside the axis', () => {
    const many = buildWaterfall([
      ...documents().slice(0, 2),
      {
        trace_id: TRACE,
        id: id(6),
        parent_id: id(1),
        name: 'late',
        start_time: T0 + 0.4,
        end_time: T0 + 0.4,
      },
    ]);

    const all = layoutWaterfall(many);
    const first = layoutWaterfall(many, 2);

    const late = all.rows.find((row) => row.node.label === 'late')!;
    expect(late.leftPct + late.widthPct).toBeCloseTo(100);
    expect(late.widthPct).toBe(MIN_BAR_PCT);
    expect(first.rows.map((row) => row.node.label)).toEqual([
      'order_cancelled event (retail.orders)',
      'Lambda monitoring-agent',
    ]);
    expect(first.hidden).toBe(many.nodeCount - 2);
  });

  it('lays out an empty waterfall as no rows on a zero axis', () => {
    const empty: TraceWaterfall = { traceIds: [], durationMs: 0, nodeCount: 0, roots: [] };

    expect(layoutWaterfall(empty)).toEqual({ rows: [], hidden: 0, ticks: [{ ms: 0, pct: 0 }] });
  });
});

describe('stillWriting (the trace view reads the trace again)', () => {
  it('while a segment is in progress or a parent has not arrived, not once every segment is there', () => {
    const [event, fn, orphan] = documents();
    const ended = { ...orphan!, parent_id: id(2), end_time: T0 + 0.35, in_progress: undefined };

    expect(stillWriting(buildWaterfall([event!, fn!, orphan!]))).toBe(true);
    expect(stillWriting(buildWaterfall([event!, fn!, { ...orphan!, parent_id: id(2) }]))).toBe(true);
    expect(stillWriting(buildWaterfall([event!, fn!, { ...ended, parent_id: id(8) }]))).toBe(true);
    expect(stillWriting(buildWaterfall([event!, fn!, ended]))).toBe(false);
  });
});

describe('the time axis and formatDuration', () => {
  it('puts gridlines 1, 2 or 5 × 10ⁿ apart, from 0 to at most the duration', () => {
    expect(axisTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(axisTicks(730)).toEqual([0, 200, 400, 600]);
    expect(axisTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(axisTicks(9_000_000)).toEqual([0, 2_000_000, 4_000_000, 6_000_000, 8_000_000]);
  });

  it('formats milliseconds, seconds and minutes', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(12.46)).toBe('12.5 ms');
    expect(formatDuration(3_210)).toBe('3.21 s');
    expect(formatDuration(245_400)).toBe('4 min 05 s');
    expect(formatDuration(119_700)).toBe('2 min 00 s');
  });
});
