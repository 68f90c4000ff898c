import { MAX_CONTRIBUTORS, orderCancellationSpikeV1 } from '../../lambdas/domain/contracts/platform';
import {
  contributorsOf,
  publishedContributors,
  rankCells,
  restBelowRegionWide,
  restOfRegionElevated,
  spreadEvidence,
  spreadOf,
  topIsKnown,
} from '../../lambdas/domain/monitoring/attribution';
import { resolveDetectorConfig } from '../../lambdas/domain/monitoring/detector-config';
import { testBlock, type BlockQuery } from '../../lambdas/domain/monitoring/detector';
import { ScopeHistory } from '../../lambdas/domain/monitoring/scope-history';
import { ruleDraft } from '../../lambdas/domain/planning/plan';
import { validateDraft } from '../../lambdas/domain/planning/task-catalog';
import { addWindows, epochMsOf, type WindowCount } from '../../lambdas/domain/monitoring/windows';

const START = '2026-11-20T08:00:00Z';
const config = resolveDetectorConfig();
const CALM_WINDOWS = 36;

type Counts = readonly [placed: number, cancelled: number];

/** 3 calm hours, then two windows of `spike`; the query tests those two windows. */
function history(scope: string, calm: Counts, spike: Counts = calm): ScopeHistory {
  const counts: WindowCount[] = Array.from({ length: CALM_WINDOWS + 2 }, (_, index) => {
    const [placed, cancelled] = index < CALM_WINDOWS ? calm : spike;
    return { scope, windowStart: addWindows(START, index, 5), placed, cancelled };
  });
  return ScopeHistory.of(scope, counts, 5);
}

const sum = (...parts: Counts[]): Counts => [
  parts.reduce((s, [p]) => s + p, 0),
  parts.reduce((s, [, c]) => s + c, 0),
];

const query: BlockQuery = {
  evaluated: epochMsOf(addWindows(START, CALM_WINDOWS + 1, 5)) / 300_000,
  length: 2,
  elapsed: 1,
};

/**
 * Region R is served by warehouse W (cell R·W) and by others (the rest of R); W also serves customers outside R.
 * Calm: 20 orders and 1 cancellation a window in each part.
 */
function network(spiking: { cell: boolean; rest: boolean; outside: boolean }) {
  const calm: Counts = [20, 1];
  const spike: Counts = [20, 9];
  const cellCounts = spiking.cell ? spike : calm;
  const restCounts = spiking.rest ? spike : calm;
  const outsideCounts = spiking.outside ? spike : calm;
  const cell = rankCells([{ id: 'W', history: history('cell#R#W', calm, cellCounts) }], query, config)[0]!;
  return {
    cell,
    region: history('region#R', sum(calm, calm), sum(cellCounts, restCounts)),
    warehouse: history('warehouse#W', sum(calm, calm), sum(cellCounts, outsideCounts)),
  };
}

describe('rankCells', () => {
  it('ranks cells by excess cancellations over their own baselines, ties by id', () => {
    const ranked = rankCells(
      [
        { id: 'b', history: history('cell#R#b', [20, 1], [20, 1]) },
        { id: 'c', history: history('cell#R#c', [20, 1], [20, 6]) },
        { id: 'a', history: history('cell#R#a', [20, 1], [20, 1]) },
      ],
      query,
      config,
    );

    expect(ranked.map((cell) => cell.id)).toEqual(['c', 'a', 'b']);
    expect(ranked[0]!.stats.cancelled).toBe(12);
    expect(ranked[0]!.excess).toBeCloseTo(12 - ranked[0]!.stats.expected, 12);
  });
});

describe('topIsKnown', () => {
  const ranked = rankCells([{ id: 'a', history: history('cell#R#a', [20, 1], [20, 8]) }], query, config);

  it('is true when cancellations the batch does not explain could not hide a larger excess', () => {
    expect(topIsKnown(ranked, ranked[0]!.stats.cancelled + 3)).toBe(true);
  });

  it('is false when an unseen cell could hold more excess than the top one', () => {
    expect(topIsKnown(ranked, ranked[0]!.stats.cancelled * 3)).toBe(false);
    expect(topIsKnown([], 5)).toBe(false);
  });
});

