/**
 * Times `minCostMaxFlow` and `planReroute` on growing inputs against references measured in the same run:
 * a plain Bellman-Ford successive-shortest-path solver written here (on the sizes where it finishes in
 * reasonable time) and the HiGHS LP solver (two LPs: maximum flow, then minimum cost at that flow).
 * Every reference answer is checked against the solver's, so the ratios compare equal work.
 *
 *   npx tsx bench/min-cost-flow.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import loadHighs, { type Highs } from 'highs';
import {
  planReroute,
  type FulfillmentNetwork,
  type OpenOrder,
} from '../lambdas/domain/fulfillment/assignment';
import { minCostMaxFlow } from '../lambdas/domain/fulfillment/min-cost-flow';
import { mulberry32 } from '../scenarios/draw';

type Network = Parameters<typeof minCostMaxFlow>[0];
type Answer = { flow: number; cost: number };

/**
 * Random network with negative arcs but no negative cycle: cost = p[to] - p[from] + slack with node
 * potentials p in 0..10 and slack in 0..40, capacities 1..100, source n0 and sink n(last). `sparse`: arcs
 * between uniformly random nodes, so the flow is small (the source has few arcs). `hub`: a tenth of the
 * arcs leave the source and a tenth enter the sink, so the flow is large and uses many paths of many
 * different costs, the hard case for shortest-path methods.
 */
function randomNetwork(shape: 'sparse' | 'hub', nodeCount: number, arcCount: number, seed: number): Network {
  const next = mulberry32(seed);
  const pick = (limit: number) => Math.floor(next() * limit);
  const potential = Array.from({ length: nodeCount }, () => pick(11));
  const arcs = Array.from({ length: arcCount }, (_, index) => {
    let from = pick(nodeCount);
    let to = pick(nodeCount);
    if (shape === 'hub' && index % 10 === 0) from = 0;
    if (shape === 'hub' && index % 10 === 1) to = nodeCount - 1;
    return {
      from: `n${from}`,
      to: `n${to}`,
      capacity: 1 + pick(100),
      cost: potential[to]! - potential[from]! + pick(41),
    };
  });
  return {
    nodes: Array.from({ length: nodeCount }, (_, node) => `n${node}`),
    arcs,
    source: 'n0',
    sink: `n${nodeCount - 1}`,
  };
}

/** The textbook algorithm: Bellman-Ford on the residual graph for every augmenting path. */
function bellmanFordSuccessiveShortestPaths(network: Network): Answer {
  const index = new Map(network.nodes.map((name, node) => [name, node]));
  const n = network.nodes.length;
  const from: number[] = [];
  const to: number[] = [];
  const residual: number[] = [];
  const cost: number[] = [];
  for (const arc of network.arcs) {
    const [u, v] = [index.get(arc.from)!, index.get(arc.to)!];
    from.push(u, v);
    to.push(v, u);
    residual.push(arc.capacity, 0);
    cost.push(arc.cost, -arc.cost);
  }
  const source = index.get(network.source)!;
  const sink = index.get(network.sink)!;
  let flow = 0;
  let total = 0;
  for (;;) {
    const distance = new Array<number>(n).fill(Infinity);
    const parent = new Array<number>(n).fill(-1);
    distance[source] = 0;
    for (let round = 0, changed = true; changed && round < n; round++) {
      changed = false;
      for (let edge = 0; edge < from.length; edge++) {
        const u = from[edge]!;
        if (residual[edge]! === 0 || distance[u] === Infinity) continue;
        const label = distance[u]! + cost[edge]!;
        if (label < distance[to[edge]!]!) {
          distance[to[edge]!] = label;
          parent[to[edge]!] = edge;
          changed = true;
        }
      }
    }
    if (distance[sink] === Infinity) return { flow, cost: total };
    let bottleneck = Infinity;
    for (let node = sink; node !== source; node = from[parent[node]!]!) {
      bottleneck = Math.min(bottleneck, residual[parent[node]!]!);
    }
    for (let node = sink; node !== source; node = from[parent[node]!]!) {
      const edge = parent[node]!;
      residual[edge]! -= bottleneck;
      residual[edge ^ 1]! += bottleneck;
    }
    flow += bottleneck;
    total += bottleneck * distance[sink]!;
  }
}

