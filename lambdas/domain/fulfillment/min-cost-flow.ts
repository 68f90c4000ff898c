import { FulfillmentInputError, NegativeCycleError } from './errors';

// Typed arrays below are indexed only with node ids in [0, nodeCount) and edge ids in [0, edge count), so the non-null assertions that `noUncheckedIndexedAccess` asks for are safe by construction.

/**
 * Maximum flow of minimum cost from `source` to `sink`: the largest flow the capacities allow, and among
 * all flows of that value the one with the least total cost.
 *
 * Successive shortest paths (primal-dual): Johnson potentials keep reduced costs non-negative so each
 * phase is a Dijkstra search with a binary heap, followed by a blocking flow (Dinic) over the arcs of
 * zero reduced cost, so every augmentation pushes a whole bottleneck, never one unit at a time. Initial
 * potentials come from a topological pass when the arcs form a DAG, else from Bellman-Ford (SPFA),
 * which lets costs be negative as long as no cycle of positive-capacity arcs has negative total cost.
 *
 * Input contract, each breach throwing a `FulfillmentInputError` whose `field` names it (e.g.
 * `arcs[3].capacity`): node names are unique; every arc, `source` and `sink` name a node; capacities are
 * non-negative safe integers; costs are safe integers. A cycle of positive-capacity arcs with negative total
 * cost (a negative self-loop included) throws `NegativeCycleError`, wherever it lies. Parallel arcs and
 * zero-capacity arcs are allowed; self-loops never carry flow. `source === sink` and an unreachable sink
 * both give a flow of 0 at cost 0.
 *
 * Exactness: all arithmetic is on integers. Shortest-path labels stay below
 * `maxAbsCost * (4 * nodes.length + 4)`, which must not exceed `Number.MAX_SAFE_INTEGER`, the flow value
 * must stay a safe integer, and the total cost is summed exactly (with `BigInt`) and must fit a safe
 * integer too. Each limit throws a `RangeError` instead of returning a rounded number.
 *
 * @example
 * minCostMaxFlow({
 *   nodes: ['s', 'a', 't'],
 *   arcs: [
 *     { from: 's', to: 't', capacity: 1, cost: 9 },
 *     { from: 's', to: 'a', capacity: 2, cost: -1 },
 *     { from: 'a', to: 't', capacity: 1, cost: 3 },
 *   ],
 *   source: 's',
 *   sink: 't',
 * }); // => { flow: 2, cost: 11, arcFlows: [1, 1, 1] }
 */
export function minCostMaxFlow(network: {
  nodes: string[];
  arcs: { from: string; to: string; capacity: number; cost: number }[];
  source: string;
  sink: string;
}): { flow: number; cost: number; arcFlows: number[] } {
  const graph = buildResidualGraph(network);
  const arcFlows = new Array<number>(network.arcs.length).fill(0);
  if (graph.source === graph.sink) return { flow: 0, cost: 0, arcFlows };

  const flow = augmentAlongShortestPaths(graph, initialPotentials(graph));
  graph.arcEdge.forEach((edge, arc) => {
    if (edge !== -1) arcFlows[arc] = graph.residual[graph.partner[edge]!]!;
  });
  return { flow, cost: exactTotalCost(network.arcs, arcFlows), arcFlows };
}

/**
 * Edges in compressed rows: the edges leaving node `v` are `adjacencyStart[v] .. adjacencyStart[v + 1]`,
 * so scans read memory in order. Each arc with capacity between distinct nodes becomes a forward edge
 * (residual = capacity - flow) and a backward edge (residual = flow, cost negated), each other's
 * `partner`; the tail of edge `e` is `head[partner[e]]`. `arcEdge[i]` is arc `i`'s forward edge, -1 for
 * self-loops and zero-capacity arcs, which can never carry flow.
 */
interface ResidualGraph {
  readonly nodeCount: number;
  readonly source: number;
  readonly sink: number;
  readonly adjacencyStart: Int32Array;
  readonly head: Int32Array;
  readonly partner: Int32Array;
  readonly residual: Float64Array;
  readonly cost: Float64Array;
  readonly edgeArc: Int32Array;
  readonly arcEdge: Int32Array;
  readonly hasNegativeCost: boolean;
}