describe('spreadEvidence: the log-likelihood ratio', () => {
  it('favours the warehouse when its other customers cancel more and the rest of the region does not', () => {
    const { cell, region, warehouse } = network({ cell: true, rest: false, outside: true });

    const evidence = spreadEvidence(region, warehouse, cell, query, config).logLikelihoodRatio;

    expect(evidence).toBeLessThan(-config.spreadLogLikelihoodRatio);
    expect(spreadOf(evidence, config)).toBe('warehouse');
  });

  it('favours the region when its other warehouses’ customers cancel more and the warehouse’s others do not', () => {
    const { cell, region, warehouse } = network({ cell: true, rest: true, outside: false });

    const evidence = spreadEvidence(region, warehouse, cell, query, config).logLikelihoodRatio;

    expect(evidence).toBeGreaterThan(config.spreadLogLikelihoodRatio);
    expect(spreadOf(evidence, config)).toBe('region');
  });

  it('has no evidence either way when the cell is all of the region and all of the warehouse', () => {
    const { cell } = network({ cell: true, rest: false, outside: false });
    const only = history('cell#R#W', [20, 1], [20, 9]);

    const evidence = spreadEvidence(only, only, cell, query, config).logLikelihoodRatio;

    expect(evidence).toBe(0);
    expect(spreadOf(evidence, config)).toBe('ambiguous');
  });
});

describe('spreadEvidence with other warehouses of the region', () => {
  const calm: Counts = [20, 1];
  const spike: Counts = [20, 9];

  /**
   * Region R is served by W, V and U (one cell each); W and V also serve customers outside R. `failing` says
   * which of W and V fail (their cells and outside customers spike); `regionWide` spikes every cell of R instead.
   */
  function threeWarehouses(failing: readonly ('W' | 'V')[], regionWide = false) {
    const hit = (id: string) => regionWide || failing.includes(id as 'W' | 'V');
    const cellOf = (id: string) =>
      history(`cell#R#${id}`, calm, hit(id) || (regionWide && id === 'U') ? spike : calm);
    const outsideOf = (id: string) => (failing.includes(id as 'W' | 'V') ? spike : calm);
    const region = history(
      'region#R',
      sum(calm, calm, calm),
      sum(...['W', 'V', 'U'].map((id): Counts => (hit(id) ? spike : calm))),
    );
    const warehouseOf = (id: string) =>
      history(`warehouse#${id}`, sum(calm, calm), sum(hit(id) ? spike : calm, outsideOf(id)));
    const [top, other] = rankCells(
      [
        { id: 'W', history: cellOf('W') },
        { id: 'V', history: cellOf('V') },
      ],
      query,
      config,
    );
    return { region, top: top!, other: other!, warehouseOf };
  }

  it('reads two warehouses of one region failing at once as warehouses, not as the region', () => {
    const { region, top, other, warehouseOf } = threeWarehouses(['W', 'V']);

    const alone = spreadEvidence(region, warehouseOf(top.id), top, query, config);
    const withOthers = spreadEvidence(region, warehouseOf(top.id), top, query, config, [
      { cell: other, warehouse: warehouseOf(other.id) },
    ]);

    // Weighing the top warehouse alone, the other's excess counts as the rest of the region cancelling.
    expect(withOthers.logLikelihoodRatio).toBeLessThan(
      alone.logLikelihoodRatio - config.spreadLogLikelihoodRatio,
    );
    expect(spreadOf(withOthers.logLikelihoodRatio, config)).toBe('warehouse');
    expect([...withOthers.warehouses].sort()).toEqual(['V', 'W']);
    // Beyond both, only U's calm customers remain: no excess for a region incident to stand on.
    expect(withOthers.restOfRegion).toMatchObject({ placed: 80, cancelled: 20 });
    expect(withOthers.restBeyondWarehouses).toMatchObject({ placed: 40, cancelled: 2 });
    expect(withOthers.restBeyondWarehouses.lift).toBeCloseTo(1, 1);
  });

  it('still reads a region-wide problem as the region when other warehouses are weighed too', () => {
    const { region, top, other, warehouseOf } = threeWarehouses([], true);

    const evidence = spreadEvidence(region, warehouseOf(top.id), top, query, config, [
      { cell: other, warehouse: warehouseOf(other.id) },
    ]);

    expect(spreadOf(evidence.logLikelihoodRatio, config)).toBe('region');
  });

  it('names only the top warehouse when the other one is calm', () => {
    const { region, top, other, warehouseOf } = threeWarehouses(['W']);

    const evidence = spreadEvidence(region, warehouseOf(top.id), top, query, config, [
      { cell: other, warehouse: warehouseOf(other.id) },
    ]);

    expect(spreadOf(evidence.logLikelihoodRatio, config)).toBe('warehouse');
    expect(evidence.warehouses).toEqual(['W']);
    expect(evidence.restBeyondWarehouses).toEqual(evidence.restOfRegion);
  });
});

