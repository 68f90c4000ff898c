import fc from 'fast-check';
import { resolveDetectorConfig, type DetectorConfig } from '../../lambdas/domain/monitoring/detector-config';
import {
  assessWindow,
  judgeWindow,
  testBlock,
  type AssessOptions,
} from '../../lambdas/domain/monitoring/detector';
import { ScopeHistory } from '../../lambdas/domain/monitoring/scope-history';
import { InvalidDetectorConfig, ScopeMismatch } from '../../lambdas/domain/monitoring/errors';
import { sequentialRunStart } from '../../lambdas/domain/monitoring/sequential-test';
import { addWindows, epochMsOf, type WindowCount } from '../../lambdas/domain/monitoring/windows';

const SCOPE = 'warehouse#WH-NYC';
const START = '2026-11-20T08:00:00Z';
const config: DetectorConfig = resolveDetectorConfig();

/** Consecutive 5-minute windows from START; `undefined` leaves a gap (no counter item at all). */
function series(
  windows: readonly (readonly [placed: number, cancelled: number] | undefined)[],
): WindowCount[] {
  return windows.flatMap((counts, index) =>
    counts === undefined
      ? []
      : [{ scope: SCOPE, windowStart: addWindows(START, index, 5), placed: counts[0], cancelled: counts[1] }],
  );
}

const repeat = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);
/** The window after `windows` windows of history: the one evaluated. */
const windowAfter = (windows: number): string => addWindows(START, windows - 1, 5);

/** The window at `windowStart` judged as the monitoring agent judges it, on counts of SCOPE in any order. */
function assess(
  history: readonly WindowCount[],
  windowStart: string,
  settings: DetectorConfig = config,
  options: AssessOptions = {},
) {
  return assessWindow(ScopeHistory.of(SCOPE, history, settings.windowMinutes), windowStart, settings, options)
    .assessment;
}

