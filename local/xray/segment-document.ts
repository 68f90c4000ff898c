import { z } from 'zod';
import { SEGMENT_ID, TRACE_ID } from './trace-header';

/**
 * Segment documents as X-Ray takes them (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html):
 * a whole segment with its subsegments, or one subsegment sent on its own (`type: "subsegment"` with `trace_id` and
 * `parent_id`), as the X-Ray SDK streams them from Lambda. Fields the sandbox does not read are kept as they are.
 */

/** A link to a span of another trace (X-Ray links an SQS batch's consumer to its producers' traces). */
export interface TraceLink {
  trace_id: string;
  id: string;
  [field: string]: unknown;
}

/** The fields segments and subsegments share. */
interface TimedDocument {
  name: string;
  id: string;
  /** Epoch seconds. */
  start_time: number;
  end_time?: number | undefined;
  in_progress?: boolean | undefined;
  error?: boolean | undefined;
  fault?: boolean | undefined;
  throttle?: boolean | undefined;
  origin?: string | undefined;
  namespace?: string | undefined;
  cause?: unknown;
  annotations?: Record<string, string | number | boolean> | undefined;
  links?: TraceLink[] | undefined;
  subsegments?: SubsegmentDocument[] | undefined;
  [field: string]: unknown;
}

export type SubsegmentDocument = TimedDocument;

export interface SegmentDocument extends TimedDocument {
  trace_id: string;
  parent_id?: string | undefined;
  type?: 'subsegment' | undefined;
}

const annotationValue = z.union([z.string(), z.number(), z.boolean()]);

const traceLinkSchema = z.looseObject({
  trace_id: z.string().regex(TRACE_ID),
  id: z.string().regex(SEGMENT_ID),
});

const timing = {
  name: z.string().min(1).max(250),
  id: z.string().regex(SEGMENT_ID, 'id must be 16 hexadecimal digits'),
  start_time: z.number().positive(),
  end_time: z.number().positive().optional(),
  in_progress: z.boolean().optional(),
  error: z.boolean().optional(),
  fault: z.boolean().optional(),
  throttle: z.boolean().optional(),
  origin: z.string().optional(),
  namespace: z.string().optional(),
  annotations: z.record(z.string(), annotationValue).optional(),
  links: z.array(traceLinkSchema).optional(),
};

/** Either an end time or `in_progress: true`, never neither. */
const finishedOrInProgress = (doc: { end_time?: number | undefined; in_progress?: boolean | undefined }) =>
  doc.end_time !== undefined || doc.in_progress === true;
const FINISHED_MESSAGE = { error: 'a segment needs end_time or in_progress: true' };

const subsegmentSchema: z.ZodType<SubsegmentDocument> = z
  .looseObject({
    ...timing,
    get subsegments() {
      return z.array(subsegmentSchema).optional();
    },
  })
  .refine(finishedOrInProgress, FINISHED_MESSAGE);

const segmentDocumentSchema: z.ZodType<SegmentDocument> = z
  .looseObject({
    ...timing,
    trace_id: z.string().regex(TRACE_ID, 'trace_id must look like 1-<8 hex>-<24 hex>'),
    parent_id: z.string().regex(SEGMENT_ID, 'parent_id must be 16 hexadecimal digits').optional(),
    type: z.literal('subsegment').optional(),
    subsegments: z.array(subsegmentSchema).optional(),
  })
  .refine(finishedOrInProgress, FINISHED_MESSAGE)
  .refine((doc) => doc.type !== 'subsegment' || doc.parent_id !== undefined, {
    error: 'a subsegment sent on its own needs parent_id',
  });

export type ParsedDatagram =
  { readonly ok: true; readonly document: SegmentDocument } | { readonly ok: false; readonly reason: string };

/** One UDP datagram of the daemon protocol: the header line, a newline, then one segment document. */
export function parseDatagram(text: string): ParsedDatagram {
  const newline = text.indexOf('\n');
  if (newline < 0) return { ok: false, reason: 'no header line (expected {"format":"json","version":1}\\n)' };
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, newline));
  } catch {
    return { ok: false, reason: 'the header line is not JSON' };
  }
  const { format, version } = (header ?? {}) as { format?: unknown; version?: unknown };
  if (format !== 'json' || version !== 1) {
    return { ok: false, reason: `unsupported header ${text.slice(0, Math.min(newline, 80))}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(text.slice(newline + 1));
  } catch {
    return { ok: false, reason: 'the segment document is not JSON' };
  }
  return validateDocument(body);
}

/** Checks a segment document's shape; the reason names the first field that is wrong. */
export function validateDocument(body: unknown): ParsedDatagram {
  const parsed = segmentDocumentSchema.safeParse(body);
  if (parsed.success) return { ok: true, document: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `${field}${issue?.message ?? 'not a segment document'}` };
}