function buildResidualGraph(network: Parameters<typeof minCostMaxFlow>[0]): ResidualGraph {
  const nodeCount = network.nodes.length;
  const nodeIndex = new Map<string, number>();
  network.nodes.forEach((name, index) => {
    if (nodeIndex.has(name)) throw new FulfillmentInputError(`nodes[${index}]`, name, 'must be unique');
    nodeIndex.set(name, index);
  });
  const lookUp = (name: string, field: () => string): number => {
    const index = nodeIndex.get(name);
    if (index === undefined) throw new FulfillmentInputError(field(), name, 'must name a node in `nodes`');
    return index;
  };
  const source = lookUp(network.source, () => 'source');
  const sink = lookUp(network.sink, () => 'sink');

  const arcCount = network.arcs.length;
  const tails = new Int32Array(arcCount);
  const tips = new Int32Array(arcCount);
  const degree = new Int32Array(nodeCount);
  let maxAbsCost = 0;
  let hasNegativeCost = false;
  for (let arc = 0; arc < arcCount; arc++) {
    const { from, to, capacity, cost } = network.arcs[arc]!;
    const tail = lookUp(from, () => `arcs[${arc}].from`);
    const tip = lookUp(to, () => `arcs[${arc}].to`);
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new FulfillmentInputError(`arcs[${arc}].capacity`, capacity, 'must be a non-negative safe integer');
    }
    if (!Number.isSafeInteger(cost)) throw new FulfillmentInputError(`arcs[${arc}].cost`, cost, 'must be a safe integer');
    if (capacity > 0 && tail === tip && cost < 0) throw new NegativeCycleError([arc]);
    tails[arc] = tail;
    tips[arc] = tip;
    if (capacity > 0 && tail !== tip) {
      degree[tail]!++;
      degree[tip]!++;
      maxAbsCost = Math.max(maxAbsCost, Math.abs(cost));
      hasNegativeCost ||= cost < 0;
    }
  }
  if (maxAbsCost * (4 * nodeCount + 4) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `arc costs up to ${maxAbsCost} on ${nodeCount} nodes could make path costs leave the safe-integer range`,
    );
  }

  const adjacencyStart = new Int32Array(nodeCount + 1);
  for (let node = 0; node < nodeCount; node++) adjacencyStart[node + 1] = adjacencyStart[node]! + degree[node]!;
  const edgeCount = adjacencyStart[nodeCount]!;
  const head = new Int32Array(edgeCount);
  const partner = new Int32Array(edgeCount);
  const residual = new Float64Array(edgeCount);
  const cost = new Float64Array(edgeCount);
  const edgeArc = new Int32Array(edgeCount);
  const arcEdge = new Int32Array(arcCount).fill(-1);
  const nextEdge = adjacencyStart.slice(0, nodeCount);
  for (let arc = 0; arc < arcCount; arc++) {
    const { capacity, cost: arcCost } = network.arcs[arc]!;
    const tail = tails[arc]!;
    const tip = tips[arc]!;
    if (capacity === 0 || tail === tip) continue;
    const forward = nextEdge[tail]!++;
    const backward = nextEdge[tip]!++;
    head[forward] = tip;
    head[backward] = tail;
    partner[forward] = backward;
    partner[backward] = forward;
    residual[forward] = capacity;
    cost[forward] = arcCost;
    cost[backward] = -arcCost;
    edgeArc[forward] = arc;
    edgeArc[backward] = arc;
    arcEdge[arc] = forward;
  }
  return {
    nodeCount,
    source,
    sink,
    adjacencyStart,
    head,
    partner,
    residual,
    cost,
    edgeArc,
    arcEdge,
    hasNegativeCost,
  };
}

/**
 * Shortest distances from a virtual node joined to every node by a zero-cost arc, over the edges with
 * residual capacity. They make every reduced cost `cost + h[tail] - h[head]` non-negative, for nodes
 * unreachable from the source too, which is what Dijkstra needs.
 */
