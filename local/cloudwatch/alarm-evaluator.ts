/**
 * One evaluation of a CloudWatch metric alarm, as CloudWatch describes it: the datapoints of the evaluation
 * range (newest first), compared with the threshold, M breaching out of N to alarm, and missing data treated as
 * the alarm says — pure, so that it can be tested datapoint by datapoint.
 *
 * Missing data (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
 * CloudWatch retrieves more periods than `EvaluationPeriods` (the evaluation range).
 * - No datapoint among the newest N missing: the newest N are evaluated.
 * - Some missing, but at least N real datapoints in the range: the N most recent real ones are evaluated and
 *   TreatMissingData plays no part.
 * - No datapoint at all in the range: `missing` → INSUFFICIENT_DATA, `ignore` → the state is kept,
 *   `breaching` → ALARM, `notBreaching` → OK.
 * - Fewer than N real datapoints: `breaching` and `notBreaching` fill the missing ones (as few as needed); with
 *   `missing` and `ignore` the real ones decide only when they can (M breaching → ALARM; too few left to ever
 *   reach M → OK), otherwise the state is kept.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export const COMPARISON_OPERATORS = {
  GreaterThanOrEqualToThreshold: {
    test: (v: number, t: number) => v >= t,
    words: 'greater than or equal to',
  },
  GreaterThanThreshold: { test: (v: number, t: number) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v: number, t: number) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v: number, t: number) => v <= t, words: 'less than or equal to' },
} as const;
export type ComparisonOperator = keyof typeof COMPARISON_OPERATORS;

export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

export interface AlarmRule {
  readonly comparisonOperator: ComparisonOperator;
  readonly threshold: number;
  /** N. */
  readonly evaluationPeriods: number;
  /** M (defaults to N in the template). */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

export interface AlarmEvaluation {
  readonly state: AlarmState;
  /** In CloudWatch's manner: how many datapoints breached, of which, against what. */
  readonly reason: string;
}

/**
 * How many periods the sandbox retrieves for an alarm of N evaluation periods. CloudWatch does not publish the
 * exact number (it depends on the period and the resolution); twice N, and at least 5, is what is used here.
 */
export function evaluationRange(evaluationPeriods: number): number {
  return Math.max(5, 2 * evaluationPeriods);
}

const format = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

/**
 * Evaluates `rule` over `datapoints` (newest first; `undefined` is a missing datapoint), from the `current`
 * state (which `ignore` and undecided partial data keep).
 */
export function evaluateAlarm(
  rule: AlarmRule,
  datapoints: readonly (number | undefined)[],
  current: AlarmState,
): AlarmEvaluation {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const { test, words } = COMPARISON_OPERATORS[rule.comparisonOperator];
  const breaches = (value: number) => test(value, rule.threshold);
  const real = datapoints.filter((value): value is number => value !== undefined);
  const verdict = (evaluated: readonly number[], filled: number, breachingFill: boolean): AlarmEvaluation => {
    const breaching = evaluated.filter(breaches).length + (breachingFill ? filled : 0);
    const total = evaluated.length + filled;
    const list = `[${evaluated.map(format).join(', ')}${filled > 0 ? `${evaluated.length > 0 ? ', ' : ''}${filled} missing treated as ${breachingFill ? 'breaching' : 'not breaching'}` : ''}]`;
    const state: AlarmState = breaching >= m ? 'ALARM' : 'OK';
    return {
      state,
      reason: `Threshold Crossed: ${breaching} out of the last ${total} datapoints ${list} ${breaching >= m ? 'were' : 'were not'} ${words} the threshold (${format(rule.threshold)}) at least ${m} time(s).`,
    };
  };

  const newest = datapoints.slice(0, n);
  if (newest.length === n && newest.every((value): value is number => value !== undefined)) {
    return verdict(newest, 0, false);
  }
  if (real.length >= n) return verdict(real.slice(0, n), 0, false);
  if (real.length === 0) {
    switch (rule.treatMissingData) {
      case 'missing':
        return {
          state: 'INSUFFICIENT_DATA',
          reason: `Insufficient Data: no datapoint in the last ${datapoints.length} period(s).`,
        };
      case 'ignore':
        return {
          state: current,
          reason: `No datapoint in the last ${datapoints.length} period(s): state kept.`,
        };
      case 'breaching':
        return verdict([], n, true);
      case 'notBreaching':
        return verdict([], n, false);
    }
  }
  const filled = n - real.length;
  if (rule.treatMissingData === 'breaching') return verdict(real, filled, true);
  if (rule.treatMissingData === 'notBreaching') return verdict(real, filled, false);
  // missing / ignore with partial data: the real datapoints decide when they can.
  const breaching = real.filter(breaches).length;
  if (breaching >= m) return verdict(real, 0, false);
  if (breaching + filled < m) {
    const ok = verdict(real, 0, false);
    return { state: 'OK', reason: ok.reason };
  }
  return {
    state: current,
    reason: `${real.length} of ${n} datapoints present, ${breaching} breaching: not enough to decide, state kept.`,
  };
}
