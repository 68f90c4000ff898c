/**
 * Times `minCostMaxFlow` against references measured in the same run.
 *
 * 1. 200,000-arc networks (retail order-level and region-level reroutes, NETGEN-like sparse networks)
 *    against an external minimum-cost flow solver that reads DIMACS: LEMON's `dimacs-solver`, whose
 *    `NetworkSimplex` is the one to beat. Each instance is written as a DIMACS `min` file with the maximum
 *    flow as the source's supply; the reference's optimal cost must equal ours, and the same instance with
 *    one unit more must be infeasible for it (so our maximum flow is the maximum). (HiGHS takes minutes
 *    on these sizes; the unit tests compare with it on random networks.)
 * 2. Smaller random networks against a plain Bellman-Ford successive-shortest-path solver written here and
 *    the HiGHS LP solver (two LPs: maximum flow, then minimum cost at that flow).
 * 3. `planReroute` on the walk-through's network with 5,000 orders, and the same problem order by order.
 *
 *   npx tsx bench/min-cost-flow.ts [--reference-cmd "<solver> <args>"] [--runs 5] [--reference-only]
 *
 * The reference command gets the DIMACS file's path as its last argument and must print LEMON's report:
 * `Min flow cost: <n>` when feasible, and `Setup NetworkSimplex class: ... real: <s>s` and
 * `Run NetworkSimplex: ... real: <s>s` for its own time (file reading excluded; without them the process's
 * wall time counts). `MCF_REFERENCE_CMD` works as well as the flag. LEMON 1.3 builds with cmake and g++:
 * `cmake -DCMAKE_BUILD_TYPE=Release <lemon> && make dimacs-solver`, then
 * `--reference-cmd "<build>/tools/dimacs-solver -long"`. Without a reference, part 1 is skipped.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
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

/**
 * The order-level reroute: one node per order (source -> order, capacity 1), arcs to the `perOrder`
 * warehouses that serve the order's region (one of 40) at the region's shipping cost plus a per-order
 * surcharge, warehouses -> sink with room for about 90% of the orders.
 */
function orderNetwork(orderCount: number, warehouseCount: number, perOrder: number, seed: number): Network {
  const next = mulberry32(seed);
  const pick = (limit: number) => Math.floor(next() * limit);
  const regionCount = 40;
  const shipping = Array.from({ length: regionCount }, () =>
    Array.from({ length: warehouseCount }, () => 300 + pick(3_000)),
  );
  const servedBy = Array.from({ length: regionCount }, () => {
    const warehouses = new Set<number>();
    while (warehouses.size < perOrder) warehouses.add(pick(warehouseCount));
    return [...warehouses];
  });
  const nodes = ['source', 'sink'];
  const arcs: Network['arcs'] = [];
  for (let order = 0; order < orderCount; order++) {
    nodes.push(`o${order}`);
    arcs.push({ from: 'source', to: `o${order}`, capacity: 1, cost: 0 });
    const region = pick(regionCount);
    for (const warehouse of servedBy[region]!) {
      const cost = shipping[region]![warehouse]! + pick(200);
      arcs.push({ from: `o${order}`, to: `w${warehouse}`, capacity: 1, cost });
    }
  }
  for (let warehouse = 0; warehouse < warehouseCount; warehouse++) {
    nodes.push(`w${warehouse}`);
    const capacity = Math.floor((orderCount * 0.9) / warehouseCount) + pick(100);
    arcs.push({ from: `w${warehouse}`, to: 'sink', capacity, cost: 0 });
  }
  return { nodes, arcs, source: 'source', sink: 'sink' };
}

/** The region-level reroute (`planReroute`'s shape): source -> region -> every warehouse -> sink. */
function regionNetwork(regionCount: number, warehouseCount: number, seed: number): Network {
  const next = mulberry32(seed);
  const pick = (limit: number) => Math.floor(next() * limit);
  const nodes = ['source', 'sink'];
  const arcs: Network['arcs'] = [];
  for (let region = 0; region < regionCount; region++) {
    nodes.push(`r${region}`);
    arcs.push({ from: 'source', to: `r${region}`, capacity: 1 + pick(2_000), cost: 0 });
  }
  for (let warehouse = 0; warehouse < warehouseCount; warehouse++) {
    nodes.push(`w${warehouse}`);
    arcs.push({ from: `w${warehouse}`, to: 'sink', capacity: 1 + pick(4_000), cost: 0 });
  }
  for (let region = 0; region < regionCount; region++) {
    for (let warehouse = 0; warehouse < warehouseCount; warehouse++) {
      arcs.push({ from: `r${region}`, to: `w${warehouse}`, capacity: 1_000_000, cost: 100 + pick(5_000) });
    }
  }
  return { nodes, arcs, source: 'source', sink: 'sink' };
}

