import fc from 'fast-check';
import loadHighs, { type Highs } from 'highs';
import { FulfillmentInputError, NegativeCycleError } from '../../lambdas/domain/fulfillment/errors';
import { minCostMaxFlow } from '../../lambdas/domain/fulfillment/min-cost-flow';

type Network = Parameters<typeof minCostMaxFlow>[0];
type Arc = Network['arcs'][number];

const arc = (from: string, to: string, capacity: number, cost: number): Arc => ({ from, to, capacity, cost });

const network = (arcs: Arc[], extraNodes: string[] = []): Network => {
  const nodes = [...new Set(['s', 't', ...arcs.flatMap((a) => [a.from, a.to]), ...extraNodes])];
  return { nodes, arcs, source: 's', sink: 't' };
};

function captureError(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Capacity bounds, conservation, the reported flow value and the reported cost, all recomputed. */
function expectConsistent(net: Network, result: ReturnType<typeof minCostMaxFlow>): void {
  expect(result.arcFlows).toHaveLength(net.arcs.length);
  const balance = new Map(net.nodes.map((node) => [node, 0]));
  let cost = 0n;
  net.arcs.forEach((a, index) => {
    const flow = result.arcFlows[index]!;
    expect(Number.isSafeInteger(flow)).toBe(true);
    expect(flow).toBeGreaterThanOrEqual(0);
    expect(flow).toBeLessThanOrEqual(a.capacity);
    if (a.from === a.to) expect(flow).toBe(0);
    balance.set(a.from, balance.get(a.from)! - flow);
    balance.set(a.to, balance.get(a.to)! + flow);
    cost += BigInt(flow) * BigInt(a.cost);
  });
  for (const [node, inflow] of balance) {
    if (net.source === net.sink || (node !== net.source && node !== net.sink))
      expect([node, inflow]).toEqual([node, 0]);
  }
  if (net.source !== net.sink) {
    expect(0 - balance.get(net.source)!).toBe(result.flow);
    expect(balance.get(net.sink)).toBe(result.flow);
  }
  expect(BigInt(result.cost)).toBe(cost);
}

/**
 * Independent reference: two linear programs solved by HiGHS. Network matrices are totally unimodular, so
 * the simplex vertices are integral and rounding the primal values is exact.
 */
function lpReference(highs: Highs, net: Network): { flow: number; cost: number } {
  if (net.source === net.sink) return { flow: 0, cost: 0 };
  const terms = new Map<string, string[]>(net.nodes.map((node) => [node, []]));
  const used: number[] = [];
  net.arcs.forEach((a, index) => {
    if (a.from === a.to) return;
    used.push(index);
    terms.get(a.from)!.push(`- x${index}`);
    terms.get(a.to)!.push(`+ x${index}`);
  });
  terms.get(net.source)!.push('+ f');
  const constraints = net.nodes
    .filter((node) => node !== net.sink && terms.get(node)!.length > 0)
    .map((node, index) => ` c${index}: ${terms.get(node)!.join(' ')} = 0`);
  const bounds = used.map((index) => ` 0 <= x${index} <= ${net.arcs[index]!.capacity}`);
  const solve = (objective: string, flowBound: string) => {
    const lp = [objective, 'Subject To', ...constraints, 'Bounds', ...bounds, flowBound, 'End'].join('\n');
    const solution = highs.solve(lp, { output_flag: false });
    if (solution.Status !== 'Optimal') throw new Error(`HiGHS: ${solution.Status}\n${lp}`);
    return solution;
  };

  const maxFlow = solve('Maximize\n obj: + 1 f', ' f >= 0');
  const flow = Math.round(maxFlow.ObjectiveValue);
  const costTerms = used.map((index) => {
    const cost = net.arcs[index]!.cost;
    return `${cost < 0 ? '-' : '+'} ${Math.abs(cost)} x${index}`;
  });
  const minCost = solve(`Minimize\n obj: + 0 f ${costTerms.join(' ')}`, ` f = ${flow}`);
  const cost = used.reduce((sum, index) => {
    const column = minCost.Columns[`x${index}`];
    if (column === undefined || !('Primal' in column))
      throw new Error(`HiGHS returned no value for x${index}`);
    return sum + Math.round(column.Primal) * net.arcs[index]!.cost;
  }, 0);
  expect(Math.abs(minCost.ObjectiveValue - cost)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cost)));
  return { flow, cost };
}

