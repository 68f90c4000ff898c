import { FulfillmentInputError, NegativeCycleError } from './errors';

// Typed arrays here are indexed with node, edge and arc ids that are in range by construction, so the
// non-null assertions that `noUncheckedIndexedAccess` asks for are safe.

/**
 * Maximum flow of minimum cost from `source` to `sink`: the largest flow the capacities allow, and among
 * all flows of that value the one with the least total cost.
 *
 * Two exact integer steps: Dinic's algorithm finds the maximum flow value (each augmentation pushes a
 * whole bottleneck), then the primal network simplex method routes that value at minimum cost (block
 * search pricing; strongly feasible spanning trees, which rule out cycling on degenerate pivots). Costs
 * may be negative as long as no cycle of positive-capacity arcs has negative total cost; that is checked
 * first (a topological pass when the arcs form a DAG, else Bellman-Ford/SPFA).
 *
 * Input contract, each breach throwing a `FulfillmentInputError` whose `field` names it (e.g.
 * `arcs[3].capacity`): node names are unique; every arc, `source` and `sink` name a node; capacities are
 * non-negative safe integers; costs are safe integers. A cycle of positive-capacity arcs with negative total
 * cost (a negative self-loop included) throws `NegativeCycleError`, wherever it lies. Parallel arcs and
 * zero-capacity arcs are allowed; self-loops never carry flow. `source === sink` and an unreachable sink
 * both give a flow of 0 at cost 0.
 *
 * Exactness: all arithmetic is on integers held in doubles. Node potentials and reduced costs stay within
 * `maxAbsCost * (8 * nodes.length + 8)`, which must not exceed `Number.MAX_SAFE_INTEGER`; the flow value
 * must be a safe integer; the total cost is summed exactly (with `BigInt`) and must be a safe integer too.
 * Each limit throws a `RangeError` rather than return a rounded number.
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
  if (graph.hasNegativeCost) assertNoNegativeCycle(graph);
  const arcFlows = new Array<number>(network.arcs.length).fill(0);
  if (graph.source === graph.sink) return { flow: 0, cost: 0, arcFlows };

  const flow = maxFlowValue(graph);
  if (flow === 0) return { flow: 0, cost: 0, arcFlows };
  const routed = routeAtMinimumCost(graph, flow);
  graph.arcs.forEach((arc, index) => (arcFlows[arc] = routed[index]!));
  return { flow, cost: exactTotalCost(network.arcs, arcFlows), arcFlows };
}

/**
 * The arcs that can carry flow (positive capacity, distinct ends), in input order: `arcs[k]` is the input
 * index of the k-th, `tails`, `tips`, `capacities` and `costs` describe it. They also form a residual graph
 * in compressed rows for the max-flow and cycle checks: the edges leaving node `v` are
 * `adjacencyStart[v] .. adjacencyStart[v + 1]`, each arc giving a forward edge (residual = capacity) and a
 * backward one (residual 0, cost negated), each other's `partner`; the tail of edge `e` is
 * `head[partner[e]]`.
 */
interface ResidualGraph {
  readonly nodeCount: number;
  readonly source: number;
  readonly sink: number;
  readonly arcs: Int32Array;
  readonly tails: Int32Array;
  readonly tips: Int32Array;
  readonly capacities: Float64Array;
  readonly costs: Float64Array;
  readonly maxAbsCost: number;
  readonly hasNegativeCost: boolean;
  readonly adjacencyStart: Int32Array;
  readonly head: Int32Array;
  readonly partner: Int32Array;
  readonly residual: Float64Array;
  readonly cost: Float64Array;
  readonly edgeArc: Int32Array;
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