/**
 * NETGEN-like: `nodeCount` transit nodes, a twentieth of them fed from the source and as many draining to
 * the sink (supplies and demands 100..2,099), the other arcs between random nodes with capacities 1..1,000
 * and costs `p[to] - p[from] + slack` (node potentials 0..`spread`, slack 0..`slack`): negative arcs but
 * no negative cycle.
 */
function netgenNetwork(
  nodeCount: number,
  arcCount: number,
  spread: number,
  slack: number,
  seed: number,
): Network {
  const next = mulberry32(seed);
  const pick = (limit: number) => Math.floor(next() * limit);
  const potential = Array.from({ length: nodeCount }, () => pick(spread + 1));
  const nodes = ['source', 'sink', ...Array.from({ length: nodeCount }, (_, node) => `n${node}`)];
  const arcs: Network['arcs'] = [];
  const terminals = Math.floor(nodeCount / 20);
  for (let k = 0; k < terminals; k++) {
    arcs.push({ from: 'source', to: `n${pick(nodeCount)}`, capacity: 100 + pick(2_000), cost: 0 });
    arcs.push({ from: `n${pick(nodeCount)}`, to: 'sink', capacity: 100 + pick(2_000), cost: 0 });
  }
  while (arcs.length < arcCount) {
    const from = pick(nodeCount);
    const to = pick(nodeCount);
    const cost = potential[to]! - potential[from]! + pick(slack + 1);
    arcs.push({ from: `n${from}`, to: `n${to}`, capacity: 1 + pick(1_000), cost });
  }
  return { nodes, arcs, source: 'source', sink: 'sink' };
}