// Tight capacities force choices between paths, which is where a wrong cost shows.
const capacityArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000_000, max: 1_000_000_000 }) },
);

// Skewed towards small values so that negative arcs are common.
const slackArb = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 }));
const costArb = fc.oneof(fc.integer({ min: -10, max: 5 }), fc.integer({ min: -10, max: 50 }));

/**
 * Random networks without negative cycles, built two ways: costs `p[to] - p[from] + slack` for random node
 * potentials `p` in 0..10 and slack in 0..40, so every cycle costs its total slack >= 0 while single arcs go
 * down to -10 (SPFA path, zero-cost cycles included); or arcs turned forward along a random ranking with any
 * cost in -10..50 (acyclic, the topological path).
 */
const networkArb: fc.Arbitrary<Network> = fc.integer({ min: 2, max: 12 }).chain((size) =>
  fc
    .record({
      acyclic: fc.boolean(),
      potential: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: size, maxLength: size }),
      rank: fc.array(fc.double({ noNaN: true }), { minLength: size, maxLength: size }),
      arcs: fc.array(
        fc.record({
          // Leaning towards the usual source and sink keeps most instances' flow positive.
          from: fc.oneof(fc.constant(0), fc.nat(size - 1), fc.nat(size - 1)),
          to: fc.oneof(fc.constant(size - 1), fc.nat(size - 1), fc.nat(size - 1)),
          capacity: capacityArb,
          slack: slackArb,
          cost: costArb,
        }),
        { maxLength: 30, size: 'max' },
      ),
      // Mostly the first and last node; sometimes any pair, equal ones included.
      ends: fc.oneof(
        { weight: 4, arbitrary: fc.constant([0, size - 1] as const) },
        { weight: 1, arbitrary: fc.tuple(fc.nat(size - 1), fc.nat(size - 1)) },
      ),
    })
    .map(({ acyclic, potential, rank, arcs, ends: [source, sink] }) => {
      const name = (node: number) => `n${node}`;
      // The source ranks first and the sink last, so acyclic networks still carry flow.
      const ranked = (node: number) =>
        [node === source ? -Infinity : node === sink ? Infinity : rank[node]!, node] as const;
      const before = (a: number, b: number) => {
        const [ra, ia] = ranked(a);
        const [rb, ib] = ranked(b);
        return ra < rb || (ra === rb && ia < ib);
      };
      return {
        nodes: Array.from({ length: size }, (_, node) => name(node)),
        arcs: arcs.map((a) => {
          if (!acyclic)
            return arc(name(a.from), name(a.to), a.capacity, potential[a.to]! - potential[a.from]! + a.slack);
          if (a.from === a.to) return arc(name(a.from), name(a.to), a.capacity, Math.abs(a.cost));
          const [from, to] = before(a.from, a.to) ? [a.from, a.to] : [a.to, a.from];
          return arc(name(from), name(to), a.capacity, a.cost);
        }),
        source: name(source),
        sink: name(sink),
      };
    }),
);

/** The same networks with every arc into the sink removed, so that the sink cannot be reached. */
const unreachableSinkArb: fc.Arbitrary<Network> = networkArb
  .filter((net) => net.source !== net.sink)
  .map((net) => ({ ...net, arcs: net.arcs.filter((a) => a.to !== net.sink || a.from === net.sink) }));

/**
 * Bigger networks (up to 60 nodes, 400 arcs) for deep pivot sequences: costs from node potentials plus
 * slack, so no negative cycle, with a share of zero capacities.
 */
