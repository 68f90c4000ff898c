import { eventTracing } from '../../local/xray/event-segments';
import { stepFunctionsTracing } from '../../local/xray/execution-segments';
import { batchTrace, functionTracing } from '../../local/xray/lambda-segments';

/** X-Ray's limit on the links of one segment. */
const MAX_LINKS_PER_SEGMENT = 20;
import type { SegmentDocument } from '../../local/xray/segment-document';
import { formatTraceHeader, parseTraceHeader } from '../../local/xray/trace-header';

const ROOT = '1-6b002384-36ccc43bc62f30fedd9c7d03';
const header = (root: string, parent: string, sampled = 1) =>
  `Root=${root};Parent=${parent};Sampled=${sampled}`;
const root = (n: number) => `1-6b002384-${n.toString(16).padStart(24, '0')}`;
const parent = (n: number) => n.toString(16).padStart(16, '0');
const EVENT_TIME = Date.parse('2026-11-20T10:35:00Z');

/** A sink that keeps what the sandbox writes. */
function sink(): { documents: SegmentDocument[]; add(document: SegmentDocument): void } {
  const documents: SegmentDocument[] = [];
  return { documents, add: (document) => documents.push(document) };
}

describe('trace headers', () => {
  it('reads Root, Parent and Sampled and writes them back', () => {
    const text = header(ROOT, parent(7));

    expect(parseTraceHeader(text)).toEqual({ root: ROOT, parent: parent(7), sampled: true });
    expect(formatTraceHeader(parseTraceHeader(text)!)).toBe(text);
    expect(parseTraceHeader(`Root=${ROOT};Sampled=0;Lineage=a:1`)).toEqual({ root: ROOT, sampled: false });
  });

  it('ignores a header without a valid Root', () => {
    expect(parseTraceHeader('Root=1-xyz;Parent=0000000000000001')).toBeUndefined();
    expect(parseTraceHeader('')).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
  });
});

describe('batchTrace (an SQS batch from several traces)', () => {
  it("continues the first message's trace and links each other trace once", () => {
    const trace = batchTrace([
      undefined,
      header(root(1), parent(1)),
      header(root(2), parent(2)),
      header(root(1), parent(3)),
      header(root(2), parent(4)),
      header(root(3), parent(5), 0),
    ]);

    expect(trace).toEqual({
      header: header(root(1), parent(1)),
      links: [{ trace_id: root(2), id: parent(2) }],
    });
  });

  it(`links at most ${MAX_LINKS_PER_SEGMENT} other traces, as X-Ray does`, () => {
    const trace = batchTrace(Array.from({ length: 30 }, (_, i) => header(root(i + 1), parent(i + 1))));

    expect(trace!.links).toHaveLength(MAX_LINKS_PER_SEGMENT);
    expect(trace!.links![0]).toEqual({ trace_id: root(2), id: parent(2) });
  });

  it('has no trace when no message carries a sampled header', () => {
    expect(batchTrace([undefined, 'garbage', header(root(1), parent(1), 0)])).toBeUndefined();
  });
});

describe('functionTracing (the segment Lambda records per invocation)', () => {
  const fn = { functionName: 'monitoring-agent', functionArn: 'arn:aws:lambda:us-east-1:1:function:m' };

  it("runs the function under its own segment, child of the caller's subsegment, with the batch's links", () => {
    const written = sink();
    const tracing = functionTracing(written, fn, 'Active', () => EVENT_TIME);

    const span = tracing.begin({
      header: header(ROOT, parent(9)),
      links: [{ trace_id: root(2), id: parent(2) }],
    })!;
    span.end({ ok: true });

    const [segment] = written.documents;
    expect(parseTraceHeader(span.traceHeader)).toEqual({ root: ROOT, parent: segment!.id, sampled: true });
    expect(segment).toMatchObject({
      name: 'monitoring-agent',
      trace_id: ROOT,
      parent_id: parent(9),
      origin: 'AWS::Lambda::Function',
      links: [{ trace_id: root(2), id: parent(2) }],
    });
    expect(segment!.end_time!).toBeGreaterThanOrEqual(segment!.start_time);
  });

  it('starts a trace (Active) when the caller sent none, dated by the virtual clock, and marks a function error as a fault', () => {
    const written = sink();
    const span = functionTracing(written, fn, 'Active', () => EVENT_TIME).begin(undefined)!;

    span.end({ ok: false, errorType: 'ContractViolation', errorMessage: 'detail.orderId: required' });

    const [segment] = written.documents;
    expect(segment!.trace_id).toMatch(new RegExp(`^1-${Math.floor(EVENT_TIME / 1000).toString(16)}-`));
    expect(segment).not.toHaveProperty('parent_id');
    expect(segment).toMatchObject({
      fault: true,
      cause: { exceptions: [{ type: 'ContractViolation', message: 'detail.orderId: required' }] },
    });
  });

  it('does not trace an unsampled call, nor (PassThrough) a call without a header', () => {
    const written = sink();

    expect(
      functionTracing(written, fn, 'Active', () => 0).begin({ header: header(ROOT, parent(1), 0) }),
    ).toBeUndefined();
    expect(functionTracing(written, fn, 'PassThrough', () => 0).begin(undefined)).toBeUndefined();
    expect(written.documents).toEqual([]);
  });
});