/** DIMACS `min` format: the source supplies `flow` units and the sink takes them. */
function dimacs(network: Network, flow: number): string {
  const ids = new Map(network.nodes.map((name, index) => [name, index + 1]));
  const id = (name: string): number => {
    const found = ids.get(name);
    if (found === undefined) throw new Error(`arc end ${name} is not a node of the network`);
    return found;
  };
  const lines = [
    `c ${network.nodes.length} nodes, ${network.arcs.length} arcs: bench/min-cost-flow.ts`,
    `p min ${network.nodes.length} ${network.arcs.length}`,
    `n ${id(network.source)} ${flow}`,
    `n ${id(network.sink)} ${-flow}`,
  ];
  for (const arc of network.arcs) lines.push(`a ${id(arc.from)} ${id(arc.to)} 0 ${arc.capacity} ${arc.cost}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the external solver from a shell started once, before the networks fill this process's memory.
 * Spawning it from here between our timed calls (`spawnSync`) forks this process each time: every page
 * of its heap turns copy-on-write, and the page faults and lost huge pages that follow made the next
 * call of ours 3-4x slower in user and system time (the region-level network: 35 ms CPU back to back,
 * 160 ms after each spawn), a cost of the measurement, not of the solver.
 */
class ReferenceRunner {
  private readonly shell: ChildProcessByStdio<Writable, Readable, null>;
  private output = '';
  private waiting: (() => void) | undefined;

  constructor(private readonly command: string) {
    const [program, ...args] = command.split(/\s+/).filter((part) => part.length > 0);
    // Reads one file path per line, runs `<program> <args> <file>` and marks the end of its report.
    const loop = 'while IFS= read -r file; do "$@" "$file" 2>&1; printf \'\\n@@done %s\\n\' "$?"; done';
    this.shell = spawn('/bin/sh', ['-c', loop, 'sh', program!, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.shell.stdout.setEncoding('utf8');
    this.shell.stdout.on('data', (chunk: string) => {
      this.output += chunk;
      this.waiting?.();
    });
  }

  /** One run: its optimal cost (undefined when infeasible) and its time. */
  async run(file: string): Promise<ReturnType<typeof parseReport>> {
    this.output = '';
    const started = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      this.waiting = () => {
        if (/\n@@done \d+\n$/.test(this.output)) resolve();
      };
      this.shell.once('exit', () => reject(new Error(`reference ${this.command}: the shell exited`)));
    });
    this.shell.stdin.write(`${file}\n`);
    await done;
    this.waiting = undefined;
    this.shell.removeAllListeners('exit');
    const status = Number(/@@done (\d+)\n$/.exec(this.output)![1]);
    if (status === 126 || status === 127) throw new Error(`reference ${this.command}: ${this.output.trim()}`);
    // LEMON's dimacs-solver reports on stderr, which the shell folds into its output.
    return parseReport(this.output, performance.now() - started);
  }

  close(): void {
    this.shell.stdin.end();
  }
}

function parseReport(
  output: string,
  wallMs: number,
): { cost: number | undefined; ms: number; cpuMs: number | undefined; wallMs: number } {
  const cost = /Min flow cost: (-?\d+)/.exec(output);
  const real = (label: string) => {
    const match = new RegExp(`${label}:[^\n]*real: ([0-9.e+-]+)s`).exec(output);
    return match === null ? undefined : Number(match[1]) * 1_000;
  };
  // LEMON's user and system times (10 ms ticks), for a comparison that load on the machine disturbs less.
  const cpu = (label: string) => {
    const match = new RegExp(`${label}: u: ([0-9.e+-]+)s, s: ([0-9.e+-]+)s`).exec(output);
    return match === null ? undefined : (Number(match[1]) + Number(match[2])) * 1_000;
  };
  const setup = real('Setup NetworkSimplex class');
  const run = real('Run NetworkSimplex');
  const setupCpu = cpu('Setup NetworkSimplex class');
  const runCpu = cpu('Run NetworkSimplex');
  return {
    cost: cost === null ? undefined : Number(cost[1]),
    ms: setup !== undefined && run !== undefined ? setup + run : wallMs,
    cpuMs: setupCpu !== undefined && runCpu !== undefined ? setupCpu + runCpu : undefined,
    wallMs,
  };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Part 1: 200,000-arc networks against the external reference, side by side. */
async function againstReference(command: string | undefined, runs: number): Promise<void> {
  const networks: [string, () => Network][] = [
    ['retail orders 20,000 x 50 warehouses', () => orderNetwork(20_000, 50, 10, 1)],
    ['retail regions 400 x 500 warehouses', () => regionNetwork(400, 500, 2)],
    ['sparse NETGEN-like, few negative', () => netgenNetwork(20_000, 200_000, 1_000, 10_000, 3)],
    ['sparse NETGEN-like, many negative', () => netgenNetwork(20_000, 200_000, 5_000, 2_000, 4)],
  ];
  if (command === undefined) {
    console.log(
      "Part 1 (200,000-arc networks against LEMON) skipped: no reference solver given. Build LEMON's " +
        'tools/dimacs-solver and pass --reference-cmd "<path>/dimacs-solver -long" (or MCF_REFERENCE_CMD).\n',
    );
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'min-cost-flow-'));
  const table: Record<string, string | number>[] = [];
  const reference = new ReferenceRunner(command);
  try {
    for (const [name, build] of networks) {
      const network = build();
      let result = minCostMaxFlow(network); // warm-up: the JIT compiles the hot loops on this instance
      const file = join(directory, 'instance.min');
      writeFileSync(file, dimacs(network, result.flow));
      const ours: number[] = [];
      const oursCpu: number[] = [];
      const theirs: number[] = [];
      const theirsWall: number[] = [];
      const theirsCpu: number[] = [];
      let referenceCost: number | undefined;
      // Interleaved, so that load from other processes falls on both alike.
      for (let run = 0; run < runs; run++) {
        const cpu = process.cpuUsage();
        const started = performance.now();
        result = minCostMaxFlow(network);
        ours.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        oursCpu.push((used.user + used.system) / 1_000);
        const report = await reference.run(file);
        theirs.push(report.ms);
        theirsWall.push(report.wallMs);
        if (report.cpuMs !== undefined) theirsCpu.push(report.cpuMs);
        referenceCost = report.cost;
      }
      writeFileSync(file, dimacs(network, result.flow + 1));
      const oneMore = await reference.run(file);
      table.push({
        network: name,
        nodes: network.nodes.length,
        arcs: network.arcs.length,
        flow: result.flow,
        cost: result.cost,
        'ours ms': Number(median(ours).toFixed(1)),
        'ours cpu ms': Number(median(oursCpu).toFixed(1)),
        'LEMON ms': Number(median(theirs).toFixed(1)),
        'ours / LEMON': `${(median(ours) / median(theirs)).toFixed(2)}x`,
        'LEMON cpu ms': theirsCpu.length === 0 ? '-' : Number(median(theirsCpu).toFixed(0)),
        'cpu ours / LEMON':
          theirsCpu.length === 0 ? '-' : `${(median(oursCpu) / median(theirsCpu)).toFixed(2)}x`,
        'LEMON process ms': Number(median(theirsWall).toFixed(0)),
        'cost = LEMON': referenceCost === result.cost ? 'same' : `DIFFERS (${String(referenceCost)})`,
        'flow + 1': oneMore.cost === undefined ? 'infeasible' : 'FEASIBLE',
      });
    }
  } finally {
    reference.close();
    rmSync(directory, { recursive: true, force: true });
  }
  console.log(
    `Part 1: 200,000-arc networks, ours against \`${command}\`; medians of ${runs} interleaved runs ` +
      '(ours: the whole minCostMaxFlow call, after a warm-up call; LEMON: NetworkSimplex setup + run, ' +
      'file reading excluded).',
  );
  console.table(table);
  if (
    table.some((row) => /DIFFERS|FEASIBLE/.test(`${String(row['cost = LEMON'])} ${String(row['flow + 1'])}`))
  )
    process.exitCode = 1;
}

async function main(): Promise<void> {
  const highs = await loadHighs();
  const command = option('--reference-cmd') ?? process.env.MCF_REFERENCE_CMD;
  await againstReference(command, Number(option('--runs') ?? 5));
  if (process.argv.includes('--reference-only')) return;
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