  const active: number[] = [];
  const endpoints: number[] = [];
  let maxAbsCost = 0;
  let hasNegativeCost = false;
  network.arcs.forEach(({ from, to, capacity, cost }, arc) => {
    const tail = lookUp(from, () => `arcs[${arc}].from`);
    const tip = lookUp(to, () => `arcs[${arc}].to`);
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new FulfillmentInputError(
        `arcs[${arc}].capacity`,
        capacity,
        'must be a non-negative safe integer',
      );
    }
    if (!Number.isSafeInteger(cost))
      throw new FulfillmentInputError(`arcs[${arc}].cost`, cost, 'must be a safe integer');
    if (capacity === 0) return;
    if (tail === tip) {
      if (cost < 0) throw new NegativeCycleError([arc]);
      return;
    }
    active.push(arc);
    endpoints.push(tail, tip);
    maxAbsCost = Math.max(maxAbsCost, Math.abs(cost));
    hasNegativeCost ||= cost < 0;
  });
  if (maxAbsCost * (8 * nodeCount + 8) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `arc costs up to ${maxAbsCost} on ${nodeCount} nodes could make path costs leave the safe-integer range`,
    );
  }

  const arcCount = active.length;
  const arcs = Int32Array.from(active);
  const tails = new Int32Array(arcCount);
  const tips = new Int32Array(arcCount);
  const capacities = new Float64Array(arcCount);
  const costs = new Float64Array(arcCount);
  const adjacencyStart = new Int32Array(nodeCount + 1);
  for (let k = 0; k < arcCount; k++) {
    const { capacity, cost } = network.arcs[arcs[k]!]!;
    tails[k] = endpoints[2 * k]!;
    tips[k] = endpoints[2 * k + 1]!;
    capacities[k] = capacity;
    costs[k] = cost;
    adjacencyStart[tails[k]! + 1]!++;
    adjacencyStart[tips[k]! + 1]!++;
  }
  for (let node = 0; node < nodeCount; node++) adjacencyStart[node + 1]! += adjacencyStart[node]!;

  const head = new Int32Array(2 * arcCount);
  const partner = new Int32Array(2 * arcCount);
  const residual = new Float64Array(2 * arcCount);
  const cost = new Float64Array(2 * arcCount);
  const edgeArc = new Int32Array(2 * arcCount);
  const nextEdge = adjacencyStart.slice(0, nodeCount);
  for (let k = 0; k < arcCount; k++) {
    const forward = nextEdge[tails[k]!]!++;
    const backward = nextEdge[tips[k]!]!++;
    head[forward] = tips[k]!;
    head[backward] = tails[k]!;
    partner[forward] = backward;
    partner[backward] = forward;
    residual[forward] = capacities[k]!;
    cost[forward] = costs[k]!;
    cost[backward] = -costs[k]!;
    edgeArc[forward] = arcs[k]!;
    edgeArc[backward] = arcs[k]!;
  }
  return {
    nodeCount,
    source,
    sink,
    arcs,
    tails,
    tips,
    capacities,
    costs,
    maxAbsCost,
    hasNegativeCost,
    adjacencyStart,
    head,
    partner,
    residual,
    cost,
    edgeArc,
  };
}

/** Throws `NegativeCycleError` when some cycle of positive-capacity arcs has negative total cost. */
function assertNoNegativeCycle(graph: ResidualGraph): void {
  if (isAcyclic(graph)) return;
  const { nodeCount, head, residual, cost, adjacencyStart } = graph;
  // SPFA from a virtual node joined to every node by a zero-cost arc, so every cycle is in reach.
  // `edgesOnPath[v]` counts the arcs of the walk whose cost `distance[v]` records; labels only ever
  // decrease strictly, so once such a walk has `nodeCount` arcs its repeated stretch is a negative cycle.
  const distance = new Float64Array(nodeCount);
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
      const label = distance[node]! + cost[edge]!;
      if (label >= distance[tip]!) continue;
      distance[tip] = label;
      parentEdge[tip] = edge;
      edgesOnPath[tip] = edgesOnPath[node]! + 1;
      if (edgesOnPath[tip] >= nodeCount) throw new NegativeCycleError(traceCycle(graph, parentEdge, tip));
      if (queued[tip] === 0) {
        queued[tip] = 1;
        queue[(front + length) % nodeCount] = tip;
        length++;
      }
    }
  }
}

