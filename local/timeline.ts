import { describeEvent } from '../lambdas/domain/contracts/describe';
import type { EventEnvelope } from './eventbridge/bus';

/** Sources whose events are inputs from existing services: summarised between the platform's events. */
const INPUT_SOURCES = new Set(['retail.orders', 'retail.warehouses']);

/** A line shown among the platform events at its time: an alarm changing state, for instance. */
export interface TimelineNote {
  readonly time: number;
  readonly source: string;
  readonly type: string;
  readonly text: string;
}

/**
 * The incident timeline: every platform event in event-time order, one line each, with the input stream in
 * between summarised (first event shown, then counts per detail-type).
 *
 * Reads `events` twice and keeps only the platform events and per-gap counts, so it runs over an archive of
 * millions of events (spilled to disk) in bounded memory: the first pass collects the platform events, the
 * second counts each input event into the gap between the platform events around it, in (time, arrival) order.
 */
export function formatTimeline(
  events: Iterable<EventEnvelope>,
  notes: readonly TimelineNote[] = [],
): string[] {
  const platform: { event: EventEnvelope; time: number; index: number; text?: string }[] = [];
  let index = 0;
  for (const event of events) {
    if (!INPUT_SOURCES.has(event.source)) platform.push({ event, time: Date.parse(event.time), index });
    index++;
  }
  // Notes come after the events of their instant (an alarm is evaluated after what it measures).
  for (const note of notes) {
    const time = new Date(note.time).toISOString();
    const event = { time, source: note.source, 'detail-type': note.type } as EventEnvelope;
    platform.push({ event, time: note.time, index: Number.MAX_SAFE_INTEGER, text: note.text });
  }
  platform.sort((a, b) => a.time - b.time || a.index - b.index);
  /** Platform events before (time, index): the gap an input event falls in. */
  const gapOf = (time: number, at: number): number => {
    let low = 0;
    let high = platform.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const p = platform[mid];
      if (p !== undefined && (p.time < time || (p.time === time && p.index < at))) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  // Per gap, the counts per detail-type and where each type first appears (types are listed in that order).
  const gaps = new Map<number, Map<string, { count: number; time: number; index: number }>>();
  let first: { event: EventEnvelope; time: number; index: number } | undefined;
  index = 0;
  for (const event of events) {
    const at = index++;
    if (!INPUT_SOURCES.has(event.source)) continue;
    const time = Date.parse(event.time);
    if (first === undefined || time < first.time || (time === first.time && at < first.index)) {
      if (first !== undefined) count(first.event, first.time, first.index);
      first = { event, time, index: at };
      continue;
    }
    count(event, time, at);
  }
  function count(event: EventEnvelope, time: number, at: number): void {
    const gap = gapOf(time, at);
    let types = gaps.get(gap);
    if (!types) {
      types = new Map<string, { count: number; time: number; index: number }>();
      gaps.set(gap, types);
    }
    const type = types.get(event['detail-type']);
    if (!type) types.set(event['detail-type'], { count: 1, time, index: at });
    else {
      type.count++;
      if (time < type.time || (time === type.time && at < type.index)) {
        type.time = time;
        type.index = at;
      }
    }
  }

  const lines: string[] = [];
  const line = (e: EventEnvelope, text: string) =>
    lines.push(
      `${e.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z')}  ${e.source.padEnd(22)} ${e['detail-type'].padEnd(25)} ${text}`,
    );
  const firstGap = first === undefined ? -1 : gapOf(first.time, first.index);
  for (let gap = 0; gap <= platform.length; gap++) {
    if (gap === firstGap && first !== undefined)
      line(first.event, `first event: ${describeEvent(first.event['detail-type'], first.event.detail)}`);
    const types = gaps.get(gap);
    if (types && types.size > 0) {
      const counts = [...types]
        .sort(([, a], [, b]) => a.time - b.time || a.index - b.index)
        .map(([type, { count }]) => `${count.toLocaleString('en-US')} ${type}`)
        .join(', ');
      lines.push(`${' '.repeat(22)}… ${counts}`);
    }
    const p = platform[gap];
    if (p) line(p.event, p.text ?? describeEvent(p.event['detail-type'], p.event.detail));
  }
  return lines;
}
