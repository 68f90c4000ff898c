import { readFileSync } from 'node:fs';
import type { RejectedInput } from './sandbox';

export interface ReplayInput {
  raw: unknown;
  time: number;
  line: number;
}

/** Reads an NDJSON file; a line that is not JSON or has no valid time is kept as a rejected input. */
export function readEvents(file: string, rejected: RejectedInput[]): ReplayInput[] {
  const inputs: ReplayInput[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.trim() === '') return;
      const line = index + 1;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        rejected.push({ line, reason: 'not valid JSON', raw: text });
        return;
      }
      const time = Date.parse(String((raw as { time?: unknown } | null)?.time));
      // An event without a usable time is still put on the bus: PutEvents then stamps it (and validates it).
      inputs.push({ raw, time: Number.isFinite(time) ? time : Number.NaN, line });
    });
  const last = inputs.reduce((t, i) => (Number.isFinite(i.time) ? Math.max(t, i.time) : t), 0);
  for (const input of inputs) if (!Number.isFinite(input.time)) input.time = last;
  return inputs;
}