function initialPotentials(graph: ResidualGraph): Float64Array {
  const potential = new Float64Array(graph.nodeCount);
  if (!graph.hasNegativeCost) return potential;
  const order = topologicalOrder(graph);
  if (order === undefined) return bellmanFordPotentials(graph, potential);
  const { head, residual, cost, adjacencyStart } = graph;
  for (const node of order) {
    for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
      if (residual[edge] === 0) continue;
      const tip = head[edge]!;
      potential[tip] = Math.min(potential[tip]!, potential[node]! + cost[edge]!);
    }
  }
  return potential;
}

/** Kahn's algorithm over the edges with residual capacity; `undefined` when they contain a cycle. */
function topologicalOrder(graph: ResidualGraph): Int32Array | undefined {
  const { nodeCount, head, residual, adjacencyStart } = graph;
  const inDegree = new Int32Array(nodeCount);
  for (let edge = 0; edge < head.length; edge++) if (residual[edge]! > 0) inDegree[head[edge]!]!++;
  const order = new Int32Array(nodeCount);
  let size = 0;
  for (let node = 0; node < nodeCount; node++) if (inDegree[node] === 0) order[size++] = node;
  for (let cursor = 0; cursor < size; cursor++) {
    const node = order[cursor]!;
    for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
      if (residual[edge]! > 0 && --inDegree[head[edge]!]! === 0) order[size++] = head[edge]!;
    }
  }
  return size === nodeCount ? order : undefined;
}

/**
 * SPFA from the virtual node (all potentials start at 0). `edgesOnPath[v]` counts the arcs of the walk
 * whose cost `potential[v]` records; a walk of `nodeCount` arcs repeats a node, and because labels only
 * ever decrease strictly, the repeated stretch is a negative cycle.
 */
function bellmanFordPotentials(graph: ResidualGraph, potential: Float64Array): Float64Array {
  const { nodeCount, head, residual, cost, adjacencyStart } = graph;
  const edgesOnPath = new Int32Array(nodeCount);
  const parentEdge = new Int32Array(nodeCount).fill(-1);
  const queued = new Uint8Array(nodeCount).fill(1);
  const queue = new Int32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) queue[node] = node;
  let front = 0;
  let length = nodeCount;
  while (length > 0) {
    const node = queue[front]!;
    front = (front + 1) % nodeCount;
    length--;
    queued[node] = 0;
    for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
      if (residual[edge] === 0) continue;
      const tip = head[edge]!;
      const label = potential[node]! + cost[edge]!;
      if (label >= potential[tip]!) continue;
      potential[tip] = label;
      parentEdge[tip] = edge;
      edgesOnPath[tip] = edgesOnPath[node]! + 1;
      if (edgesOnPath[tip]! >= nodeCount) throw new NegativeCycleError(traceCycle(graph, parentEdge, tip));
      if (queued[tip] === 0) {
        queued[tip] = 1;
        queue[(front + length) % nodeCount] = tip;
        length++;
      }
    }
  }
  return potential;
}

/** Follows parent edges back from `start`; returns the arcs of the first cycle met, in forward order. */
function traceCycle(graph: ResidualGraph, parentEdge: Int32Array, start: number): number[] {
  const seenAt = new Int32Array(graph.nodeCount).fill(-1);
  const walk: number[] = [];
  let node = start;
  while (seenAt[node] === -1 && parentEdge[node] !== -1) {
    seenAt[node] = walk.length;
    const edge = parentEdge[node]!;
    walk.push(graph.edgeArc[edge]!);
    node = graph.head[graph.partner[edge]!]!;
  }
  if (seenAt[node] === -1) return [];
  return walk.slice(seenAt[node]).reverse();
}

/**
 * Runs phases until the sink is unreachable; returns the flow value. Each phase finds the shortest
 * source-sink distance, then saturates every path of that cost at once.
 */
function augmentAlongShortestPaths(graph: ResidualGraph, potential: Float64Array): number {
  const { nodeCount } = graph;
  const distance = new Float64Array(nodeCount);
  const settled = new Uint8Array(nodeCount);
  const heap = new DistanceHeap(nodeCount, distance);
  const scratch: AdmissibleScratch = {
    label: new Int32Array(nodeCount),
    labelCount: new Int32Array(nodeCount + 1),
    queue: new Int32Array(nodeCount),
    nextEdge: new Int32Array(nodeCount),
    path: new Int32Array(nodeCount),
  };
  let flow = 0;
  while (updatePotentials(graph, potential, distance, settled, heap)) {
    flow += maxFlowOnAdmissibleEdges(graph, potential, scratch);
    if (flow > Number.MAX_SAFE_INTEGER) throw new RangeError('the flow value exceeds the safe-integer range');
  }
  return flow;
}

