import type { ReplayInput } from '../cli-input';

/** Waits shorter than this are saved up: timers are not precise below a few milliseconds. */
const MIN_SLEEP_MS = 20;

/**
 * Paces a replay for a person watching: between two input events, waits their event-time gap divided by `speed`
 * (60: an hour of events in a minute). The wait is counted between reads, so time the replay spends elsewhere —
 * held at an approval, or busy — is not made up for by rushing afterwards. `speed` 0 or Infinity: no pacing.
 */
export function paceInRealTime(
  speed: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): (inputs: AsyncIterable<ReplayInput>) => AsyncIterable<ReplayInput> {
  if (!(speed >= 0)) throw new Error(`--speed must be a number >= 0, got ${speed}`);
  return async function* paced(inputs) {
    if (speed === 0 || speed === Infinity) {
      yield* inputs;
      return;
    }
    let last: number | undefined;
    let owed = 0;
    for await (const input of inputs) {
      if (Number.isFinite(input.time)) {
        if (last !== undefined && input.time > last) owed += (input.time - last) / speed;
        if (last === undefined || input.time > last) last = input.time;
        if (owed >= MIN_SLEEP_MS) {
          await sleep(owed);
          owed = 0;
        }
      }
      yield input;
    }
  };
}
