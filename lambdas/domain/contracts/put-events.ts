/**
 * EventBridge PutEvents limits, as every publisher (the agents' EventPublisher, the network import) chunks its
 * entries and as the sandbox's bus refuses a request.
 */

/**
 * EventBridge PutEvents: the total entry size of one request (the sum of every entry's size as
 * {@link putEventsEntrySize} counts it). 1 MB since 29 January 2026 (it was 256 KB):
 * https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb
 * The pages say "less than"; measured against AWS, a request of exactly 1,048,576 bytes is accepted and one byte
 * more refused, so that is the boundary here.
 */
export const PUT_EVENTS_MAX_REQUEST_BYTES = 1_048_576;

/** EventBridge PutEvents: entries per request (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** A PutEvents entry's fields as EventBridge sizes them. */
export interface SizedPutEventsEntry {
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Time?: unknown;
  readonly Resources?: readonly string[] | undefined;
}

/**
 * An entry's size as EventBridge counts it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html): 14 bytes for Time when it is
 * given, and the UTF-8 bytes of Source, DetailType, Detail and each of Resources. EventBusName and TraceHeader do
 * not count.
 */
export function putEventsEntrySize(entry: SizedPutEventsEntry): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  for (const value of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8');
  }
  return size;
}

/**
 * `entries` in PutEvents requests: at most {@link PUT_EVENTS_MAX_ENTRIES} each, whose sizes add up to at most
 * {@link PUT_EVENTS_MAX_REQUEST_BYTES}, in order. An entry too large for any request is refused with its index.
 */
export function putEventsChunks<T extends SizedPutEventsEntry>(entries: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const size = putEventsEntrySize(entry);
    if (size > PUT_EVENTS_MAX_REQUEST_BYTES) {
      throw new RangeError(
        `entry ${index} (${entry.DetailType ?? 'no detail-type'}) is ${size} bytes: PutEvents takes at most ${PUT_EVENTS_MAX_REQUEST_BYTES}`,
      );
    }
    if (chunk.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_REQUEST_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  });
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
