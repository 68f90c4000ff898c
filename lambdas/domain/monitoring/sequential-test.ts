/**
 * The detector's sequential test: a CUSUM that accumulates a lasting excess of cancellations too small for the fast
 * blocks to see within their longest length, and names the block it has lasted.
 */
import type { DetectorConfig } from './detector-config';
import type { ScopeHistory } from './scope-history';

/**
 * The sequential test (see `sequentialWindows`): a CUSUM over the `sequentialWindows` windows ending at
 * `evaluated`, each window adding cancelled · ln(k) − (k − 1) · baselineRatio · placed (k = `sequentialLift`),
 * floored at zero. An alarm (the sum at `sequentialLogLikelihoodRatio` or more) restarts the sum once it is older
 * than `ambiguousWindows`. Returns the first window of the run that alarms at `evaluated` — the block the excess
 * has lasted — or undefined when the sum is below the alarm level there.
 */
export function sequentialRunStart(
  history: ScopeHistory,
  evaluated: number,
  baselineRatio: number,
  config: Pick<
    DetectorConfig,
    'sequentialWindows' | 'sequentialLift' | 'sequentialLogLikelihoodRatio' | 'ambiguousWindows'
  >,
): number | undefined {
  const logLift = Math.log(config.sequentialLift);
  const excessCost = (config.sequentialLift - 1) * baselineRatio;
  const first = evaluated - config.sequentialWindows + 1;
  let sum = 0;
  let runStart = first;
  for (let i = first; i <= evaluated; i++) {
    const count = history.at(i);
    sum += count.cancelled * logLift - excessCost * count.placed;
    if (sum <= 0) {
      sum = 0;
      runStart = i + 1;
    } else if (sum >= config.sequentialLogLikelihoodRatio && i < evaluated - config.ambiguousWindows) {
      // Alarmed, and long enough ago for attribution to have decided: start afresh, as a CUSUM does.
      sum = 0;
      runStart = i + 1;
    }
  }
  return sum >= config.sequentialLogLikelihoodRatio ? runStart : undefined;
}