/** Maximum flow, then minimum cost at that flow, as two LPs in CPLEX LP format. */
function highsLinearPrograms(highs: Highs, network: Network): Answer {
  const terms = new Map<string, string[]>(network.nodes.map((node) => [node, []]));
  const used = network.arcs.flatMap((arc, index) => (arc.from === arc.to ? [] : [index]));
  for (const index of used) {
    const arc = network.arcs[index]!;
    terms.get(arc.from)!.push(`- x${index}`);
    terms.get(arc.to)!.push(`+ x${index}`);
  }
  terms.get(network.source)!.push('+ f');
  const constraints = network.nodes
    .filter((node) => node !== network.sink && terms.get(node)!.length > 0)
    .map((node, row) => ` c${row}: ${terms.get(node)!.join(' ')} = 0`);
  const bounds = used.map((index) => ` 0 <= x${index} <= ${network.arcs[index]!.capacity}`);
  const solve = (objective: string, flowBound: string) => {
    const lp = [objective, 'Subject To', ...constraints, 'Bounds', ...bounds, flowBound, 'End'].join('\n');
    const solution = highs.solve(lp, { output_flag: false });
    if (solution.Status !== 'Optimal') throw new Error(`HiGHS: ${solution.Status}`);
    return solution.ObjectiveValue;
  };
  const flow = Math.round(solve('Maximize\n obj: + 1 f', ' f >= 0'));
  const objective = used.map((index) => {
    const cost = network.arcs[index]!.cost;
    return `${cost < 0 ? '-' : '+'} ${Math.abs(cost)} x${index}`;
  });
  const cost = Math.round(solve(`Minimize\n obj: + 0 f ${objective.join(' ')}`, ` f = ${flow}`));
  return { flow, cost };
}

/**
 * Median wall time of `runs` calls after one warm-up call, in milliseconds, with the last result; with
 * `runs` 0, the time of a single call (for the slow references).
 */
function time<T>(runs: number, act: () => T): { ms: number; result: T } {
  const started = performance.now();
  let result = act();
  const samples = runs === 0 ? [performance.now() - started] : [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    result = act();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, result };
}

function sameAnswer(expected: Answer, actual: Answer): string {
  return expected.flow === actual.flow && expected.cost === actual.cost
    ? 'same'
    : `DIFFERS (${expected.flow}/${expected.cost})`;
}

const rows: Record<string, string | number>[] = [];
function report(
  name: string,
  network: Network,
  solver: { ms: number; result: Answer },
  reference: string,
  ref?: { ms: number; result: Answer },
): void {
  rows.push({
    case: name,
    nodes: network.nodes.length,
    arcs: network.arcs.length,
    flow: solver.result.flow,
    cost: solver.result.cost,
    'solver ms': Number(solver.ms.toFixed(2)),
    reference,
    'reference ms': ref === undefined ? '-' : Number(ref.ms.toFixed(1)),
    'reference / solver': ref === undefined ? '-' : `${(ref.ms / solver.ms).toFixed(1)}x`,
    check: ref === undefined ? '-' : sameAnswer(ref.result, solver.result),
  });
}

