import type { JsonObject } from './json';

/** Errors a Retry's `States.TaskFailed` does not match: a task's timeouts. */
const TIMEOUTS: ReadonlySet<string> = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/**
 * Whether a Task state's failure is retried, and after how long (ms): the first retrier whose `ErrorEquals` names
 * the error (`States.ALL` any retryable one, `States.TaskFailed` any but a timeout) decides; while its
 * `MaxAttempts` (3 by default) are not used up, the wait is `IntervalSeconds` (1) × `BackoffRate` (2) to the power of
 * the attempts it made, at most `MaxDelaySeconds`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). `attempts` counts each
 * retrier's retries within one entry of the state and is updated. `undefined`: the failure goes to Catch.
 *
 * aws-local-stepfunctions makes the same decision by the same rules (it runs the retry); the sandbox has it wait
 * no wall-clock time and waits this long on the virtual clock instead. `JitterStrategy: FULL` would wait a random
 * share of it on AWS: here the whole of it, so that a run is the same every time.
 */
export function retryWaitMs(
  retriers: readonly JsonObject[],
  attempts: number[],
  error: unknown,
): number | undefined {
  const { name } = error instanceof Error ? error : { name: '' };
  if ((error as { isRetryable?: unknown } | null)?.isRetryable === false) return undefined;
  for (const [i, retrier] of retriers.entries()) {
    const names = Array.isArray(retrier.ErrorEquals) ? retrier.ErrorEquals : [];
    const matches = names.some(
      (e) => e === name || e === 'States.ALL' || (e === 'States.TaskFailed' && !TIMEOUTS.has(name)),
    );
    if (!matches) continue;
    const made = attempts[i] ?? 0;
    if (made >= numberOr(retrier.MaxAttempts, 3)) return undefined;
    attempts[i] = made + 1;
    const seconds = numberOr(retrier.IntervalSeconds, 1) * numberOr(retrier.BackoffRate, 2) ** made;
    return Math.min(seconds, numberOr(retrier.MaxDelaySeconds, Number.POSITIVE_INFINITY)) * 1000;
  }
  return undefined;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
