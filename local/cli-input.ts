import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RejectedInput } from './sandbox';

export interface ReplayInput {
  raw: unknown;
  /** Event time (ms); NaN when the event has no usable time (PutEvents then stamps it). */
  time: number;
  line: number;
}

/** One line of an NDJSON file: the event, or why it is not one. */
function inputOf(
  text: string,
  line: number,
  rejected: (input: RejectedInput) => void,
): ReplayInput | undefined {
  if (text.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    rejected({ line, reason: 'not valid JSON', raw: text });
    return undefined;
  }
  const time = Date.parse(String((raw as { time?: unknown } | null)?.time));
  // An event without a usable time is still put on the bus: PutEvents then stamps it (and validates it).
  return { raw, time: Number.isFinite(time) ? time : Number.NaN, line };
}

/**
 * Streams an NDJSON file line by line (constant memory, whatever its size): yields each event with its line
 * number; a line that is not JSON is reported to `rejected` with its line number and skipped.
 */
export async function* streamEvents(
  file: string,
  rejected: (input: RejectedInput) => void,
): AsyncGenerator<ReplayInput> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 }),
    crlfDelay: Infinity,
  });
  let line = 0;
  for await (const text of lines) {
    const input = inputOf(text, ++line, rejected);
    if (input) yield input;
  }
}

/**
 * The first and last event time of an NDJSON file, in one streaming pass that reads only the `time` fields
 * (for the poison-pill drill, which puts its event in the middle of the stream).
 */
export async function timeRangeOf(file: string): Promise<{ first: number; last: number } | undefined> {
  let first = Infinity;
  let last = -Infinity;
  const pattern = /"time"\s*:\s*"([^"]*)"/;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of lines) {
    const [, stamp] = pattern.exec(text) ?? [];
    const time = stamp === undefined ? Number.NaN : Date.parse(stamp);
    if (!Number.isFinite(time)) continue;
    if (time < first) first = time;
    if (time > last) last = time;
  }
  return Number.isFinite(first) ? { first, last } : undefined;
}