const largerNetworkArb: fc.Arbitrary<Network> = fc.integer({ min: 10, max: 60 }).chain((size) =>
  fc
    .record({
      potential: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: size, maxLength: size }),
      arcs: fc.array(
        fc.tuple(fc.nat(size - 1), fc.nat(size - 1), capacityArb, fc.integer({ min: 0, max: 30 })),
        { minLength: size, maxLength: 400 },
      ),
    })
    .map(({ potential, arcs }) => ({
      nodes: Array.from({ length: size }, (_, node) => `n${node}`),
      arcs: arcs.map(([from, to, capacity, slack]) =>
        arc(`n${from}`, `n${to}`, capacity, potential[to]! - potential[from]! + slack),
      ),
      source: 'n0',
      sink: `n${size - 1}`,
    })),
);

/**
 * Transportation networks (`planReroute`'s shape): source -> supplies -> every demand -> sink, up to
 * 12 x 25 arcs in the middle, so that pricing runs over many blocks and, near the optimum, finds
 * violations only in a few of them (the path where a block's other violators stay candidates).
 */
const transportationArb: fc.Arbitrary<Network> = fc
  .record({ supplies: fc.integer({ min: 1, max: 12 }), demands: fc.integer({ min: 1, max: 25 }) })
  .chain(({ supplies, demands }) =>
    fc
      .record({
        supply: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: supplies, maxLength: supplies }),
        demand: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: demands, maxLength: demands }),
        routes: fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: -5, max: 60 })), {
          minLength: supplies * demands,
          maxLength: supplies * demands,
        }),
      })
      .map(({ supply, demand, routes }) => ({
        nodes: ['s', 't', ...supply.map((_, index) => `p${index}`), ...demand.map((_, index) => `d${index}`)],
        arcs: [
          ...supply.map((capacity, index) => arc('s', `p${index}`, capacity, 0)),
          ...demand.map((capacity, index) => arc(`d${index}`, 't', capacity, 0)),
          ...routes.map(([capacity, cost], index) =>
            arc(`p${Math.floor(index / demand.length)}`, `d${index % demand.length}`, capacity, cost),
          ),
        ],
        source: 's',
        sink: 't',
      })),
  );

/**
 * `networkArb` with dead ends added: arcs into the source, out of the sink, and through nodes that no
 * source-sink path visits, cheap and negative (no negative cycle: they only ever lead away from the
 * network or into the extra nodes, in order). Such arcs never take part in the simplex.
 */
const deadEndArb: fc.Arbitrary<Network> = fc
  .tuple(
    networkArb.filter((net) => net.source !== net.sink),
    fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 20 }), fc.integer({ min: -20, max: 5 })), {
      minLength: 1,
      maxLength: 10,
    }),
  )
  .map(([net, extras]) => ({
    ...net,
    nodes: [...net.nodes, 'x0', 'x1', 'x2'],
    arcs: [
      ...net.arcs,
      ...extras.map(([kind, capacity, cost], index) => {
        const inner = net.nodes[index % net.nodes.length]!;
        if (kind === 0) return arc('x0', net.source, capacity, cost);
        if (kind === 1) return arc(net.sink, 'x1', capacity, cost);
        if (kind === 2) return arc(inner, 'x2', capacity, cost);
        return arc('x0', inner, capacity, cost);
      }),
    ],
  }));