/** Kahn's algorithm over the arcs (the edges with residual capacity before any flow): true when acyclic. */
function isAcyclic({ nodeCount, tips, adjacencyStart, head, residual }: ResidualGraph): boolean {
  const inDegree = new Int32Array(nodeCount);
  for (const tip of tips) inDegree[tip]!++;
  const ready = new Int32Array(nodeCount);
  let size = 0;
  for (let node = 0; node < nodeCount; node++) if (inDegree[node] === 0) ready[size++] = node;
  for (let cursor = 0; cursor < size; cursor++) {
    const node = ready[cursor]!;
    for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
      if (residual[edge]! > 0 && --inDegree[head[edge]!]! === 0) ready[size++] = head[edge]!;
    }
  }
  return size === nodeCount;
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
 * Dinic's algorithm: BFS levels from the source, then a blocking flow along level-increasing edges,
 * until the sink is out of reach. Uses up `graph.residual`.
 */
function maxFlowValue(graph: ResidualGraph): number {
  const { nodeCount, source, sink, adjacencyStart, head, partner, residual } = graph;
  const level = new Int32Array(nodeCount);
  const queue = new Int32Array(nodeCount);
  const nextEdge = new Int32Array(nodeCount);
  const path = new Int32Array(nodeCount);
  let flow = 0;
  for (;;) {
    level.fill(-1);
    level[source] = 0;
    queue[0] = source;
    let size = 1;
    for (let cursor = 0; cursor < size && level[sink] === -1; cursor++) {
      const node = queue[cursor]!;
      for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
        const tip = head[edge]!;
        if (residual[edge]! > 0 && level[tip] === -1) {
          level[tip] = level[node]! + 1;
          queue[size++] = tip;
        }
      }
    }
    if (level[sink] === -1) return flow;

    // Blocking flow, iterative so that long paths cannot overflow the stack. Each augmentation pushes
    // the path's bottleneck and retreats to the tail of the first saturated edge.
    nextEdge.set(adjacencyStart.subarray(0, nodeCount));
    let depth = 0;
    let node = source;
    for (;;) {
      if (node === sink) {
        let bottleneck = Infinity;
        let firstSaturated = 0;
        for (let step = 0; step < depth; step++) {
          if (residual[path[step]!]! < bottleneck) {
            bottleneck = residual[path[step]!]!;
            firstSaturated = step;
          }
        }
        for (let step = 0; step < depth; step++) {
          residual[path[step]!]! -= bottleneck;
          residual[partner[path[step]!]!]! += bottleneck;
        }
        flow += bottleneck;
        if (flow > Number.MAX_SAFE_INTEGER)
          throw new RangeError('the flow value exceeds the safe-integer range');
        depth = firstSaturated;
        node = head[partner[path[depth]!]!]!;
        continue;
      }
      const end = adjacencyStart[node + 1]!;
      let edge = nextEdge[node]!;
      while (edge < end && !(residual[edge]! > 0 && level[head[edge]!] === level[node]! + 1)) edge++;
      nextEdge[node] = edge;
      if (edge < end) {
        path[depth++] = edge;
        node = head[edge]!;
        continue;
      }
      if (node === source) break;
      level[node] = -1; // a dead end for the rest of this round
      node = head[partner[path[--depth]!]!]!;
      nextEdge[node]!++;
    }
  }
}

/**
 * Primal network simplex for the cheapest way to send `value` units from source to sink over the graph's
 * arcs; returns the flow on each of them. The initial basis hangs every node from an artificial root by an
 * artificial arc; any flow through the root pays `(nodeCount + 1) * maxAbsCost + 1` (big M) at the sink,
 * more than any real path costs, so the optimum leaves the artificial arcs empty as `value` is feasible.
 * Arcs are priced in blocks of about sqrt(arcs) (Grigoriadis' block search); the leaving arc is the last
 * blocking arc of the pivot cycle from its apex, which keeps the tree strongly feasible and so rules out
 * cycling on degenerate pivots (Cunningham 1976).
 */
