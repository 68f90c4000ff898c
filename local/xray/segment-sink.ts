import type { SegmentDocument } from './segment-document';

/** Where the sandbox writes the segments AWS services record on their own (the collector). */
export interface SegmentSink {
  add(document: SegmentDocument): void;
}

/**
 * Segment times are wall-clock epoch seconds, as the X-Ray SDK in the functions writes them: a waterfall shows
 * where real processing time went. (Trace ids carry virtual event time instead, so they sort by the fact's time.)
 */
export const wallSeconds = (): number => Date.now() / 1000;

/** X-Ray's `cause` with one exception. */
export function causeOf(type: string, message: string): { exceptions: { type: string; message: string }[] } {
  return { exceptions: [{ type, message: message.slice(0, 1000) }] };
}