function captureError(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('assessWindow', () => {
  it('flags a spike in the cancellation ratio against the learned baseline', () => {
    const history = series([...repeat(36, [20, 1] as const), [20, 8], [20, 8]]);

    const assessment = assess(history, windowAfter(38), config);

    expect(assessment).toMatchObject({
      scope: SCOPE,
      window: { start: '2026-11-20T11:05:00Z', end: '2026-11-20T11:10:00Z' },
      placed: 40,
      cancelled: 16,
      observedRatio: 0.4,
      anomalous: true,
    });
    // One cancellation per 20 orders in every calm window (and the prior is 5% too): whatever the weights, 5%.
    expect(assessment.baselineRatio).toBeCloseTo(0.05, 12);
    expect(assessment.pValue).toBeLessThan(1e-6);
    expect(assessment.score).toBeCloseTo(-Math.log10(assessment.pValue), 9);
  });

  it('judges cancellations against the orders at risk, so cancellations of earlier orders can exceed placements', () => {
    const history = series([...repeat(36, [20, 1] as const), [10, 12], [10, 13]]);

    const assessment = assess(history, windowAfter(38), config);

    // The block's 20 placements understate the orders that can still be cancelled: the trailing two hours'
    // placements (22 calm windows and the block), scaled to the block's two windows, count instead.
    const ordersAtRisk = ((22 * 20 + 20) * 2) / 24;
    expect(assessment.observedRatio).toBe(25 / 20);
    expect(assessment.expectedCancelled).toBeCloseTo(assessment.baselineRatio * ordersAtRisk, 9);
    expect(assessment.pValue).toBeLessThan(1e-12);
    expect(assessment.anomalous).toBe(true);
  });

  it('flags nothing until the baseline holds minBaselineWindows windows with orders (a cold start)', () => {
    // Two hours of history: the 40-minute block's baseline sees 80 minutes, 16 windows, short of 24.
    const cold = series([...repeat(22, [20, 1] as const), [20, 8], [20, 8]]);
    const warm = series([...repeat(30, [20, 1] as const), [20, 8], [20, 8]]);

    expect(assess(cold, windowAfter(24), config).anomalous).toBe(false);
    expect(assess(cold, windowAfter(24), { ...config, minBaselineWindows: 16 }).anomalous).toBe(true);
    expect(assess(warm, windowAfter(32), config).anomalous).toBe(true);
  });

  it('does not flag a promotion where orders and cancellations rise together', () => {
    const history = series([...repeat(24, [20, 1] as const), [80, 4], [120, 6]]);

    const assessment = assess(history, windowAfter(26), config);

    expect(assessment.observedRatio).toBeCloseTo(0.05, 12);
    expect(assessment.anomalous).toBe(false);
  });

  it('does not flag a significant but small rise in the ratio, below the minimum lift', () => {
    const history = series([...repeat(24, [2000, 100] as const), [20000, 1500], [20000, 1500]]);

    // Trusting the baseline completely (no block-to-block variation), the rise is very significant.
    const assessment = assess(history, windowAfter(26), { ...config, ratioVariation: 0 });

    expect(assessment.pValue).toBeLessThan(1e-6);
    expect(assessment.observedRatio / assessment.baselineRatio).toBeLessThan(config.minLift);
    expect(assessment.anomalous).toBe(false);
  });

  it('does not flag a high ratio over too few orders at risk', () => {
    // A scope seen for the first time: nothing before the block, so no trailing orders at risk either.
    const history = series([
      [2, 2],
      [1, 3],
    ]);

    const assessment = assess(history, windowAfter(2), config);

    expect(assessment.observedRatio).toBeGreaterThan(1);
    expect(assessment.pValue).toBeLessThan(config.maxPValue);
    expect(assessment.placed).toBeLessThan(config.minRecentOrders);
    expect(assessment.anomalous).toBe(false);
  });

  it('does not flag fewer cancellations than the minimum, whatever the ratio', () => {
    const history = series([...repeat(24, [20, 0] as const), [10, 2], [10, 2]]);

    const assessment = assess(history, windowAfter(26), { ...config, priorRatio: 0.001 });

    expect(assessment.observedRatio).toBeGreaterThanOrEqual(config.minLift * assessment.baselineRatio);
    expect(assessment.pValue).toBeLessThan(config.maxPValue);
    expect(assessment.anomalous).toBe(false);
  });

  it('does not flag gaps: missing windows contribute nothing rather than a zero ratio', () => {
    const withGaps = [
      ...repeat(8, undefined),
      [20, 1] as const,
      ...repeat(12, undefined),
      [20, 1] as const,
      [20, 1] as const,
      undefined,
      undefined,
      [20, 1] as const,
    ];
    const history = series(withGaps);

    const afterGap = assess(history, windowAfter(withGaps.length), config);
    const inGap = assess(history, windowAfter(withGaps.length - 1), config);

    expect(afterGap.anomalous).toBe(false);
    expect(inGap).toMatchObject({ placed: 0, cancelled: 0, observedRatio: 0, pValue: 1, score: 0 });
    expect(inGap.anomalous).toBe(false);
  });

  it('uses the prior ratio when the scope has no baseline yet', () => {
    const history = series([[25, 1]]);

    const assessment = assess(history, START, config);

    expect(assessment.baselineRatio).toBe(config.priorRatio);
    expect(assessment.anomalous).toBe(false);
  });

  it('takes history in any order, sums repeated windows and ignores windows after the evaluated one', () => {
    const history = series([...repeat(24, [20, 1] as const), [20, 8], [20, 8], [500, 0]]);
    const split = history.flatMap((c) => [
      { ...c, placed: c.placed - 5, cancelled: 0 },
      { ...c, placed: 5, cancelled: c.cancelled },
    ]);

    const inOrder = assess(history, windowAfter(26), config);
    const shuffled = assess([...split].reverse(), windowAfter(26), config);

    expect(shuffled).toEqual(inOrder);
    expect(inOrder.placed).toBe(40);
  });

  it('evaluates the window containing any instant passed in', () => {
    const history = series([...repeat(24, [20, 1] as const), [20, 8], [20, 8]]);

    const assessment = assess(history, '2026-11-20T10:07:42.123Z', config);

    expect(assessment.window.start).toBe('2026-11-20T10:05:00Z');
  });

  it('learns the baseline only before `baselineBefore`, so a long spike stays anomalous', () => {
    const history = series([...repeat(24, [20, 1] as const), ...repeat(24, [20, 8] as const)]);
    const spikeStart = addWindows(START, 24, 5);

    const learning = assess(history, windowAfter(48), config);
    const frozen = assess(history, windowAfter(48), config, { baselineBefore: spikeStart });

    expect(learning.anomalous).toBe(false);
    expect(frozen.baselineRatio).toBeCloseTo(0.05, 12);
    expect(frozen.anomalous).toBe(true);
  });

  const accumulating: DetectorConfig = { ...config, accumulationWindows: 16 };

  it('tests an 80-minute accumulation block when configured, after the fast blocks', () => {
    const history = ScopeHistory.of(SCOPE, series(repeat(48, [20, 1] as const)), 5);
    const evaluated = epochMsOf(windowAfter(48)) / 300_000;

    const verdict = judgeWindow(history, evaluated, accumulating, { elapsed: 1 });

    expect(verdict.blocks.map((block) => block.last - block.first + 1)).toEqual([2, 4, 8, 16]);
  });

  it('finds, with its 80-minute block, a rise the fast blocks have learned as normal', () => {
    // Two hours at 40%: the fast blocks have learned it, but the accumulation block's baseline, before its own
    // 80 minutes, has not.
    const history = series([...repeat(24, [20, 1] as const), ...repeat(24, [20, 8] as const)]);

    const fast = assess(history, windowAfter(48), config);
    const accumulated = assess(history, windowAfter(48), accumulating);

    expect(fast.anomalous).toBe(false);
    expect(accumulated.anomalous).toBe(true);
    expect(accumulated.block).toEqual({ start: windowAfter(33), end: windowAfter(49) });
  });

  it('does not let the 80-minute block alarm once the excess is over', () => {
    // An hour at 40%, then 40 minutes back at 5%: the 80-minute block still holds most of the spike.
    const history = series([
      ...repeat(36, [20, 1] as const),
      ...repeat(12, [20, 8] as const),
      ...repeat(8, [20, 1] as const),
    ]);

    const assessment = assess(history, windowAfter(56), accumulating);

    expect(assessment.anomalous).toBe(false);
    // Its block alone would: what it holds is the hour that has ended.
    const block = assessWindow(ScopeHistory.of(SCOPE, history, 5), windowAfter(56), accumulating).verdict
      .blocks[3]!;
    expect(block.lift).toBeGreaterThan(accumulating.minLift);
  });

  describe('the sequential test (CUSUM)', () => {
    // At a 5% baseline and 20 orders a window, 3 cancellations add 3·ln 2.5 − 1.5·1 = 1.25 to the sum, 1
    // cancellation subtracts 0.58: a 3× excess reaches the alarm level (11) in its 9th window.
    const calm = repeat(60, [20, 1] as const);
    const runStartAfter = (windows: readonly (readonly [number, number])[]) => {
      const history = ScopeHistory.of(SCOPE, series(windows), 5);
      const evaluated = epochMsOf(windowAfter(windows.length)) / 300_000;
      return { start: sequentialRunStart(history, evaluated, 0.05, config), evaluated };
    };

    it('alarms once a lasting excess has built up enough evidence, on the block since it began', () => {
      const early = runStartAfter([...calm, ...repeat(8, [20, 3] as const)]);
      const alarmed = runStartAfter([...calm, ...repeat(9, [20, 3] as const)]);

      expect(early.start).toBeUndefined();
      expect(alarmed.start).toBe(alarmed.evaluated - 8);
    });

    it('restarts after an alarm older than ambiguousWindows, as a CUSUM does, so it alarms again only on new evidence', () => {
      // Alarmed at the 9th window of the excess; 11 windows later the sum since that alarm has reached 11 again.
      const { start, evaluated } = runStartAfter([...calm, ...repeat(20, [20, 3] as const)]);

      expect(start).toBe(evaluated - 10);
    });

    it('does not alarm on an excess that has ended', () => {
      const { start } = runStartAfter([
        ...calm,
        ...repeat(9, [20, 3] as const),
        ...repeat(6, [20, 1] as const),
      ]);

      expect(start).toBeUndefined();
    });

    it('does not accumulate a ratio below (lift − 1) / ln(lift) times the baseline, however long it lasts', () => {
      // 7.5% against 5%: 1.5×, below the 1.64× at which a window adds nothing.
      const { start } = runStartAfter([...calm, ...repeat(24, [40, 3] as const)]);

      expect(start).toBeUndefined();
    });

    it('adds the block it selects to the blocks judged, after the fast ones', () => {
      const windows = [...calm, ...repeat(9, [20, 3] as const)];
      const history = ScopeHistory.of(SCOPE, series(windows), 5);
      const evaluated = epochMsOf(windowAfter(windows.length)) / 300_000;

      const verdict = judgeWindow(history, evaluated, config, { elapsed: 1 });
      const fastOnly = judgeWindow(history, evaluated, { ...config, sequentialWindows: 0 }, { elapsed: 1 });

      expect(verdict.blocks.map((block) => block.last - block.first + 1)).toEqual([2, 4, 8, 9]);
      expect(fastOnly.blocks).toHaveLength(3);
    });
  });

  it('learns every block’s baseline before the longest block, so a rise’s first windows do not raise it', () => {
    // The ratio doubled 30 minutes ago: too little to exclude from a baseline, and the 10-minute block must not
    // learn the rise's first 20 minutes as normal.
    const history = ScopeHistory.of(
      SCOPE,
      series([...repeat(48, [20, 1] as const), ...repeat(6, [20, 2] as const)]),
      5,
    );
    const evaluated = epochMsOf(windowAfter(54)) / 300_000;

    const verdict = judgeWindow(history, evaluated, config, { elapsed: 1 });

    expect(verdict.baselineBefore).toBe(evaluated - config.longestRecentWindows + 1);
    const calm = testBlock(history, { evaluated: 46, length: 1, elapsed: 1 }, config).baselineRatio;
    expect(verdict.blocks).toHaveLength(3);
    for (const block of verdict.blocks) expect(block.baselineRatio).toBeCloseTo(calm, 12);
  });

  it('never flags a flat cancellation ratio, whatever the volume (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 200 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 2 }),
        (placed, ratio, multipliers) => {
          const cancelled = Math.round(placed * ratio);
          const recent = multipliers.map((m): [number, number] => [m * placed, m * cancelled]);
          const history = series([...repeat(24, [placed, cancelled] as [number, number]), ...recent]);

          expect(assess(history, windowAfter(26), config).anomalous).toBe(false);
        },
      ),
    );
  });

  it('never flags a steady ratio because of missing windows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), {
          minLength: 26,
          maxLength: 26,
        }),
        (cancelledPer20, multipliers) => {
          fc.pre(multipliers.slice(0, 24).filter((m) => m !== undefined).length >= 4);
          const history = series(
            multipliers.map((m): [number, number] | undefined =>
              m === undefined ? undefined : [m * 20, m * cancelledPer20],
            ),
          );

          expect(assess(history, windowAfter(26), config).anomalous).toBe(false);
        },
      ),
    );
  });

  it('fails on counts of another scope', () => {
    const history = [
      ...series([[20, 1]]),
      { scope: 'warehouse#WH-BOS', windowStart: START, placed: 1, cancelled: 0 },
    ];

    const error = captureError(() => assess(history, START, config));

    expect(error).toBeInstanceOf(ScopeMismatch);
    expect(error).toMatchObject({ expected: SCOPE, actual: 'warehouse#WH-BOS' });
  });
});