/**
 * Dijkstra on reduced costs from the source, stopped once the sink is settled at distance D. Then
 * `potential[v] += min(distance[v], D)`, which keeps every reduced cost non-negative and makes the
 * shortest source-sink paths exactly the paths of zero reduced cost. Returns false when the sink is
 * unreachable.
 */
function updatePotentials(
  graph: ResidualGraph,
  potential: Float64Array,
  distance: Float64Array,
  settled: Uint8Array,
  heap: DistanceHeap,
): boolean {
  const { nodeCount, source, sink, head, residual, cost, adjacencyStart } = graph;
  distance.fill(Infinity);
  settled.fill(0);
  heap.clear();
  distance[source] = 0;
  heap.push(source);
  while (!heap.isEmpty()) {
    const node = heap.pop();
    settled[node] = 1;
    if (node === sink) break;
    const base = distance[node]! + potential[node]!;
    for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
      if (residual[edge] === 0) continue;
      const tip = head[edge]!;
      if (settled[tip] === 1) continue;
      const label = base + cost[edge]! - potential[tip]!;
      if (label < distance[tip]!) {
        distance[tip] = label;
        heap.push(tip);
      }
    }
  }
  const toSink = distance[sink]!;
  if (toSink === Infinity) return false;
  for (let node = 0; node < nodeCount; node++) {
    potential[node]! += settled[node] === 1 ? distance[node]! : toSink;
  }
  return true;
}

interface AdmissibleScratch {
  readonly label: Int32Array;
  readonly labelCount: Int32Array;
  readonly queue: Int32Array;
  readonly nextEdge: Int32Array;
  readonly path: Int32Array;
}

/**
 * Maximum flow over the admissible edges (residual capacity, zero reduced cost), which carry exactly the
 * shortest source-sink paths: the shortest-augmenting-path algorithm with distance labels (Ahuja and
 * Orlin). `label[v]` is a lower bound on the number of admissible edges from `v` to the sink; the search
 * advances along edges one label down and, at a dead end, raises the label and retreats. Labels are made
 * exact by a BFS backwards from the sink at the start and again after every `nodeCount` raises, which
 * also ends the phase once the source is cut off; so does a label value that no node holds any more (the
 * gap rule). Augmentations push the path's bottleneck.
 */
