import fc from 'fast-check';
import type { SegmentDocument } from '../../local/xray/segment-document';
import { incidentWaterfall } from '../../local/xray/incident-waterfall';
import { buildWaterfall, type WaterfallNode } from '../../local/xray/waterfall';
import { formatWaterfall } from '../../local/xray/waterfall-format';

const TRACE = '1-6b002384-36ccc43bc62f30fedd9c7d03';
const OTHER_TRACE = '1-6b002385-000000000000000000000001';
const id = (n: number) => n.toString(16).padStart(16, '0');

/** A small incident: the order's event, the consumer, its PutEvents, the spike's event, the saga, a task. */
function incidentDocuments(): SegmentDocument[] {
  return [
    {
      name: 'proactive-agents',
      id: id(1),
      trace_id: TRACE,
      start_time: 100,
      end_time: 100,
      origin: 'AWS::Events',
      annotations: { detail_type: 'order_cancelled', source: 'retail.orders', event_id: 'e-1' },
    },
    {
      name: 'monitoring-agent',
      id: id(2),
      trace_id: TRACE,
      parent_id: id(1),
      start_time: 100.01,
      end_time: 100.4,
      origin: 'AWS::Lambda::Function',
      links: [{ trace_id: OTHER_TRACE, id: id(99) }],
    },
    {
      // Sent on its own by the SDK, with the PutEvents call nested.
      type: 'subsegment',
      name: '## index.handler',
      id: id(3),
      trace_id: TRACE,
      parent_id: id(2),
      start_time: 100.02,
      end_time: 100.39,
      subsegments: [
        {
          name: 'EventBridge',
          id: id(4),
          start_time: 100.3,
          end_time: 100.35,
          namespace: 'aws',
          aws: { operation: 'PutEvents' },
        },
        {
          name: 'DynamoDB',
          id: id(5),
          start_time: 100.05,
          end_time: 100.1,
          namespace: 'aws',
          aws: { operation: 'UpdateItem' },
          throttle: true,
          error: true,
        },
      ],
    },
    {
      name: 'proactive-agents',
      id: id(6),
      trace_id: TRACE,
      parent_id: id(4),
      start_time: 100.34,
      end_time: 100.34,
      origin: 'AWS::Events',
      annotations: {
        detail_type: 'order_cancellation_spike',
        source: 'proactive.monitoring',
        correlation_id: 'warehouse#WH-NYC#2026-11-20T10:35:00Z',
      },
    },
    {
      name: 'RemediationSaga',
      id: id(7),
      trace_id: TRACE,
      parent_id: id(6),
      start_time: 100.35,
      end_time: 102,
      origin: 'AWS::StepFunctions::StateMachine',
      fault: true,
      cause: { exceptions: [{ type: 'States.Timeout', message: 'RunTask timed out' }] },
    },
    {
      type: 'subsegment',
      name: 'RunTask',
      id: id(8),
      trace_id: TRACE,
      parent_id: id(7),
      start_time: 100.5,
      end_time: 101.5,
    },
  ];
}

const labels = (nodes: readonly WaterfallNode[], depth = 0): string[] =>
  nodes.flatMap((node) => [`${'  '.repeat(depth)}${node.label}`, ...labels(node.children, depth + 1)]);

const find = (nodes: readonly WaterfallNode[], nodeId: string): WaterfallNode | undefined => {
  for (const node of nodes) {
    if (node.id === nodeId) return node;
    const inner = find(node.children, nodeId);
    if (inner) return inner;
  }
  return undefined;
};