describe('resolveDetectorConfig', () => {
  it('returns the defaults when nothing is overridden', () => {
    const defaults = resolveDetectorConfig();

    expect(resolveDetectorConfig({})).toEqual(defaults);
    // The documented defaults (README "How the detector decides"): 5-minute windows, p ≤ 1e-4, lift ≥ 2.
    expect(defaults).toMatchObject({ windowMinutes: 5, maxPValue: 1e-4, minLift: 2, baselineWindows: 144 });
  });

  it('merges overrides from configuration JSON onto the defaults', () => {
    const resolved = resolveDetectorConfig(JSON.parse('{"maxPValue":0.0001,"windowMinutes":15}'));

    expect(resolved).toEqual({ ...resolveDetectorConfig(), maxPValue: 0.0001, windowMinutes: 15 });
  });

  it.each([
    ['maxPValue', 0],
    ['maxPValue', 1.5],
    ['windowMinutes', 7],
    ['recentWindows', 1.5],
    ['baselineWindows', 0],
    ['priorRatio', 0],
    ['minLift', -1],
    ['quietWindowsToClose', '3'],
    ['accumulationWindows', 8],
    ['accumulationWindows', -1],
    ['sequentialWindows', 8],
    ['sequentialLift', 1],
    ['sequentialLogLikelihoodRatio', 0],
  ])('rejects %s=%p, naming the field and the value', (field, value) => {
    const error = captureError(() => resolveDetectorConfig({ [field]: value }));

    expect(error).toBeInstanceOf(InvalidDetectorConfig);
    expect(error).toMatchObject({ field, value });
    expect((error as Error).message).toContain(field);
  });

  it('accepts accumulationWindows 0: no accumulation block, the fast blocks alone', () => {
    expect(resolveDetectorConfig({ accumulationWindows: 0 }).accumulationWindows).toBe(0);
  });

  it('rejects an unknown setting, such as a misspelt one', () => {
    const error = captureError(() => resolveDetectorConfig({ maxPvalue: 0.01 }));

    expect(error).toMatchObject({ field: 'maxPvalue', expected: 'no such setting' });
  });

  it('rejects configuration that is not an object', () => {
    expect(() => resolveDetectorConfig([])).toThrow(InvalidDetectorConfig);
    expect(() => resolveDetectorConfig(null)).toThrow(InvalidDetectorConfig);
  });
});