function maxFlowOnAdmissibleEdges(
  graph: ResidualGraph,
  potential: Float64Array,
  { label, labelCount, queue, nextEdge, path }: AdmissibleScratch,
): number {
  const { nodeCount, source, sink, head, partner, residual, cost, adjacencyStart } = graph;
  const unreachable = nodeCount;
  const isAdmissible = (edge: number, tail: number, tip: number): boolean =>
    residual[edge]! > 0 && cost[edge]! + potential[tail]! === potential[tip];

  const labelExactly = (): boolean => {
    label.fill(unreachable);
    label[sink] = 0;
    queue[0] = sink;
    let size = 1;
    for (let cursor = 0; cursor < size; cursor++) {
      const node = queue[cursor]!;
      for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
        const tail = head[edge]!;
        if (label[tail] === unreachable && isAdmissible(partner[edge]!, tail, node)) {
          label[tail] = label[node]! + 1;
          queue[size++] = tail;
        }
      }
    }
    labelCount.fill(0);
    for (let cursor = 0; cursor < size; cursor++) labelCount[label[queue[cursor]!]!]!++;
    nextEdge.set(adjacencyStart.subarray(0, nodeCount));
    return label[source] !== unreachable;
  };

  if (!labelExactly()) return 0;
  let pushed = 0;
  let depth = 0;
  let node = source;
  let raisesSinceExact = 0;
  for (;;) {
    if (node === sink) {
      let bottleneck = Infinity;
      let firstSaturated = 0;
      for (let step = 0; step < depth; step++) {
        const available = residual[path[step]!]!;
        if (available < bottleneck) {
          bottleneck = available;
          firstSaturated = step;
        }
      }
      for (let step = 0; step < depth; step++) {
        const edge = path[step]!;
        residual[edge]! -= bottleneck;
        residual[partner[edge]!]! += bottleneck;
      }
      pushed += bottleneck;
      depth = firstSaturated;
      node = head[partner[path[depth]!]!]!;
      continue;
    }

    const wanted = label[node]! - 1;
    const end = adjacencyStart[node + 1]!;
    let edge = nextEdge[node]!;
    while (edge < end && !(label[head[edge]!] === wanted && isAdmissible(edge, node, head[edge]!))) edge++;
    nextEdge[node] = edge;
    if (edge < end) {
      path[depth++] = edge;
      node = head[edge]!;
      continue;
    }

    // Dead end: raise the label to what the admissible edges allow, then retreat.
    let lowest = unreachable - 1;
    for (let scan = adjacencyStart[node]!; scan < end; scan++) {
      const tip = head[scan]!;
      if (label[tip]! < lowest && isAdmissible(scan, node, tip)) lowest = label[tip]!;
    }
    const previous = label[node]!;
    if (--labelCount[previous]! === 0 && previous < label[source]!) return pushed; // gap: the sink is cut off
    label[node] = lowest + 1;
    labelCount[lowest + 1]!++;
    nextEdge[node] = adjacencyStart[node]!;
    if (++raisesSinceExact >= nodeCount) {
      raisesSinceExact = 0;
      if (!labelExactly()) return pushed;
      depth = 0;
      node = source;
    } else if (label[source]! >= unreachable) {
      return pushed;
    } else if (node !== source) {
      node = head[partner[path[--depth]!]!]!;
    }
  }
}

function exactTotalCost(arcs: readonly { cost: number }[], arcFlows: readonly number[]): number {
  let total = 0n;
  for (let arc = 0; arc < arcFlows.length; arc++) {
    const flow = arcFlows[arc]!;
    if (flow !== 0) total += BigInt(flow) * BigInt(arcs[arc]!.cost);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER) || total < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`the total cost ${total} is outside the safe-integer range`);
  }
  return Number(total);
}

/** Binary min-heap of node ids keyed by `distance`, with decrease-key through a position index. */
class DistanceHeap {
  private readonly nodes: Int32Array;
  private readonly position: Int32Array;
  private size = 0;

  constructor(
    nodeCount: number,
    private readonly distance: Float64Array,
  ) {
    this.nodes = new Int32Array(nodeCount);
    this.position = new Int32Array(nodeCount).fill(-1);
  }

  isEmpty(): boolean {
    return this.size === 0;
  }

  clear(): void {
    for (let index = 0; index < this.size; index++) this.position[this.nodes[index]!] = -1;
    this.size = 0;
  }

  /** Inserts `node`, or moves it up after its distance decreased. */
  push(node: number): void {
    let index = this.position[node]!;
    if (index === -1) {
      index = this.size++;
      this.nodes[index] = node;
      this.position[node] = index;
    }
    this.siftUp(index);
  }

  pop(): number {
    const top = this.nodes[0]!;
    this.position[top] = -1;
    this.size--;
    if (this.size > 0) {
      const last = this.nodes[this.size]!;
      this.nodes[0] = last;
      this.position[last] = 0;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(index: number): void {
    const node = this.nodes[index]!;
    const key = this.distance[node]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.nodes[parentIndex]!;
      if (this.distance[parent]! <= key) break;
      this.nodes[index] = parent;
      this.position[parent] = index;
      index = parentIndex;
    }
    this.nodes[index] = node;
    this.position[node] = index;
  }

  private siftDown(index: number): void {
    const node = this.nodes[index]!;
    const key = this.distance[node]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= this.size) break;
      const right = child + 1;
      if (right < this.size && this.distance[this.nodes[right]!]! < this.distance[this.nodes[child]!]!) {
        child = right;
      }
      const childNode = this.nodes[child]!;
      if (this.distance[childNode]! >= key) break;
      this.nodes[index] = childNode;
      this.position[childNode] = index;
      index = child;
    }
    this.nodes[index] = node;
    this.position[node] = index;
  }
}
