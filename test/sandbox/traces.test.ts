import { createSocket } from 'node:dgram';
import * as path from 'node:path';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import type { SegmentDocument, SubsegmentDocument } from '../../local/xray/segment-document';
import { readEventsFile } from './events-file';
import { repoRoot, startSandbox, withWalkthroughNetwork } from './sandbox-fixture';

/** A segment or subsegment with the trace and parent it hangs from (nested subsegments flattened). */
interface Span {
  readonly id: string;
  readonly traceId: string;
  readonly parentId?: string | undefined;
  readonly doc: SegmentDocument | SubsegmentDocument;
}

function spansOf(documents: readonly SegmentDocument[]): Map<string, Span> {
  const spans = new Map<string, Span>();
  const walk = (
    subsegments: readonly SubsegmentDocument[] | undefined,
    parentId: string,
    traceId: string,
  ) => {
    for (const sub of subsegments ?? []) {
      spans.set(sub.id, { id: sub.id, traceId, parentId, doc: sub });
      walk(sub.subsegments, sub.id, traceId);
    }
  };
  for (const doc of documents) {
    // A segment sent in progress and again complete: the complete one is kept.
    if (spans.get(doc.id)?.doc.end_time === undefined || doc.end_time !== undefined) {
      spans.set(doc.id, { id: doc.id, traceId: doc.trace_id, parentId: doc.parent_id, doc });
    }
    walk(doc.subsegments, doc.id, doc.trace_id);
  }
  return spans;
}

/** From the root of its trace down to `span`. */
function lineage(spans: Map<string, Span>, span: Span): Span[] {
  const chain = [span];
  for (let at = span; at.parentId !== undefined;) {
    const parent = spans.get(at.parentId);
    if (!parent || chain.includes(parent)) break;
    chain.unshift(parent);
    at = parent;
  }
  return chain;
}

const detailTypeOf = (span: Span) => span.doc.annotations?.detail_type;