function routeAtMinimumCost(graph: ResidualGraph, value: number): Float64Array {
  const { nodeCount, source, sink, maxAbsCost } = graph;
  const realArcs = graph.arcs.length;
  const arcCount = realArcs + nodeCount;
  const root = nodeCount;
  const tail = new Int32Array(arcCount);
  const tip = new Int32Array(arcCount);
  const capacity = new Float64Array(arcCount);
  const cost = new Float64Array(arcCount);
  const flow = new Float64Array(arcCount);
  tail.set(graph.tails);
  tip.set(graph.tips);
  capacity.set(graph.capacities);
  cost.set(graph.costs);

  const tree = new SpanningTree(nodeCount + 1);
  const bigM = (nodeCount + 1) * maxAbsCost + 1;
  for (let node = 0; node < nodeCount; node++) {
    // The source and the transit nodes point to the root and the sink is fed from it, so every tree arc
    // can take more flow towards the root: the tree is strongly feasible. Transit nodes' arcs cost 0,
    // which starts their potentials at 0 and prices real arcs by their own costs; any flow through the
    // root still pays the sink's big M.
    const arc = realArcs + node;
    const isSink = node === sink;
    const isTerminal = isSink || node === source;
    capacity[arc] = Infinity;
    cost[arc] = isTerminal ? bigM : 0;
    flow[arc] = isTerminal ? value : 0;
    tail[arc] = isSink ? root : node;
    tip[arc] = isSink ? node : root;
    tree.hang(node, root, arc, isSink ? bigM : isTerminal ? -bigM : 0);
  }

  const { parent, parentArc, potential } = tree;
  // Room to push along the tree arc `arc` from `node` up to its parent, or down from the parent to it.
  const upward = (node: number, arc: number) =>
    tail[arc] === node ? capacity[arc]! - flow[arc]! : flow[arc]!;
  const downward = (node: number, arc: number) =>
    tail[arc] === node ? flow[arc]! : capacity[arc]! - flow[arc]!;
  const blockSize = Math.max(10, Math.ceil(Math.sqrt(arcCount)));
  let cursor = 0;
  for (;;) {
    // Pricing: the arc with the largest violation in the first block that has one.
    let entering = -1;
    let largest = 0;
    for (let scanned = 0, inBlock = 0; scanned < arcCount; scanned++) {
      const arc = cursor;
      cursor = cursor + 1 === arcCount ? 0 : cursor + 1;
      const reduced = cost[arc]! + potential[tail[arc]!]! - potential[tip[arc]!]!;
      const violation =
        reduced < 0 && flow[arc]! < capacity[arc]! ? -reduced : reduced > 0 && flow[arc]! > 0 ? reduced : 0;
      if (violation > largest) {
        largest = violation;
        entering = arc;
      }
      if (++inBlock === blockSize) {
        if (entering !== -1) break;
        inBlock = 0;
      }
    }
    if (entering === -1) break;

    // The pivot cycle pushes flow from `first` to `second` on the entering arc, then back up the tree
    // from `second` to the apex and down from the apex to `first`.
    const reduced = cost[entering]! + potential[tail[entering]!]! - potential[tip[entering]!]!;
    const forward = reduced < 0;
    const first = forward ? tail[entering]! : tip[entering]!;
    const second = forward ? tip[entering]! : tail[entering]!;
    const apex = tree.apex(first, second);

    // Ties go to the arc met last along the cycle from the apex: `<` on the way down (walked backwards
    // from `first`), `<=` for the entering arc and on the way up from `second`.
    let delta = Infinity;
    let leaving = -1; // the child end of the leaving tree arc; -1 when the entering arc leaves again
    let leavingOnFirstSide = false;
    for (let node = first; node !== apex; node = parent[node]!) {
      const room = downward(node, parentArc[node]!);
      if (room < delta) {
        delta = room;
        leaving = node;
        leavingOnFirstSide = true;
      }
    }
    const enteringRoom = forward ? capacity[entering]! - flow[entering]! : flow[entering]!;
    if (enteringRoom <= delta) {
      delta = enteringRoom;
      leaving = -1;
    }
    for (let node = second; node !== apex; node = parent[node]!) {
      const room = upward(node, parentArc[node]!);
      if (room <= delta) {
        delta = room;
        leaving = node;
        leavingOnFirstSide = false;
      }
    }

    if (delta > 0) {
      flow[entering] = forward ? flow[entering]! + delta : flow[entering]! - delta;
      for (let node = first; node !== apex; node = parent[node]!) {
        const arc = parentArc[node]!;
        flow[arc] = tail[arc] === node ? flow[arc]! - delta : flow[arc]! + delta;
      }
      for (let node = second; node !== apex; node = parent[node]!) {
        const arc = parentArc[node]!;
        flow[arc] = tail[arc] === node ? flow[arc]! + delta : flow[arc]! - delta;
      }
    }
    if (leaving === -1) continue;

    // The side that lost its tree arc is re-hung from the other end of the entering arc; its potentials
    // shift so that the entering arc's reduced cost becomes 0, as every tree arc's is.
    const moved = leavingOnFirstSide ? first : second;
    const shift = Math.abs(reduced);
    tree.reroot(moved, leaving, leavingOnFirstSide ? second : first, entering);
    tree.refreshSubtree(moved, leavingOnFirstSide ? shift : -shift);
  }

  for (let node = 0; node < nodeCount; node++) {
    if (flow[realArcs + node] !== 0)
      throw new Error('minCostMaxFlow: internal error, artificial arc kept flow');
  }
  return flow.subarray(0, realArcs);
}