describe('eventTracing (EventBridge)', () => {
  const event = {
    id: 'e-1',
    source: 'proactive.monitoring',
    'detail-type': 'order_cancellation_spike',
    time: '2026-11-20T10:35:00Z',
    detail: { correlationId: 'warehouse#WH-NYC#2026-11-20T10:35:00Z' },
  };

  it("records the event under PutEvents' subsegment and hands its targets a header whose parent is the event", () => {
    const written = sink();

    const downstream = eventTracing(written, 'proactive-agents', () => 0).traceHeaderFor(
      event,
      header(ROOT, parent(4)),
    );

    const [segment] = written.documents;
    expect(segment).toMatchObject({
      trace_id: ROOT,
      parent_id: parent(4),
      origin: 'AWS::Events',
      annotations: {
        event_id: 'e-1',
        detail_type: 'order_cancellation_spike',
        source: 'proactive.monitoring',
        correlation_id: 'warehouse#WH-NYC#2026-11-20T10:35:00Z',
      },
    });
    expect(downstream).toBe(header(ROOT, segment!.id));
  });

  it("starts a trace for an event put without a header, dated by the event's time", () => {
    const written = sink();

    const downstream = eventTracing(written, 'proactive-agents', () => 0).traceHeaderFor(event, undefined);

    expect(parseTraceHeader(downstream)!.root).toMatch(
      new RegExp(`^1-${Math.floor(EVENT_TIME / 1000).toString(16)}-`),
    );
    expect(written.documents[0]).not.toHaveProperty('parent_id');
  });
});

describe('stepFunctionsTracing', () => {
  it("nests each Task state's subsegment under the execution and hands its service call a header naming it", () => {
    const written = sink();
    const execution = stepFunctionsTracing(written, () => 0).startExecution({
      stateMachineName: 'RemediationSaga',
      executionArn: 'arn:aws:states:us-east-1:1:execution:RemediationSaga:x',
      traceHeader: header(ROOT, parent(6)),
    })!;

    const plan = execution.task('Plan', 'arn:aws:states:::lambda:invoke');
    plan.end();
    const run = execution.task('RunTask', 'arn:aws:states:::events:putEvents.waitForTaskToken');
    run.end(Object.assign(new Error('the reroute timed out'), { name: 'States.Timeout' }));
    execution.finish('FAILED', 'States.Timeout', 'the reroute timed out');

    const [planned, ran, segment] = written.documents;
    expect(segment).toMatchObject({
      name: 'RemediationSaga',
      trace_id: ROOT,
      parent_id: parent(6),
      origin: 'AWS::StepFunctions::StateMachine',
      fault: true,
    });
    expect(planned).toMatchObject({
      type: 'subsegment',
      name: 'Plan',
      trace_id: ROOT,
      parent_id: segment!.id,
    });
    expect(ran).toMatchObject({ name: 'RunTask', parent_id: segment!.id, error: true });
    expect(parseTraceHeader(plan.traceHeader)).toEqual({ root: ROOT, parent: planned!.id, sampled: true });
    expect(parseTraceHeader(run.traceHeader)!.parent).toBe(ran!.id);
  });
});
