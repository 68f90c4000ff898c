import { wallSeconds, type SegmentSink } from './segment-sink';
import { formatTraceHeader, newSegmentId, newTraceId, parseTraceHeader } from './trace-header';

/** The envelope fields an event's segment is annotated with. */
interface TracedEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: unknown;
}

/** What the bus needs from tracing (local/eventbridge/bus.ts). */
export interface EventTracing {
  /**
   * Records the event on its trace and returns the header its targets receive (`AWSTraceHeader` on SQS messages,
   * `_X_AMZN_TRACE_ID` of a Lambda target, StartExecution's `traceHeader`); undefined when it is not sampled.
   */
  traceHeaderFor(event: TracedEvent, incoming: string | undefined): string | undefined;
}

/**
 * EventBridge carries the trace header of PutEvents (the entry's `TraceHeader`, else the request's
 * `X-Amzn-Trace-Id`) to the event's targets (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-related-service-xray.html).
 * The sandbox also records each traced event as a zero-length segment (origin `AWS::Events`, annotated with the
 * event's id, detail-type, source and correlation id) — the EventBridge node X-Ray's trace map draws — so a
 * waterfall shows which event carried the trace and an incident's trace can be found by its correlation id.
 *
 * An event put without a header (an existing service's order, a replayed line) starts a trace, as the
 * instrumented producer would have: every input is the root of its own trace.
 */
export function eventTracing(sink: SegmentSink, busName: string, virtualNow: () => number): EventTracing {
  return {
    traceHeaderFor(event, incoming) {
      const caller = parseTraceHeader(incoming);
      if (caller && !caller.sampled) return incoming;
      const traceId = caller?.root ?? newTraceId(Date.parse(event.time) || virtualNow());
      const id = newSegmentId();
      const at = wallSeconds();
      const correlationId = (event.detail as { correlationId?: unknown } | null)?.correlationId;
      sink.add({
        name: busName,
        id,
        trace_id: traceId,
        ...(caller?.parent ? { parent_id: caller.parent } : {}),
        start_time: at,
        end_time: at,
        origin: 'AWS::Events',
        annotations: {
          event_id: event.id,
          detail_type: event['detail-type'],
          source: event.source,
          ...(typeof correlationId === 'string' ? { correlation_id: correlationId } : {}),
        },
      });
      return formatTraceHeader({ root: traceId, parent: id, sampled: true });
    },
  };
}