describe('X-Ray traces in the sandbox (the walk-through’s first incident)', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  let spans: Map<string, Span>;
  let correlationId: string;

  beforeAll(async () => {
    const until = Date.parse('2026-11-20T10:50:00Z');
    const inputs = (
      await readEventsFile(path.join(repoRoot, 'scenarios', 'retail-walkthrough.ndjson'))
    ).filter((input) => input.time < until);
    sandbox = await startSandbox(inputs[0]!.time - 120_000, { traces: true });
    await sandbox.replay(withWalkthroughNetwork(inputs));
    await sandbox.traces!.collector.flush();
    events = [...sandbox.bus.archive];
    spans = spansOf(sandbox.traces!.collector.documents());
    const spike = events.find((e) => e['detail-type'] === 'order_cancellation_spike')!;
    correlationId = (spike.detail as { correlationId: string }).correlationId;
  });
  afterAll(() => sandbox?.stop());

  const eventSpan = (detailType: string) =>
    [...spans.values()].find(
      (span) =>
        span.doc.origin === 'AWS::Events' &&
        detailTypeOf(span) === detailType &&
        span.doc.annotations?.correlation_id === correlationId,
    );

  it('connects reroute_complete to an order through the monitoring agent, the saga and its task, parent by parent', () => {
    const rerouteComplete = eventSpan('reroute_complete')!;
    expect(rerouteComplete).toBeDefined();

    const chain = lineage(spans, rerouteComplete);

    // The root: an order's event, put by the order service (no parent), on the same trace as everything below.
    const [order] = chain;
    expect(order!.parentId).toBeUndefined();
    expect(order!.doc.origin).toBe('AWS::Events');
    expect(['order_placed', 'order_cancelled']).toContain(detailTypeOf(order!));
    expect(order!.doc.annotations?.source).toBe('retail.orders');
    expect(new Set(chain.map((span) => span.traceId))).toEqual(new Set([order!.traceId]));

    // The monitoring agent's invocation hangs from the order's event (the first message of its SQS batch).
    const monitoring = chain[1]!;
    expect(monitoring.doc).toMatchObject({ origin: 'AWS::Lambda::Function' });
    expect(monitoring.doc.name).toMatch(/MonitoringAgent/);
    expect(monitoring.parentId).toBe(order!.id);

    // The spike's event hangs from the monitoring agent's PutEvents subsegment.
    const spike = chain.find((span) => detailTypeOf(span) === 'order_cancellation_spike')!;
    const putEvents = spans.get(spike.parentId!)!;
    expect(putEvents.doc).toMatchObject({ name: 'EventBridge', aws: { operation: 'PutEvents' } });
    expect(lineage(spans, putEvents)).toContain(monitoring);

    // The saga's execution hangs from the spike's event; its RunTask state from the execution; the command's
    // event from RunTask; the fulfillment agent from the command's event; reroute_complete from the agent.
    const execution = chain[chain.indexOf(spike) + 1]!;
    expect(execution.doc.origin).toBe('AWS::StepFunctions::StateMachine');
    expect(execution.parentId).toBe(spike.id);
    expect(execution.doc.fault).toBeUndefined();
    const runTask = chain[chain.indexOf(execution) + 1]!;
    expect(runTask.doc).toMatchObject({ type: 'subsegment', name: 'RunTask' });
    expect(runTask.parentId).toBe(execution.id);
    const command = chain[chain.indexOf(runTask) + 1]!;
    expect(detailTypeOf(command)).toBe('reroute_orders');
    expect(command.parentId).toBe(runTask.id);
    const fulfillment = chain[chain.indexOf(command) + 1]!;
    expect(fulfillment.doc.origin).toBe('AWS::Lambda::Function');
    expect(fulfillment.doc.name).toMatch(/FulfillmentAgent/);
    expect(fulfillment.parentId).toBe(command.id);
    expect(chain.indexOf(fulfillment)).toBeLessThan(chain.indexOf(rerouteComplete));
    expect(spans.get(rerouteComplete.parentId!)!.doc).toMatchObject({ name: 'EventBridge' });
  });

  it("links the batch's other orders' traces to the monitoring agent's invocation", () => {
    const spike = eventSpan('order_cancellation_spike')!;
    const monitoring = lineage(spans, spike)[1]!;

    const links = monitoring.doc.links ?? [];

    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const linked = spans.get(link.id)!;
      expect(linked.traceId).toBe(link.trace_id);
      expect(linked.traceId).not.toBe(monitoring.traceId);
      expect(linked.doc.annotations?.source).toBe('retail.orders');
    }
  });

  it('traces every task the saga ran, each subsegment under the execution', () => {
    const execution = lineage(spans, eventSpan('reroute_complete')!).find(
      (span) => span.doc.origin === 'AWS::StepFunctions::StateMachine',
    )!;

    const states = [...spans.values()]
      .filter((span) => span.parentId === execution.id)
      .sort((a, b) => a.doc.start_time - b.doc.start_time)
      .map((span) => span.doc.name);

    expect(states.filter((name) => name === 'RunTask')).toHaveLength(3);
    expect(states.filter((name) => name === 'AuthorizeTask')).toHaveLength(3);
    expect(states[0]).toBe('Plan');
  });

  it('serves the waterfall at GET /traces/<correlationId> on the sandbox endpoint', async () => {
    const response = await fetch(`${sandbox.endpoint}/traces/${encodeURIComponent(correlationId)}`);
    const body = (await response.json()) as {
      correlationId: string;
      waterfall: {
        traceIds: string[];
        nodeCount: number;
        roots: { label: string; missingParent: boolean }[];
      };
    };

    expect(response.status).toBe(200);
    expect(body.correlationId).toBe(correlationId);
    expect(body.waterfall.traceIds).toEqual([eventSpan('reroute_complete')!.traceId]);
    expect(body.waterfall.roots[0]).toMatchObject({ missingParent: false });
    expect(body.waterfall.roots[0]!.label).toMatch(/^order_(placed|cancelled) event \(retail\.orders\)$/);
    expect(body.waterfall.nodeCount).toBeGreaterThan(50);
    const unknown = await fetch(`${sandbox.endpoint}/traces/${encodeURIComponent('warehouse#WH-NONE#x')}`);
    expect(unknown.status).toBe(404);
  });

  it('received only well-formed documents from the functions, and counts a malformed datagram sent to it', async () => {
    const collector = sandbox.traces!.collector;
    expect(collector.stats).toMatchObject({ unreadable: 0, dropped: 0 });
    // No handler's response rides in its subsegment (a large one would not fit the 64 KB datagram).
    const documents = JSON.stringify(collector.documents());
    expect(documents).toContain('## index.handler');
    expect(documents).not.toContain('index.handler response');
    const [host, port] = collector.address.split(':');

    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.send('{"format":"json","version":1}\n{"name":"half', Number(port), host, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    socket.close();
    await collector.flush();

    expect(collector.stats.unreadable).toBe(1);
    expect(collector.unreadable[0]!.reason).toBe('the segment document is not JSON');
  });
});
