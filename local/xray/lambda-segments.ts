import type { SegmentDocument, TraceLink } from './segment-document';
import { causeOf, wallSeconds, type SegmentSink } from './segment-sink';
import { formatTraceHeader, newSegmentId, newTraceId, parseTraceHeader } from './trace-header';

/** The trace an invocation arrives with: a caller's header, and links to other traces (an SQS batch's). */
export interface IncomingTrace {
  readonly header?: string;
  readonly links?: readonly TraceLink[];
}

/** One traced invocation: the `_X_AMZN_TRACE_ID` to run it with, and its end. */
interface InvocationSpan {
  readonly traceHeader: string;
  end(result: { readonly ok: true } | { readonly ok: false; errorType: string; errorMessage: string }): void;
}

/** What a Lambda execution environment needs from tracing (local/lambda/local-function.ts). */
export interface FunctionTracing {
  /** The invocation's segment, or undefined when Lambda would not trace it. */
  begin(trace: IncomingTrace | undefined): InvocationSpan | undefined;
}

export type TracingMode = 'Active' | 'PassThrough';

/** X-Ray links a segment to at most 20 other traces (https://docs.aws.amazon.com/xray/latest/devguide/xray-tracelinking.html). */
const MAX_LINKS_PER_SEGMENT = 20;

/**
 * The function segment Lambda records for each invocation when tracing is on (the SDK in the function sends only
 * subsegments: its segment is a facade whose id is the `Parent` of `_X_AMZN_TRACE_ID`). `Active` traces every
 * invocation, starting a trace when the caller sent none; `PassThrough` only continues a sampled caller's trace.
 */
export function functionTracing(
  sink: SegmentSink,
  fn: { readonly functionName: string; readonly functionArn: string },
  mode: TracingMode,
  virtualNow: () => number,
): FunctionTracing {
  return {
    begin(trace) {
      const caller = parseTraceHeader(trace?.header);
      if (caller && !caller.sampled) return undefined;
      if (!caller && mode === 'PassThrough') return undefined;
      const traceId = caller?.root ?? newTraceId(virtualNow());
      const id = newSegmentId();
      const start = wallSeconds();
      const links = (trace?.links ?? []).slice(0, MAX_LINKS_PER_SEGMENT);
      return {
        traceHeader: formatTraceHeader({ root: traceId, parent: id, sampled: true }),
        end(result) {
          const document: SegmentDocument = {
            name: fn.functionName,
            id,
            trace_id: traceId,
            ...(caller?.parent ? { parent_id: caller.parent } : {}),
            start_time: start,
            end_time: Math.max(start, wallSeconds()),
            origin: 'AWS::Lambda::Function',
            aws: { function_arn: fn.functionArn },
            ...(links.length > 0 ? { links } : {}),
            ...(result.ok ? {} : { fault: true, cause: causeOf(result.errorType, result.errorMessage) }),
          };
          sink.add(document);
        },
      };
    },
  };
}

/**
 * The trace an SQS batch's invocation continues: the first message that carries a sampled `AWSTraceHeader` is
 * its parent, and the other messages' traces (at most {@link MAX_LINKS_PER_SEGMENT}) are linked, not joined —
 * so one invocation belongs to one trace and a batch of many producers' messages stays findable from each.
 */
export function batchTrace(headers: readonly (string | undefined)[]): IncomingTrace | undefined {
  let first: string | undefined;
  let firstRoot: string | undefined;
  const links: TraceLink[] = [];
  const linked = new Set<string>();
  for (const text of headers) {
    const header = parseTraceHeader(text);
    if (!header || !header.sampled || !header.parent) continue;
    if (first === undefined) {
      first = text;
      firstRoot = header.root;
      continue;
    }
    if (header.root === firstRoot || linked.has(header.root)) continue;
    if (links.length >= MAX_LINKS_PER_SEGMENT) break;
    linked.add(header.root);
    links.push({ trace_id: header.root, id: header.parent });
  }
  if (first === undefined) return undefined;
  return { header: first, ...(links.length > 0 ? { links } : {}) };
}
