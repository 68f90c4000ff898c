import fc from 'fast-check';
import {
  evaluateAlarm,
  evaluationRange,
  type AlarmRule,
  type AlarmState,
  type TreatMissingData,
} from '../../local/cloudwatch/alarm-evaluator';

const X = 5; // breaching (threshold 1, GreaterThanOrEqualToThreshold)
const O = 0; // not breaching
const _ = undefined; // missing

const rule = (overrides: Partial<AlarmRule> = {}): AlarmRule => ({
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  threshold: 1,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  treatMissingData: 'missing',
  ...overrides,
});
const stateOf = (r: AlarmRule, datapoints: (number | undefined)[], current: AlarmState = 'OK') =>
  evaluateAlarm(r, datapoints, current).state;

describe('evaluateAlarm: comparison operators at the threshold', () => {
  it.each([
    ['GreaterThanOrEqualToThreshold', 1, 'ALARM'],
    ['GreaterThanThreshold', 1, 'OK'],
    ['LessThanThreshold', 0.5, 'ALARM'],
    ['LessThanOrEqualToThreshold', 1, 'ALARM'],
    ['LessThanThreshold', 1, 'OK'],
  ] as const)('%s with the value %d → %s', (comparisonOperator, value, expected) => {
    const r = rule({ comparisonOperator, evaluationPeriods: 1, datapointsToAlarm: 1 });
    expect(stateOf(r, [value, _, _, _, _])).toBe(expected);
  });
});

describe('evaluateAlarm: M out of N', () => {
  const twoOfThree = rule({ datapointsToAlarm: 2 });

  it('alarms when M of the newest N breach, wherever they are among them', () => {
    expect(stateOf(twoOfThree, [X, O, X, O, O])).toBe('ALARM');
    expect(stateOf(twoOfThree, [O, X, X, O, O])).toBe('ALARM');
  });

  it('stays OK with fewer than M breaching among the newest N, ignoring older breaches', () => {
    expect(stateOf(twoOfThree, [X, O, O, X, X])).toBe('OK');
  });

  it('needs every one of N datapoints to breach when M equals N', () => {
    expect(stateOf(rule(), [X, X, O, X, X])).toBe('OK');
    expect(stateOf(rule(), [X, X, X, O, O])).toBe('ALARM');
  });

  it('returns to OK from ALARM as soon as the newest N no longer hold M breaches', () => {
    expect(stateOf(twoOfThree, [O, O, X, X, X], 'ALARM')).toBe('OK');
  });

  it('explains the verdict with the datapoints it used', () => {
    expect(evaluateAlarm(twoOfThree, [X, O, X], 'OK').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [5.0, 0.0, 5.0] were greater than or equal to the threshold (1.0) at least 2 time(s).',
    );
  });
});

describe('evaluateAlarm: missing data', () => {
  const treatments: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

  it('with every datapoint of the range missing: INSUFFICIENT_DATA, kept, ALARM, OK', () => {
    const all = [_, _, _, _, _, _];
    expect(treatments.map((t) => stateOf(rule({ treatMissingData: t }), all, 'ALARM'))).toEqual([
      'INSUFFICIENT_DATA',
      'ALARM',
      'ALARM',
      'OK',
    ]);
    expect(stateOf(rule({ treatMissingData: 'ignore' }), all, 'OK')).toBe('OK');
  });

  it('with at least N real datapoints in the range, evaluates the N most recent real ones whatever the treatment', () => {
    // Newest first: one missing among the newest three, but three real breaches within the range.
    const points = [X, _, X, X, O, O];
    for (const t of treatments)
      expect([t, stateOf(rule({ treatMissingData: t }), points)]).toEqual([t, 'ALARM']);
    const healthy = [O, _, X, X, _, _];
    for (const t of treatments)
      expect([t, stateOf(rule({ treatMissingData: t }), healthy, 'ALARM')]).toEqual([t, 'OK']);
  });

  it('with fewer than N real datapoints, breaching fills the gap with breaches and notBreaching with good ones', () => {
    const points = [X, X, _, _, _, _];
    expect(stateOf(rule({ treatMissingData: 'breaching' }), points)).toBe('ALARM');
    expect(stateOf(rule({ treatMissingData: 'notBreaching' }), points, 'ALARM')).toBe('OK');
    expect(evaluateAlarm(rule({ treatMissingData: 'notBreaching' }), points, 'OK').reason).toContain(
      '1 missing treated as not breaching',
    );
  });

  it('with fewer than N real datapoints, missing and ignore decide only when the real ones can', () => {
    const twoOfThree = rule({ datapointsToAlarm: 2 });
    // Two real breaches reach M = 2: ALARM.
    for (const t of ['missing', 'ignore'] as const)
      expect(stateOf({ ...twoOfThree, treatMissingData: t }, [X, X, _, _, _, _])).toBe('ALARM');
    // Two real good datapoints: even a breaching third could not reach M = 2: OK.
    for (const t of ['missing', 'ignore'] as const)
      expect(stateOf({ ...twoOfThree, treatMissingData: t }, [O, O, _, _, _, _], 'ALARM')).toBe('OK');
    // One breach and one missing short of M: undecided, the state is kept.
    for (const t of ['missing', 'ignore'] as const) {
      expect(stateOf({ ...twoOfThree, treatMissingData: t }, [X, O, _, _, _, _], 'OK')).toBe('OK');
      expect(stateOf({ ...twoOfThree, treatMissingData: t }, [X, O, _, _, _, _], 'ALARM')).toBe('ALARM');
    }
  });

  it('retrieves twice the evaluation periods, at least five', () => {
    expect([1, 2, 3, 5].map(evaluationRange)).toEqual([5, 5, 6, 10]);
  });
});

describe('evaluateAlarm: properties', () => {
  const datapoint = fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined });
  const arbitraryRule = fc
    .record({
      n: fc.integer({ min: 1, max: 5 }),
      m: fc.integer({ min: 1, max: 5 }),
      treat: fc.constantFrom<TreatMissingData>('missing', 'ignore', 'breaching', 'notBreaching'),
    })
    .map(({ n, m, treat }) =>
      rule({ evaluationPeriods: n, datapointsToAlarm: Math.min(m, n), treatMissingData: treat }),
    );

  it('with no datapoint missing, is exactly "at least M of the newest N breach"', () => {
    fc.assert(
      fc.property(
        arbitraryRule,
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 10 }),
        (r, points) => {
          const breaching = points.slice(0, r.evaluationPeriods).filter((v) => v >= 1).length;
          expect(stateOf(r, points)).toBe(breaching >= r.datapointsToAlarm ? 'ALARM' : 'OK');
        },
      ),
    );
  });

  it('never alarms when no real datapoint breaches, unless missing data is breaching', () => {
    fc.assert(
      fc.property(
        arbitraryRule,
        fc.array(fc.option(fc.constant(0), { nil: undefined }), { minLength: 10, maxLength: 10 }),
        (r, points) => {
          fc.pre(r.treatMissingData !== 'breaching');
          expect(stateOf(r, points, 'OK')).not.toBe('ALARM');
        },
      ),
    );
  });

  it('is decided by the datapoints alone except where ignore or missing keep the state', () => {
    fc.assert(
      fc.property(arbitraryRule, fc.array(datapoint, { minLength: 10, maxLength: 10 }), (r, points) => {
        const fromOk = stateOf(r, points, 'OK');
        const fromAlarm = stateOf(r, points, 'ALARM');
        if (fromOk !== fromAlarm) expect(['missing', 'ignore']).toContain(r.treatMissingData);
      }),
    );
  });
});