async function main(): Promise<void> {
  const highs = await loadHighs();
  // Let the JIT compile the hot loops first, so that the small cases do not time the interpreter.
  for (const shape of ['sparse', 'hub'] as const) {
    const warmUp = randomNetwork(shape, 300, 1_500, 7);
    for (let run = 0; run < 30; run++) minCostMaxFlow(warmUp);
    for (let run = 0; run < 3; run++) bellmanFordSuccessiveShortestPaths(warmUp);
  }
  const sizes = [
    { nodes: 200, arcs: 1_000 },
    { nodes: 2_000, arcs: 10_000 },
    { nodes: 10_000, arcs: 50_000 },
  ];
  for (const shape of ['sparse', 'hub'] as const) {
    for (const [position, size] of sizes.entries()) {
      const network = randomNetwork(shape, size.nodes, size.arcs, 1_000 + position);
      const solver = time(size.arcs > 10_000 ? 3 : 7, () => minCostMaxFlow(network));
      const name = `${shape} ${size.arcs.toLocaleString('en-US')} arcs`;
      // Bellman-Ford needs O(nodes * arcs) per augmenting path: minutes at 50,000 arcs.
      if (size.arcs <= 10_000) {
        report(
          name,
          network,
          solver,
          'Bellman-Ford SSP',
          time(0, () => bellmanFordSuccessiveShortestPaths(network)),
        );
      }
      report(
        name,
        network,
        solver,
        'HiGHS LP',
        time(0, () => highsLinearPrograms(highs, network)),
      );
    }
  }

  // The walk-through's network: WH-CHI closes and its 5,000 open orders move to the other five warehouses.
  const retail = JSON.parse(
    readFileSync(join(__dirname, '../config/retail-network.json'), 'utf8'),
  ) as FulfillmentNetwork;
  const next = mulberry32(42);
  const regions = ['us-central', 'us-central', 'us-east', 'us-west'];
  const orders: OpenOrder[] = Array.from({ length: 5_000 }, (_, index) => ({
    orderId: `ord-${String(index).padStart(5, '0')}`,
    region: regions[Math.floor(next() * regions.length)]!,
    warehouseId: 'WH-CHI',
  }));
  const openLoad = { 'WH-NYC': 120, 'WH-BOS': 80, 'WH-DAL': 60, 'WH-SEA': 90, 'WH-LAX': 150 };
  const reroute = time(7, () =>
    planReroute({ orders, network: retail, excludedWarehouseIds: ['WH-CHI'], openLoad }),
  );

  // The same problem with one node per order, as a check on the region aggregation and a size comparison.
  const open = retail.warehouses.filter((warehouse) => warehouse.warehouseId !== 'WH-CHI');
  const perOrder: Network = {
    nodes: ['source', 'sink', ...orders.map((o) => o.orderId), ...open.map((w) => w.warehouseId)],
    arcs: [
      ...orders.map((o) => ({ from: 'source', to: o.orderId, capacity: 1, cost: 0 })),
      ...orders.flatMap((o) =>
        open
          .filter((w) => w.shippingCost[o.region] !== undefined)
          .map((w) => ({ from: o.orderId, to: w.warehouseId, capacity: 1, cost: w.shippingCost[o.region]! })),
      ),
      ...open.map((w) => ({
        from: w.warehouseId,
        to: 'sink',
        capacity: w.capacity - (openLoad[w.warehouseId as keyof typeof openLoad] ?? 0),
        cost: 0,
      })),
    ],
    source: 'source',
    sink: 'sink',
  };
  const aggregated = {
    ms: reroute.ms,
    result: { flow: reroute.result.assignments.length, cost: reroute.result.totalCost },
  };
  const perOrderSolve = time(3, () => minCostMaxFlow(perOrder));
  report('reroute 5,000 orders, 5 warehouses', perOrder, aggregated, 'per-order network', perOrderSolve);
  report(
    'reroute 5,000 orders, 5 warehouses',
    perOrder,
    aggregated,
    'HiGHS LP per order',
    time(0, () => highsLinearPrograms(highs, perOrder)),
  );

  console.log(`node ${process.version}; solver: median of 3-7 runs after a warm-up; references: one run.`);
  console.table(rows);
  console.log(
    `planReroute: ${reroute.result.assignments.length} placed, ${reroute.result.unassigned.length} unassigned, ` +
      `total cost ${reroute.result.totalCost}. Its row reports the per-order network's size; the plan itself ` +
      `solves a ${new Set(regions).size}-region x ${open.length}-warehouse network.`,
  );
  if (rows.some((row) => String(row.check).startsWith('DIFFERS'))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