/**
 * The network simplex basis: a spanning tree stored with parent pointers, depths, node potentials and
 * doubly linked child lists, so a subtree can be walked and re-hung in time proportional to its size.
 */
class SpanningTree {
  readonly parent: Int32Array;
  readonly parentArc: Int32Array;
  readonly potential: Float64Array;
  private readonly depth: Int32Array;
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  private readonly previousSibling: Int32Array;
  private readonly stack: Int32Array;

  constructor(size: number) {
    this.parent = new Int32Array(size).fill(-1);
    this.parentArc = new Int32Array(size).fill(-1);
    this.depth = new Int32Array(size);
    this.potential = new Float64Array(size);
    this.firstChild = new Int32Array(size).fill(-1);
    this.nextSibling = new Int32Array(size).fill(-1);
    this.previousSibling = new Int32Array(size).fill(-1);
    this.stack = new Int32Array(size);
  }

  /** Makes a root-less `node` a child of `parent` through `arc`, with the given potential. */
  hang(node: number, parent: number, arc: number, potential: number): void {
    this.attach(node, parent, arc);
    this.depth[node] = this.depth[parent]! + 1;
    this.potential[node] = potential;
  }

  /** The lowest common ancestor of `a` and `b`. */
  apex(a: number, b: number): number {
    const { parent, depth } = this;
    while (a !== b) {
      if (depth[a]! >= depth[b]!) a = parent[a]!;
      else b = parent[b]!;
    }
    return a;
  }

  /**
   * Cuts the tree arc above `cut` and re-hangs the cut-off subtree, which contains `node`, from
   * `newParent` through `arc`: the parent links on the path from `node` up to `cut` are reversed.
   */
  reroot(node: number, cut: number, newParent: number, arc: number): void {
    let current = node;
    let above = newParent;
    let link = arc;
    for (;;) {
      const oldParent = this.parent[current]!;
      const oldArc = this.parentArc[current]!;
      this.detach(current);
      this.attach(current, above, link);
      if (current === cut) return;
      above = current;
      link = oldArc;
      current = oldParent;
    }
  }

  /** Recomputes depths below `top` and adds `shift` to the potentials of its subtree. */
  refreshSubtree(top: number, shift: number): void {
    const { stack, parent, depth, potential, firstChild, nextSibling } = this;
    let size = 0;
    stack[size++] = top;
    while (size > 0) {
      const node = stack[--size]!;
      depth[node] = depth[parent[node]!]! + 1;
      potential[node]! += shift;
      for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) stack[size++] = child;
    }
  }

  private attach(node: number, parent: number, arc: number): void {
    const next = this.firstChild[parent]!;
    this.nextSibling[node] = next;
    this.previousSibling[node] = -1;
    if (next !== -1) this.previousSibling[next] = node;
    this.firstChild[parent] = node;
    this.parent[node] = parent;
    this.parentArc[node] = arc;
  }

  private detach(node: number): void {
    const previous = this.previousSibling[node]!;
    const next = this.nextSibling[node]!;
    if (previous === -1) this.firstChild[this.parent[node]!] = next;
    else this.nextSibling[previous] = next;
    if (next !== -1) this.previousSibling[next] = previous;
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
