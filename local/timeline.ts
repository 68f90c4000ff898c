import { describeEvent } from '../lambdas/domain/contracts/describe';
import type { EventEnvelope } from './eventbridge/bus';

/** Sources whose events are inputs from existing services: summarised between the platform's events. */
const INPUT_SOURCES = new Set(['retail.orders']);

/**
 * The incident timeline: every platform event in event-time order, one line each, with the input stream in
 * between summarised (first event shown, then counts per detail-type).
 */
export function formatTimeline(events: readonly EventEnvelope[]): string[] {
  const ordered = events.map((event, index) => ({ event, index }));
  ordered.sort((a, b) => Date.parse(a.event.time) - Date.parse(b.event.time) || a.index - b.index);
  const lines: string[] = [];
  const line = (e: EventEnvelope, text: string) =>
    lines.push(
      `${e.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z')}  ${e.source.padEnd(22)} ${e['detail-type'].padEnd(25)} ${text}`,
    );
  let pending = new Map<string, number>();
  let seenInput = false;
  const flush = () => {
    if (pending.size === 0) return;
    const counts = [...pending].map(([type, n]) => `${n.toLocaleString('en-US')} ${type}`).join(', ');
    lines.push(`${' '.repeat(22)}… ${counts}`);
    pending = new Map();
  };
  for (const { event } of ordered) {
    if (INPUT_SOURCES.has(event.source)) {
      if (!seenInput) {
        seenInput = true;
        line(event, `first event: ${describeEvent(event['detail-type'], event.detail)}`);
        continue;
      }
      pending.set(event['detail-type'], (pending.get(event['detail-type']) ?? 0) + 1);
      continue;
    }
    flush();
    line(event, describeEvent(event['detail-type'], event.detail));
  }
  flush();
  return lines;
}