describe('minCostMaxFlow', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await loadHighs();
  });

  describe('hand-made networks', () => {
    it('solves the documented example', () => {
      const net = network([arc('s', 't', 1, 9), arc('s', 'a', 2, -1), arc('a', 't', 1, 3)]);

      expect(minCostMaxFlow(net)).toEqual({ flow: 2, cost: 11, arcFlows: [1, 1, 1] });
    });

    it('fills parallel arcs cheapest first and reports each one separately', () => {
      const net = network([
        arc('s', 't', 2, 5),
        arc('s', 't', 3, 1),
        arc('s', 't', 1, 3),
        arc('s', 't', 4, 2),
      ]);

      const result = minCostMaxFlow(net);

      expect(result).toEqual({ flow: 10, cost: 2 * 5 + 3 * 1 + 1 * 3 + 4 * 2, arcFlows: [2, 3, 1, 4] });
    });

    it('sends nothing through zero-capacity arcs, however cheap', () => {
      const net = network([
        arc('s', 't', 0, -100),
        arc('s', 'a', 5, 1),
        arc('a', 't', 5, 1),
        arc('a', 'a', 0, -7),
      ]);

      expect(minCostMaxFlow(net)).toEqual({ flow: 5, cost: 10, arcFlows: [0, 5, 5, 0] });
    });

    it('returns flow 0 at cost 0 when the sink is unreachable', () => {
      const net = network([arc('s', 'a', 4, -3), arc('a', 'b', 4, 2), arc('t', 'a', 4, 1)], ['b']);

      expect(minCostMaxFlow(net)).toEqual({ flow: 0, cost: 0, arcFlows: [0, 0, 0] });
    });

    it('returns flow 0 when the source is the sink', () => {
      const net = { ...network([arc('s', 'a', 3, 1), arc('a', 's', 3, -1), arc('s', 's', 3, 2)]), sink: 's' };

      expect(minCostMaxFlow(net)).toEqual({ flow: 0, cost: 0, arcFlows: [0, 0, 0] });
    });

    it('leaves self-loops empty', () => {
      const net = network([
        arc('s', 's', 9, 0),
        arc('s', 'a', 2, 1),
        arc('a', 'a', 9, 4),
        arc('a', 't', 2, 1),
      ]);

      expect(minCostMaxFlow(net)).toEqual({ flow: 2, cost: 4, arcFlows: [0, 2, 0, 2] });
    });

    it('augments 1e9 capacities by whole bottlenecks', () => {
      const net = network([
        arc('s', 'a', 1_000_000_000, 3),
        arc('a', 't', 1_000_000_000, 4),
        arc('s', 'b', 999_999_999, 1),
        arc('b', 't', 1_000_000_000, 1),
        arc('b', 'a', 1_000_000_000, 0),
      ]);

      const result = minCostMaxFlow(net);

      expect(result.flow).toBe(1_999_999_999);
      expect(result.cost).toBe(1_000_000_000 * 7 + 999_999_999 * 2);
      expectConsistent(net, result);
    });

    it('uses negative-cost arcs without negative cycles, including cycles of zero cost', () => {
      const net = network([
        arc('s', 'a', 3, -4),
        arc('a', 'b', 2, 6),
        arc('b', 'a', 2, -6),
        arc('a', 't', 1, 2),
        arc('b', 't', 5, -1),
        arc('s', 'b', 1, 10),
      ]);

      const result = minCostMaxFlow(net);

      // s-a-t (-2), s-a-b-t (+1) twice, s-b-t (+9): a-b-a is a zero-cost cycle and must not matter.
      expect(result.flow).toBe(4);
      expect(result.cost).toBe(-2 + 1 + 1 + 9);
      expectConsistent(net, result);
    });

    it('maximises the flow first even when every extra unit raises the cost', () => {
      // The cheapest path s-a-b-t blocks the second unit; the only maximum flow takes s-a-t and s-b-t.
      const net = network([
        arc('s', 'a', 1, 0),
        arc('a', 'b', 1, 0),
        arc('b', 't', 1, 0),
        arc('s', 'b', 1, 10),
        arc('a', 't', 1, 10),
      ]);

      expect(minCostMaxFlow(net)).toEqual({ flow: 2, cost: 20, arcFlows: [1, 0, 1, 1, 1] });
    });

    it('pays a positive cost rather than stopping at the cheaper zero flow', () => {
      const net = network([arc('s', 'a', 3, -2), arc('a', 't', 3, 7)]);

      expect(minCostMaxFlow(net)).toEqual({ flow: 3, cost: 15, arcFlows: [3, 3] });
    });

    it('keeps the total cost exact when partial products pass 2^53', () => {
      const capacity = 4_000_000_000_000_000;
      const net = network([arc('s', 'a', capacity, 3), arc('a', 't', capacity, -2)]);

      expect(minCostMaxFlow(net)).toEqual({ flow: capacity, cost: capacity, arcFlows: [capacity, capacity] });
    });

    it('solves a 3,000-arc network to the LP optimum', () => {
      const rng = fc.sample(
        fc.array(fc.tuple(fc.nat(299), fc.nat(299), fc.integer({ min: 1, max: 50 }), fc.nat(60)), {
          minLength: 3_000,
          maxLength: 3_000,
        }),
        { seed: 7, numRuns: 1 },
      )[0]!;
      const potential = (node: number) => (node * 7919) % 23;
      const net: Network = {
        nodes: Array.from({ length: 300 }, (_, node) => `n${node}`),
        arcs: rng.map(([from, to, capacity, slack]) =>
          arc(`n${from}`, `n${to}`, capacity, potential(to) - potential(from) + slack),
        ),
        source: 'n0',
        sink: 'n299',
      };

      const result = minCostMaxFlow(net);

      expect({ flow: result.flow, cost: result.cost }).toEqual(lpReference(highs, net));
      expectConsistent(net, result);
    });
  });

  describe('input validation', () => {
    const valid = () => network([arc('s', 'a', 2, 1), arc('a', 't', 2, 1)]);

    it.each([
      ['arcs[1].to', { ...valid(), arcs: [arc('s', 'a', 2, 1), arc('a', 'nowhere', 2, 1)] }],
      ['arcs[0].from', { ...valid(), arcs: [arc('ghost', 'a', 2, 1), arc('a', 't', 2, 1)] }],
      ['arcs[1].capacity', { ...valid(), arcs: [arc('s', 'a', 2, 1), arc('a', 't', -1, 1)] }],
      ['arcs[0].capacity', { ...valid(), arcs: [arc('s', 'a', 1.5, 1), arc('a', 't', 2, 1)] }],
      ['arcs[0].capacity', { ...valid(), arcs: [arc('s', 'a', Infinity, 1), arc('a', 't', 2, 1)] }],
      ['arcs[1].cost', { ...valid(), arcs: [arc('s', 'a', 2, 1), arc('a', 't', 2, NaN)] }],
      ['arcs[1].cost', { ...valid(), arcs: [arc('s', 'a', 2, 1), arc('a', 't', 2, 0.25)] }],
      ['source', { ...valid(), source: 'x' }],
      ['sink', { ...valid(), sink: 'y' }],
      ['nodes[3]', { ...valid(), nodes: ['s', 'a', 't', 'a'] }],
    ])('rejects a bad %s with a FulfillmentInputError naming it', (field, net) => {
      const attempt = () => minCostMaxFlow(net);

      expect(attempt).toThrow(FulfillmentInputError);
      expect(attempt).toThrow(expect.objectContaining({ field, message: expect.stringContaining(field) }));
    });

    it('rejects a negative cycle with a NegativeCycleError listing its arcs', () => {
      const net = network([
        arc('s', 'a', 1, 1),
        arc('a', 'b', 1, -5),
        arc('b', 'a', 1, 2),
        arc('b', 't', 1, 0),
      ]);

      const error = captureError(() => minCostMaxFlow(net));

      expect(error).toBeInstanceOf(NegativeCycleError);
      expect([...(error as NegativeCycleError).arcIndices].sort()).toEqual([1, 2]);
    });

    it('rejects a negative cycle the source cannot reach', () => {
      const net = network([arc('s', 't', 1, 1), arc('x', 'y', 1, -5), arc('y', 'x', 1, 2)]);

      expect(() => minCostMaxFlow(net)).toThrow(NegativeCycleError);
    });

    it('rejects a negative self-loop with capacity as a negative cycle', () => {
      const net = network([arc('s', 't', 1, 1), arc('t', 't', 1, -1)]);

      expect(() => minCostMaxFlow(net)).toThrow(expect.objectContaining({ arcIndices: [1] }));
    });

    it('throws a RangeError when the total cost would leave the safe-integer range', () => {
      const net = network([arc('s', 't', 9_000_000_000_000_000, 2)]);

      expect(() => minCostMaxFlow(net)).toThrow(RangeError);
    });

    it('throws a RangeError when costs are too large for exact path lengths', () => {
      const net = network([arc('s', 'a', 1, 2 ** 50), arc('a', 't', 1, 1)]);

      expect(() => minCostMaxFlow(net)).toThrow(RangeError);
    });
  });

  describe('properties', () => {
    it('matches the max-flow and min-cost linear programs solved by HiGHS', () => {
      fc.assert(
        fc.property(networkArb, (net) => {
          const result = minCostMaxFlow(net);

          expectConsistent(net, result);
          expect({ flow: result.flow, cost: result.cost }).toEqual(lpReference(highs, net));
        }),
        { numRuns: 150 },
      );
    });

    it('returns flow 0 at cost 0 whenever no arc reaches the sink', () => {
      fc.assert(
        fc.property(unreachableSinkArb, (net) => {
          const result = minCostMaxFlow(net);

          expectConsistent(net, result);
          expect({ flow: result.flow, cost: result.cost }).toEqual({ flow: 0, cost: 0 });
          expect(lpReference(highs, net)).toEqual({ flow: 0, cost: 0 });
        }),
        { numRuns: 50 },
      );
    });

    it('matches HiGHS on networks of up to 400 arcs, where pivots re-hang deep subtrees', () => {
      fc.assert(
        fc.property(largerNetworkArb, (net) => {
          const result = minCostMaxFlow(net);

          expectConsistent(net, result);
          expect({ flow: result.flow, cost: result.cost }).toEqual(lpReference(highs, net));
        }),
        { numRuns: 40 },
      );
    });

    it('matches HiGHS on transportation networks, where violations become rare near the optimum', () => {
      fc.assert(
        fc.property(transportationArb, (net) => {
          const result = minCostMaxFlow(net);

          expectConsistent(net, result);
          expect({ flow: result.flow, cost: result.cost }).toEqual(lpReference(highs, net));
        }),
        { numRuns: 40 },
      );
    });

    it('leaves arcs off every source-sink path empty and still matches HiGHS', () => {
      fc.assert(
        fc.property(deadEndArb, (net) => {
          const result = minCostMaxFlow(net);

          expectConsistent(net, result);
          net.arcs.forEach((a, index) => {
            if ([a.from, a.to].some((node) => node.startsWith('x'))) expect(result.arcFlows[index]).toBe(0);
          });
          expect({ flow: result.flow, cost: result.cost }).toEqual(lpReference(highs, net));
        }),
        { numRuns: 60 },
      );
    });

    it('does not depend on the order of the nodes', () => {
      fc.assert(
        fc.property(networkArb, (net) => {
          const reordered = { ...net, nodes: [...net.nodes].reverse() };

          const a = minCostMaxFlow(net);
          const b = minCostMaxFlow(reordered);

          expect({ flow: b.flow, cost: b.cost }).toEqual({ flow: a.flow, cost: a.cost });
        }),
        { numRuns: 100 },
      );
    });

    it('does not depend on the order of the arcs, and reports each flow at the input index of its arc', () => {
      // The solver keeps the arcs in an order of its own (mixed for pricing), with self-loops and
      // zero-capacity arcs left out: any input order must come back the same, index for index.
      const shuffledArb = largerNetworkArb.chain((net) =>
        fc
          .shuffledSubarray([...net.arcs.keys()], { minLength: net.arcs.length, maxLength: net.arcs.length })
          .map((order) => ({ net, reordered: { ...net, arcs: order.map((index) => net.arcs[index]!) } })),
      );
      fc.assert(
        fc.property(shuffledArb, ({ net, reordered }) => {
          const a = minCostMaxFlow(net);
          const b = minCostMaxFlow(reordered);

          expectConsistent(reordered, b);
          expect({ flow: b.flow, cost: b.cost }).toEqual({ flow: a.flow, cost: a.cost });
        }),
        { numRuns: 100 },
      );
    });

    it('gives the same arc flows after a larger network has left its working arrays dirty', () => {
      fc.assert(
        fc.property(networkArb, largerNetworkArb, (net, larger) => {
          const before = minCostMaxFlow(net);

          minCostMaxFlow(larger);
          const after = minCostMaxFlow(net);

          expect(after).toEqual(before);
        }),
        { numRuns: 50 },
      );
    });
  });
});