describe('contributorsOf', () => {
  it('names the warehouses with a significant excess, largest first', () => {
    const ranked = rankCells(
      [
        { id: 'calm', history: history('cell#R#calm', [20, 1], [20, 1]) },
        { id: 'big', history: history('cell#R#big', [20, 1], [20, 9]) },
        { id: 'small', history: history('cell#R#small', [20, 1], [20, 4]) },
      ],
      query,
      config,
    );

    expect(contributorsOf(ranked).map((c) => c.warehouseId)).toEqual(['big', 'small']);
    expect(contributorsOf(ranked)[0]).toMatchObject({ warehouseId: 'big', cancelled: 18 });
  });
});

describe('publishedContributors', () => {
  it('publishes the 100 largest of a region of many warehouses and counts the rest: a valid spike and rule plan', () => {
    // 130 warehouses serve R; each one's customers there cancel more, W000 the most.
    const ranked = rankCells(
      Array.from({ length: 130 }, (_, i) => {
        const id = `W${String(i).padStart(3, '0')}`;
        return { id, history: history(`cell#R#${id}`, [40, 1], [40, 30 - Math.floor(i / 10)]) };
      }),
      query,
      config,
    );
    const all = contributorsOf(ranked);
    expect(all).toHaveLength(130);

    const published = publishedContributors(all);

    expect(published.contributors).toEqual(all.slice(0, MAX_CONTRIBUTORS));
    expect(published.otherContributors).toBe(30);
    // Inside an incident's spike, it is a valid event, and the rule plans a rebalance away from the 100 it names.
    const spike = orderCancellationSpikeV1.parse({
      schemaVersion: 1,
      correlationId: 'region#R|2026-11-20T11:00:00Z',
      incidentKey: 'region#R|2026-11-20T11:00:00Z',
      scope: { type: 'region', id: 'R' },
      window: { start: '2026-11-20T11:00:00Z', end: '2026-11-20T11:10:00Z' },
      observedRatio: 0.6,
      baselineRatio: 0.025,
      placed: 5_200,
      cancelled: 3_100,
      pValue: 1e-12,
      score: 24,
      ...published,
    });
    const validation = validateDraft(ruleDraft(spike), spike);
    expect(validation).toMatchObject({
      ok: true,
      tasks: expect.arrayContaining([
        {
          taskType: 'rebalance_region',
          parameters: expect.objectContaining({
            region: 'R',
            fromWarehouseIds: all.slice(0, MAX_CONTRIBUTORS).map((c) => c.warehouseId),
          }) as unknown,
        },
      ]) as unknown,
    });
    // One more contributor than the contract allows is refused, naming the field.
    expect(() => orderCancellationSpikeV1.parse({ ...spike, contributors: all.slice(0, 101) })).toThrow(
      /contributors/,
    );
  });

  it('publishes a short list whole, with no count of others', () => {
    const few = [{ warehouseId: 'A', cancelled: 9, expectedCancelled: 1 }];
    expect(publishedContributors(few)).toEqual({ contributors: few });
  });
});

