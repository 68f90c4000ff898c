import { ReplayBuffer } from './replay-buffer';
import type { ReplayEvent, ReplayOptions, ReplayStats } from './sandbox-options';

/** What a replay drives: the sandbox's bus, its virtual clock and its wait for quiet. */
export interface ReplayTarget {
  /** Puts one envelope on the bus at its own event time (a refused one is recorded, not thrown). */
  put(raw: unknown, line?: number): void;
  /** Moves the virtual clock to `ms`, firing the timers due before it. */
  advanceTo(ms: number): Promise<void>;
  /** Waits until nothing is in flight. */
  settle(): Promise<void>;
  /** Runs pending timers in time order until none is left before `until`. */
  drain(until: number): Promise<void>;
  /** The virtual time (ms). */
  now(): number;
}

/**
 * Replays events in event-time order: the clock moves to each step's time (firing due timers), the step's
 * events go on the bus, and the sandbox settles before time moves on. Then pending timers (retries,
 * visibility timeouts, task timeouts) run out within `horizonSeconds` after the last event.
 *
 * `events` may be a stream (an async iterable, e.g. a file read line by line): events are held only until
 * their step runs. A step runs once an event `reorderSeconds` past its end has been read (or more than
 * `maxBuffered` events are waiting), so events up to `reorderSeconds` out of order are replayed in event-time
 * order; one that arrives later than that, after its step has run, goes on the bus in the current step with
 * its own event time (a late event) and is counted in `late`. An array is sorted first, as a whole. Events
 * without a usable time (NaN) go on the bus after the last step, where PutEvents stamps or refuses them.
 */
export async function replayByEventTime(
  target: ReplayTarget,
  events: Iterable<ReplayEvent> | AsyncIterable<ReplayEvent>,
  stepSeconds: number,
  horizonSeconds: number,
  options: ReplayOptions,
): Promise<ReplayStats> {
  const stepMs = stepSeconds * 1000;
  const reorderMs = (options.reorderSeconds ?? 1800) * 1000;
  const maxBuffered = options.maxBuffered ?? 200_000;
  const source = Array.isArray(events)
    ? [...(events as readonly ReplayEvent[])].sort((a, b) => a.time - b.time)
    : events;
  const buffer = new ReplayBuffer<ReplayEvent>();
  const untimed: ReplayEvent[] = [];
  const stats = { events: 0, late: 0, steps: 0, maxBuffered: 0 };
  let newest = -Infinity;
  let lastStepEnd = -Infinity;
  const stepEndOf = (time: number) => Math.floor(time / stepMs) * stepMs + stepMs;
  const runStep = async (earliest: number) => {
    let stepEnd = stepEndOf(earliest);
    if (stepEnd < lastStepEnd) stepEnd = lastStepEnd;
    const batch = buffer.takeBefore(stepEnd);
    if (stepEnd === lastStepEnd) stats.late += batch.length;
    // The step's events keep their own times; the work they set off happens at the end of the step, like a
    // batching window closing, so everything an agent emits is stamped at or after the facts it saw.
    await target.advanceTo(stepEnd - 1);
    for (const event of batch) target.put(event.raw, event.line);
    await target.settle();
    lastStepEnd = stepEnd;
    stats.steps++;
  };
  for await (const event of source) {
    stats.events++;
    if (!Number.isFinite(event.time)) {
      untimed.push(event);
      continue;
    }
    buffer.push(event);
    if (buffer.size > stats.maxBuffered) stats.maxBuffered = buffer.size;
    if (event.time > newest) newest = event.time;
    for (
      let earliest = buffer.earliest();
      earliest !== undefined && (stepEndOf(earliest) + reorderMs <= newest || buffer.size > maxBuffered);
      earliest = buffer.earliest()
    ) {
      await runStep(earliest);
    }
  }
  for (let earliest = buffer.earliest(); earliest !== undefined; earliest = buffer.earliest())
    await runStep(earliest);
  if (untimed.length > 0) {
    for (const event of untimed) target.put(event.raw, event.line);
    await target.settle();
  }
  await target.drain(target.now() + horizonSeconds * 1000);
  return stats;
}
