import { randomBytes } from 'node:crypto';

/**
 * An X-Ray trace header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`), as it travels in `X-Amzn-Trace-Id`,
 * a PutEvents entry's `TraceHeader`, an SQS message's `AWSTraceHeader` and Lambda's `_X_AMZN_TRACE_ID`
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader).
 */
export interface TraceHeader {
  readonly root: string;
  /** The segment or subsegment that made the call; absent when the caller starts the trace. */
  readonly parent?: string;
  readonly sampled: boolean;
}

export const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
export const SEGMENT_ID = /^[0-9a-f]{16}$/;

/** Parses a trace header; undefined when it has no valid `Root` (an unusable header is ignored, as AWS does). */
export function parseTraceHeader(text: string | undefined): TraceHeader | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const root = fields.get('Root');
  if (root === undefined || !TRACE_ID.test(root)) return undefined;
  const parent = fields.get('Parent');
  return {
    root,
    ...(parent !== undefined && SEGMENT_ID.test(parent) ? { parent } : {}),
    sampled: fields.get('Sampled') !== '0',
  };
}

export function formatTraceHeader(header: TraceHeader): string {
  return `Root=${header.root}${header.parent ? `;Parent=${header.parent}` : ''};Sampled=${header.sampled ? 1 : 0}`;
}

/** A new trace id whose time part is `epochMs` (the sandbox passes event time, so ids sort by the fact's time). */
export function newTraceId(epochMs: number): string {
  const seconds = Math.max(0, Math.floor(epochMs / 1000));
  return `1-${seconds.toString(16).padStart(8, '0').slice(-8)}-${randomBytes(12).toString('hex')}`;
}

export function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}