describe('restOfRegionElevated', () => {
  it('is true when the region’s other warehouses’ customers, pooled, cancel significantly more', () => {
    const { cell, region, warehouse } = network({ cell: true, rest: true, outside: false });

    const evidence = spreadEvidence(region, warehouse, cell, query, config);

    expect(evidence.restOfRegion).toMatchObject({ placed: 40, cancelled: 18 });
    expect(restOfRegionElevated(evidence)).toBe(true);
  });

  it('is true for a thin rest whose excess is a confirmation but no discovery (one-sided p ≈ 0.02)', () => {
    // The top cell spikes; the rest of the region, half as busy, cancels 6 where 1.8 are expected.
    const calm: Counts = [20, 1];
    const [cell] = rankCells([{ id: 'W', history: history('cell#R#W', calm, [20, 9]) }], query, config);
    const region = history('region#R', sum(calm, [10, 1]), sum([20, 9], [10, 3]));
    const warehouse = history('warehouse#W', sum(calm, calm), sum([20, 9], calm));

    const evidence = spreadEvidence(region, warehouse, cell!, query, config);

    expect(evidence.restOfRegion).toMatchObject({ placed: 20, cancelled: 6 });
    expect(Math.exp(evidence.restOfRegion.logPValue)).toBeGreaterThan(0.01);
    expect(Math.exp(evidence.restOfRegion.logPValue)).toBeLessThan(0.05);
    expect(restOfRegionElevated(evidence)).toBe(true);
  });

  it('is false when only the top cell spikes, however strongly', () => {
    const { cell, region, warehouse } = network({ cell: true, rest: false, outside: true });

    const evidence = spreadEvidence(region, warehouse, cell, query, config);

    expect(evidence.restOfRegion).toMatchObject({ placed: 40, cancelled: 2 });
    expect(restOfRegionElevated(evidence)).toBe(false);
  });
});

describe('contributorsOf, thin traffic', () => {
  it('names the top cell even when its excess alone is not significant', () => {
    const ranked = rankCells(
      [
        { id: 'thin', history: history('cell#R#thin', [4, 0], [4, 1]) },
        { id: 'calm', history: history('cell#R#calm', [20, 1], [20, 1]) },
      ],
      query,
      config,
    );

    expect(ranked[0]!.stats.logPValue).toBeGreaterThan(Math.log(0.01));
    expect(contributorsOf(ranked).map((c) => c.warehouseId)).toEqual(['thin']);
  });
});

describe('restBelowRegionWide', () => {
  // The rest of the region: 20 orders and 1 cancellation a calm window, so about 2 expected in the block.
  const rest = (spike: Counts) => testBlock(history('region#R~rest', [20, 1], spike), query, config);

  it('is true when the rest holds far fewer cancellations than the region’s lift would put there', () => {
    const calm = rest([20, 1]);
    expect(calm.cancelled).toBe(2);
    expect(calm.expected).toBeCloseTo(2, 0);
    // At a lift of 4, about 8 are expected region-wide: P(X ≤ 2) ≈ 0.014.
    expect(restBelowRegionWide(calm, 4)).toBe(true);
  });

  it('is false when a mild region-wide lift would leave about as few there anyway', () => {
    // At a lift of 1.5, about 3 are expected: P(X ≤ 2) ≈ 0.42.
    expect(restBelowRegionWide(rest([20, 1]), 1.5)).toBe(false);
  });

  it('is false for an empty rest: no orders beyond the warehouses named is no evidence against the region', () => {
    const empty = testBlock(history('region#R~rest', [0, 0]), query, config);
    expect(empty.expected).toBe(0);
    expect(restBelowRegionWide(empty, 10)).toBe(false);
  });

  it('is false when the rest shows an excess of its own', () => {
    expect(restBelowRegionWide(rest([20, 5]), 4)).toBe(false);
  });
});