describe('buildWaterfall', () => {
  it('nests separately sent and nested subsegments under their parents, children in start order', () => {
    const waterfall = buildWaterfall(incidentDocuments());

    expect(waterfall.traceIds).toEqual([TRACE]);
    expect(waterfall.nodeCount).toBe(8);
    expect(labels(waterfall.roots)).toEqual([
      'order_cancelled event (retail.orders)',
      '  Lambda monitoring-agent',
      '    ## index.handler',
      '      DynamoDB UpdateItem',
      '      EventBridge PutEvents',
      '        order_cancellation_spike event (proactive.monitoring)',
      '          Step Functions RemediationSaga',
      '            RunTask',
    ]);
  });

  it('gives offsets and durations in milliseconds from the first start, and the errors and links', () => {
    const waterfall = buildWaterfall(incidentDocuments());

    const saga = find(waterfall.roots, id(7))!;
    expect(saga.offsetMs).toBeCloseTo(350, 1);
    expect(saga.durationMs).toBeCloseTo(1650, 1);
    expect(saga.fault).toBe(true);
    expect(saga.errorMessage).toBe('States.Timeout: RunTask timed out');
    const dynamo = find(waterfall.roots, id(5))!;
    expect(dynamo).toMatchObject({ error: true, throttle: true, parentId: id(3), kind: 'subsegment' });
    expect(find(waterfall.roots, id(2))!.links).toEqual([{ traceId: OTHER_TRACE, id: id(99) }]);
    expect(waterfall.durationMs).toBeCloseTo(2000, 1);
  });

  it('builds the same tree whatever order the documents arrive in', () => {
    const expected = labels(buildWaterfall(incidentDocuments()).roots);
    fc.assert(
      fc.property(fc.shuffledSubarray(incidentDocuments(), { minLength: 6, maxLength: 6 }), (shuffled) => {
        expect(labels(buildWaterfall(shuffled).roots)).toEqual(expected);
      }),
    );
  });

  it('shows a segment whose parent was never received as a root marked missingParent', () => {
    const documents = incidentDocuments().filter((doc) => doc.id !== id(2));

    const waterfall = buildWaterfall(documents);

    expect(waterfall.roots.map((root) => [root.id, root.missingParent])).toEqual([
      [id(1), false],
      [id(3), true],
    ]);
    expect(waterfall.roots[1]!.parentId).toBe(id(2));
    expect(formatWaterfall(waterfall).join('\n')).toContain('## index.handler  (parent not recorded)');
  });

  it('keeps the complete copy of a segment sent in progress first, whichever arrives last', () => {
    const complete = incidentDocuments()[5]!;
    const inProgress = { ...complete, end_time: undefined, in_progress: true };

    for (const documents of [
      [...incidentDocuments(), inProgress],
      [inProgress, ...incidentDocuments()],
    ]) {
      const task = find(buildWaterfall(documents).roots, id(8))!;
      expect(task).toMatchObject({ inProgress: false, durationMs: 1000 });
    }
    const running = find(buildWaterfall([inProgress]).roots, id(8))!;
    expect(running.inProgress).toBe(true);
    expect(running).not.toHaveProperty('durationMs');
    expect(formatWaterfall(buildWaterfall([inProgress]))[2]).toMatch(
      /running {2}RunTask {2}\(parent not recorded\)$/,
    );
  });

  it('cuts a parent cycle so that every segment is shown once', () => {
    const a: SegmentDocument = {
      name: 'a',
      id: id(10),
      trace_id: TRACE,
      parent_id: id(11),
      start_time: 1,
      end_time: 2,
    };
    const b: SegmentDocument = { ...a, name: 'b', id: id(11), parent_id: id(10) };

    const waterfall = buildWaterfall([a, b]);

    expect(waterfall.nodeCount).toBe(2);
    expect(labels(waterfall.roots)).toHaveLength(2);
    expect(waterfall.roots).toHaveLength(1);
  });

  it('is empty for no documents', () => {
    expect(buildWaterfall([])).toEqual({
      traceIds: [],
      startTime: 0,
      durationMs: 0,
      nodeCount: 0,
      roots: [],
    });
  });
});

describe('incidentWaterfall', () => {
  it('finds the trace by the correlation id its events carry, and leaves other traces out', () => {
    const unrelated: SegmentDocument = {
      name: 'proactive-agents',
      id: id(50),
      trace_id: OTHER_TRACE,
      start_time: 100,
      end_time: 100,
      origin: 'AWS::Events',
      annotations: { detail_type: 'order_placed' },
    };

    const waterfall = incidentWaterfall(
      [unrelated, ...incidentDocuments()],
      'warehouse#WH-NYC#2026-11-20T10:35:00Z',
    );

    expect(waterfall.traceIds).toEqual([TRACE]);
    expect(waterfall.nodeCount).toBe(8);
    expect(incidentWaterfall(incidentDocuments(), 'warehouse#WH-ATL#x').nodeCount).toBe(0);
  });
});

describe('formatWaterfall', () => {
  it('prints offset, duration, indentation and the error marks', () => {
    const lines = formatWaterfall(buildWaterfall(incidentDocuments()));

    expect(lines[0]).toBe(`Trace ${TRACE}: 8 segment(s) over 2000.0 ms (wall time)`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\s+350\.0 ms\s+1650\.0 ms {12}Step Functions RemediationSaga ✗ FAULT: States\.Timeout: RunTask timed out$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/DynamoDB UpdateItem ✗ ERROR, THROTTLED$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/Lambda monitoring-agent {2}\(linked to 1 other trace\(s\)\)$/),
    );
  });
});
