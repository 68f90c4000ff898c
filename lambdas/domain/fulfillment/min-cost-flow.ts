import { FulfillmentInputError, NegativeCycleError } from './errors';

// Typed arrays here are indexed with node, edge and arc ids that are in range by construction, so the
// non-null assertions that `noUncheckedIndexedAccess` asks for are safe.

/**
 * Maximum flow of minimum cost from `source` to `sink`: the largest flow the capacities allow, and among
 * all flows of that value the one with the least total cost.
 *
 * Two exact integer steps: Dinic's algorithm finds the maximum flow value (each augmentation pushes a
 * whole bottleneck), then the primal network simplex method routes that value at minimum cost over the
 * arcs on source-sink paths (starting from a shortest-path tree to the sink; block search pricing;
 * strongly feasible spanning trees, which rule out cycling on degenerate pivots). Costs
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
  for (let k = 0; k < routed.length; k++) arcFlows[graph.arcs[k]!] = routed[k]!;
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
  /** The arc slot `k` of a forward edge, `~k` (negative) of a backward one. */
  readonly edgeSlot: Int32Array;
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

  const given = network.arcs.length;
  const arcs = new Int32Array(given);
  const tails = new Int32Array(given);
  const tips = new Int32Array(given);
  const capacities = new Float64Array(given);
  const costs = new Float64Array(given);
  const adjacencyStart = new Int32Array(nodeCount + 1);
  let arcCount = 0;
  let maxAbsCost = 0;
  let hasNegativeCost = false;
  for (let arc = 0; arc < given; arc++) {
    const { from, to, capacity, cost } = network.arcs[arc]!;
    const tail = nodeIndex.get(from) ?? lookUp(from, () => `arcs[${arc}].from`);
    const tip = nodeIndex.get(to) ?? lookUp(to, () => `arcs[${arc}].to`);
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new FulfillmentInputError(
        `arcs[${arc}].capacity`,
        capacity,
        'must be a non-negative safe integer',
      );
    }
    if (!Number.isSafeInteger(cost))
      throw new FulfillmentInputError(`arcs[${arc}].cost`, cost, 'must be a safe integer');
    if (capacity === 0) continue;
    if (tail === tip) {
      if (cost < 0) throw new NegativeCycleError([arc]);
      continue;
    }
    arcs[arcCount] = arc;
    tails[arcCount] = tail;
    tips[arcCount] = tip;
    capacities[arcCount] = capacity;
    costs[arcCount] = cost;
    arcCount++;
    adjacencyStart[tail + 1]!++;
    adjacencyStart[tip + 1]!++;
    if (cost < 0) {
      hasNegativeCost = true;
      if (-cost > maxAbsCost) maxAbsCost = -cost;
    } else if (cost > maxAbsCost) maxAbsCost = cost;
  }
  if (maxAbsCost * (8 * nodeCount + 8) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `arc costs up to ${maxAbsCost} on ${nodeCount} nodes could make path costs leave the safe-integer range`,
    );
  }
  for (let node = 0; node < nodeCount; node++) adjacencyStart[node + 1]! += adjacencyStart[node]!;

  const head = new Int32Array(2 * arcCount);
  const partner = new Int32Array(2 * arcCount);
  const residual = new Float64Array(2 * arcCount);
  const cost = new Float64Array(2 * arcCount);
  const edgeSlot = new Int32Array(2 * arcCount);
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
    edgeSlot[forward] = k;
    edgeSlot[backward] = ~k;
  }
  return {
    nodeCount,
    source,
    sink,
    arcs: arcs.subarray(0, arcCount),
    tails: tails.subarray(0, arcCount),
    tips: tips.subarray(0, arcCount),
    capacities: capacities.subarray(0, arcCount),
    costs: costs.subarray(0, arcCount),
    maxAbsCost,
    hasNegativeCost,
    adjacencyStart,
    head,
    partner,
    residual,
    cost,
    edgeSlot,
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
    const slot = graph.edgeSlot[edge]!;
    walk.push(graph.arcs[slot >= 0 ? slot : ~slot]!);
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
 * Primal network simplex for the cheapest way to send `value` units from source to sink; returns the flow
 * on each of the graph's arcs.
 *
 * Only arcs that lie on some source-sink path take part: any other flow would form cycles, which cost
 * nothing less as no cycle is negative. The initial basis is a shortest-path tree towards the sink (every
 * tree arc empty and pointing at the sink, so the node potentials are minus the distances and every
 * non-tree arc prices non-negative), with two artificial arcs carrying the whole value from the source
 * through an extra root to the sink. Their path pays big M, more than any real path, so the optimum
 * empties them; the first pivots then push flow along shortest paths, much as successive shortest paths
 * would, instead of building the tree from nothing. Every tree arc can take more flow towards the root,
 * so the tree is strongly feasible; the leaving arc is the last blocking arc of the pivot cycle from its
 * apex, which keeps it so and rules out cycling on degenerate pivots (Cunningham 1976). Arcs are priced
 * in blocks of about sqrt(arcs) (Grigoriadis' block search); when a search passed over blocks without a
 * violation, the other violators of the block it stopped in stay candidates for as many pivots, so that
 * rare violations (transportation networks near their optimum) do not cost a scan of every arc each.
 */
function routeAtMinimumCost(graph: ResidualGraph, value: number): Float64Array {
  const { nodeCount, source, sink, maxAbsCost } = graph;
  const onPath = nodesOnSourceSinkPaths(graph);
  const realArcs = graph.arcs.length;
  const arcCount = realArcs + 2;
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
  // +1 at the lower bound, -1 at the upper bound, 0 in the tree or off every source-sink path (never to
  // enter): the sign that turns a reduced cost into a violation when negative.
  const state = new Int8Array(arcCount);
  for (let arc = 0; arc < realArcs; arc++) state[arc] = onPath[tail[arc]!]! & onPath[tip[arc]!]!;
  const sourceArc = realArcs;
  const sinkArc = realArcs + 1;
  tail[sourceArc] = source;
  tip[sourceArc] = root;
  capacity[sourceArc] = Infinity;
  cost[sourceArc] = (nodeCount + 1) * maxAbsCost + 1;
  flow[sourceArc] = value;
  tail[sinkArc] = root;
  tip[sinkArc] = sink;
  capacity[sinkArc] = Infinity;
  cost[sinkArc] = 0;
  flow[sinkArc] = value;

  const tree = new SpanningTree(nodeCount + 1, root);
  const towardsSink = shortestPathTreeToSink(graph, onPath);
  for (let node = 0; node < nodeCount; node++) {
    if (onPath[node] === 0) continue;
    if (node === source) tree.link(node, root, sourceArc);
    else if (node === sink) tree.link(node, root, sinkArc);
    else {
      const arc = towardsSink[node]!;
      tree.link(node, tip[arc]!, arc);
      state[arc] = 0;
    }
  }
  tree.settle(tail, cost);

  const { parent, parentArc, potential } = tree;
  const blockSize = Math.max(10, Math.ceil(Math.sqrt(arcCount)));
  const candidates = new Int32Array(blockSize);
  let listLength = 0;
  let minorLeft = 0;
  let cursor = 0;
  for (;;) {
    // Pricing: block search (the arc with the largest violation in the first block of arcs that has
    // one), where the block's other violators stay candidates for the next `minorLimit` pivots, so that a
    // pivot does not scan the whole list of arcs again when violations have become rare.
    let entering = -1;
    let mostNegative = 0;
    if (minorLeft > 0) {
      minorLeft--;
      for (let index = 0; index < listLength;) {
        const arc = candidates[index]!;
        const violation = state[arc]! * (cost[arc]! + potential[tail[arc]!]! - potential[tip[arc]!]!);
        if (violation >= 0) {
          candidates[index] = candidates[--listLength]!;
          continue;
        }
        if (violation < mostNegative) {
          mostNegative = violation;
          entering = arc;
        }
        index++;
      }
    }
    if (entering === -1) {
      listLength = 0;
      let blocks = 0;
      for (let scanned = 0; scanned < arcCount && entering === -1; blocks++) {
        const stop = Math.min(cursor + blockSize, arcCount);
        for (let arc = cursor; arc < stop; arc++) {
          const violation = state[arc]! * (cost[arc]! + potential[tail[arc]!]! - potential[tip[arc]!]!);
          if (violation < 0) {
            candidates[listLength++] = arc;
            if (violation < mostNegative) {
              mostNegative = violation;
              entering = arc;
            }
          }
        }
        scanned += stop - cursor;
        cursor = stop === arcCount ? 0 : stop;
      }
      minorLeft = blocks - 1;
    }
    if (entering === -1) break;

    // The pivot cycle pushes flow from `first` to `second` on the entering arc, then back up the tree
    // from `second` to the apex and down from the apex to `first`.
    const forward = state[entering] === 1;
    const first = forward ? tail[entering]! : tip[entering]!;
    const second = forward ? tip[entering]! : tail[entering]!;
    const apex = tree.apex(first, second);

    // Ties go to the arc met last along the cycle from the apex: `<` on the way down (walked backwards
    // from `first`), `<=` for the entering arc and on the way up from `second`.
    let delta = Infinity;
    let leaving = -1; // the child end of the leaving tree arc; -1 when the entering arc leaves again
    let leavingOnFirstSide = false;
    for (let node = first; node !== apex; node = parent[node]!) {
      const arc = parentArc[node]!;
      const room = tail[arc] === node ? flow[arc]! : capacity[arc]! - flow[arc]!;
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
      leavingOnFirstSide = false;
    }
    for (let node = second; node !== apex; node = parent[node]!) {
      const arc = parentArc[node]!;
      const room = tail[arc] === node ? capacity[arc]! - flow[arc]! : flow[arc]!;
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
    if (leaving === -1) {
      state[entering] = forward ? -1 : 1;
      continue;
    }

    // The side that lost its tree arc is re-hung from the other end of the entering arc; its potentials
    // shift so that the entering arc's reduced cost becomes 0, as every tree arc's is.
    const out = parentArc[leaving]!;
    state[out] = flow[out] === 0 ? 1 : -1;
    state[entering] = 0;
    const moved = leavingOnFirstSide ? first : second;
    const shift = -mostNegative;
    tree.rehang(
      moved,
      leaving,
      leavingOnFirstSide ? second : first,
      entering,
      apex,
      leavingOnFirstSide ? shift : -shift,
    );
  }

  if (flow[sourceArc] !== 0 || flow[sinkArc] !== 0)
    throw new Error('minCostMaxFlow: internal error, artificial arc kept flow');
  return flow.subarray(0, realArcs);
}

/** 1 for the nodes that the source reaches and that reach the sink, through arcs with capacity. */
function nodesOnSourceSinkPaths(graph: ResidualGraph): Uint8Array {
  const { nodeCount, source, sink, adjacencyStart, head, edgeSlot } = graph;
  const reach = (start: number, forward: boolean): Uint8Array => {
    const seen = new Uint8Array(nodeCount);
    const queue = new Int32Array(nodeCount);
    seen[start] = 1;
    queue[0] = start;
    let size = 1;
    for (let cursor = 0; cursor < size; cursor++) {
      const node = queue[cursor]!;
      for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
        if (edgeSlot[edge]! >= 0 !== forward || seen[head[edge]!] === 1) continue;
        seen[head[edge]!] = 1;
        queue[size++] = head[edge]!;
      }
    }
    return seen;
  };
  const fromSource = reach(source, true);
  const toSink = reach(sink, false);
  for (let node = 0; node < nodeCount; node++) fromSource[node]! &= toSink[node]!;
  return fromSource;
}

/**
 * For every node on a source-sink path, the slot of the first arc of a shortest path from it to the sink
 * over such arcs: Bellman-Ford with a FIFO queue, backwards from the sink. Labels only ever
 * decrease strictly and no cycle is negative, so the chosen arcs form a tree.
 */
function shortestPathTreeToSink(graph: ResidualGraph, onPath: Uint8Array): Int32Array {
  const { nodeCount, sink, adjacencyStart, head, edgeSlot, costs } = graph;
  const distance = new Float64Array(nodeCount).fill(Infinity);
  const towardsSink = new Int32Array(nodeCount).fill(-1);
  const queued = new Uint8Array(nodeCount);
  const queue = new Int32Array(nodeCount);
  distance[sink] = 0;
  queue[0] = sink;
  queued[sink] = 1;
  let front = 0;
  let length = 1;
  while (length > 0) {
    const node = queue[front]!;
    front = front + 1 === nodeCount ? 0 : front + 1;
    length--;
    queued[node] = 0;
    for (let edge = adjacencyStart[node]!; edge < adjacencyStart[node + 1]!; edge++) {
      const slot = edgeSlot[edge]!;
      if (slot >= 0) continue;
      const from = head[edge]!;
      if (onPath[from] === 0) continue;
      const label = distance[node]! + costs[~slot]!;
      if (label >= distance[from]!) continue;
      distance[from] = label;
      towardsSink[from] = ~slot;
      if (queued[from] === 0) {
        queued[from] = 1;
        queue[(front + length) % nodeCount] = from;
        length++;
      }
    }
  }
  return towardsSink;
}

/**
 * The network simplex basis: a spanning tree stored with parent pointers, subtree sizes, node potentials
 * and a preorder thread (a circular doubly linked list of the tree's nodes in depth-first order, so every
 * subtree is a contiguous stretch of it that starts at its top). The apex of a pivot cycle is found with
 * the sizes (an ancestor's subtree is larger than its descendants'), which change only along the cycle
 * and the stem. Re-hanging a subtree walks its stretch of the thread once, shifting its potentials and
 * noting the old order, then splices the stretch back in at most two pieces per stem node (the
 * representation of Ahuja, Magnanti and Orlin, Network Flows, ch. 11, with sizes in place of depths).
 */
class SpanningTree {
  readonly parent: Int32Array;
  readonly parentArc: Int32Array;
  readonly potential: Float64Array;
  private readonly size: Int32Array;
  private readonly next: Int32Array;
  private readonly previous: Int32Array;
  /** Scratch for `rehang`: the stem from the new top up, with old sizes, and the old order of the stretch. */
  private readonly stem: Int32Array;
  private readonly stemSize: Int32Array;
  private readonly position: Int32Array;
  private readonly order: Int32Array;

  constructor(
    capacity: number,
    private readonly root: number,
  ) {
    this.parent = new Int32Array(capacity).fill(-1);
    this.parentArc = new Int32Array(capacity).fill(-1);
    this.potential = new Float64Array(capacity);
    this.size = new Int32Array(capacity);
    this.next = new Int32Array(capacity).fill(-1);
    this.previous = new Int32Array(capacity).fill(-1);
    this.stem = new Int32Array(capacity);
    this.stemSize = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
    this.order = new Int32Array(capacity);
  }

  /** Makes `node` a child of `parent` through `arc`; `settle` then sets the thread, sizes and potentials. */
  link(node: number, parent: number, arc: number): void {
    this.parent[node] = parent;
    this.parentArc[node] = arc;
  }

  /** Thread, sizes and potentials from the root down (potential 0 there), every tree arc's reduced cost 0. */
  settle(tail: Int32Array, cost: Float64Array): void {
    const { root, parent, parentArc, potential, size, next, previous, order } = this;
    const capacity = parent.length;
    // Child lists, only for this first depth-first walk.
    const firstChild = new Int32Array(capacity).fill(-1);
    const nextSibling = new Int32Array(capacity).fill(-1);
    for (let node = 0; node < capacity; node++) {
      if (node === root || parent[node] === -1) continue;
      nextSibling[node] = firstChild[parent[node]!]!;
      firstChild[parent[node]!] = node;
    }
    const stack = this.stem;
    let visited = 0;
    let height = 0;
    stack[height++] = root;
    while (height > 0) {
      const node = stack[--height]!;
      order[visited++] = node;
      if (node !== root) {
        const arc = parentArc[node]!;
        const above = parent[node]!;
        potential[node] =
          tail[arc] === node ? potential[above]! - cost[arc]! : potential[above]! + cost[arc]!;
      }
      for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) stack[height++] = child;
    }
    for (let index = 0; index < visited; index++) {
      const node = order[index]!;
      const after = order[index + 1 === visited ? 0 : index + 1]!;
      next[node] = after;
      previous[after] = node;
    }
    for (let index = visited - 1; index >= 0; index--) {
      const node = order[index]!;
      size[node]! += 1;
      if (node !== root) size[parent[node]!]! += size[node]!;
    }
  }

  /** The lowest common ancestor of `a` and `b`. */
  apex(a: number, b: number): number {
    const { parent, size } = this;
    while (a !== b) {
      if (size[a]! < size[b]!) a = parent[a]!;
      else b = parent[b]!;
    }
    return a;
  }

  /**
   * Cuts the tree arc above `cut` and re-hangs the cut-off subtree, which contains `top`, from `newParent`
   * through `arc`: the parent links on the stem from `top` up to `cut` are reversed. `apex` is the lowest
   * common ancestor of `top` and `newParent` before the change; sizes change only below it. The moved
   * subtree's potentials change by `shift`.
   */
  rehang(top: number, cut: number, newParent: number, arc: number, apex: number, shift: number): void {
    const { parent, parentArc, potential, size, next, previous, stem, stemSize, position, order } = this;
    const moved = size[cut]!;
    for (let node = parent[cut]!; node !== apex; node = parent[node]!) size[node]! -= moved;
    for (let node = newParent; node !== apex; node = parent[node]!) size[node]! += moved;

    let length = 0;
    for (let node = top; ; node = parent[node]!) {
      stem[length] = node;
      stemSize[length] = size[node]!;
      length++;
      if (node === cut) break;
    }

    // Take the subtree's stretch out of the thread, noting its old order and shifting its potentials.
    const before = previous[cut]!;
    let node = cut;
    for (let index = 0; index < moved; index++) {
      order[index] = node;
      position[node] = index;
      potential[node]! += shift;
      node = next[node]!;
    }
    next[before] = node;
    previous[node] = before;

    // Its new preorder, spliced in right after `newParent`: the old subtree of stem[0], then for each
    // further stem node the node and its old subtree without the previous stem node's (at most two
    // pieces of the old stretch, each still linked inside).
    const resume = next[newParent]!;
    let last = newParent;
    const start = position[top]!;
    last = this.append(last, start, start + stemSize[0]!);
    for (let index = 1; index < length; index++) {
      const from = position[stem[index]!]!;
      const lower = position[stem[index - 1]!]!;
      last = this.append(last, from, lower);
      last = this.append(last, lower + stemSize[index - 1]!, from + stemSize[index]!);
    }
    next[last] = resume;
    previous[resume] = last;

    let above = newParent;
    let link = arc;
    for (let index = 0; index < length; index++) {
      const current = stem[index]!;
      const oldArc = parentArc[current]!;
      parent[current] = above;
      parentArc[current] = link;
      above = current;
      link = oldArc;
    }
    size[top] = moved;
    // Each stem node's new subtree is the whole moved one without the old subtree of the node below it.
    for (let index = 1; index < length; index++) size[stem[index]!] = moved - stemSize[index - 1]!;
  }

  /** Links the old stretch `order[from .. to)` after `last`; returns the new last node. */
  private append(last: number, from: number, to: number): number {
    if (from >= to) return last;
    const first = this.order[from]!;
    this.next[last] = first;
    this.previous[first] = last;
    return this.order[to - 1]!;
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
