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
 * must be a safe integer; the total cost is summed exactly (in doubles while no partial sum can leave the
 * safe-integer range, else with `BigInt`) and must be a safe integer too.
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
 * The arcs that can carry flow (positive capacity, distinct ends), in a mixed order (see
 * `buildResidualGraph`): `arcs[k]` is the input index of the k-th, `tails`, `tips`, `capacities` and
 * `costs` describe it. They also form a residual graph in compressed rows for the max-flow and cycle
 * checks: the edges leaving node `v` are `adjacencyStart[v] .. adjacencyStart[v + 1]`, each arc giving a
 * forward edge (residual = capacity) and a backward one (residual 0), each other's `partner`; the tail of
 * edge `e` is `head[partner[e]]`. The arrays of arcs have two spare slots after the last arc, for the
 * simplex's artificial arcs.
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
  // The arcs go to the slots in a mixed order: arc r to slot r * step mod given, where step, the integer
  // nearest given / golden ratio that is coprime to given, gives each arc a slot of its own. Any stretch
  // of the input, and any pattern repeating along it, ends up spread evenly over the whole list (the
  // three-gap theorem), so that each block of the simplex's pricing samples all the arcs rather than a
  // stretch of them. That matters when the input lists arcs of one kind together: on the bench's sparse
  // networks, whose 2,000 source and sink arcs come first, the simplex takes 2.6 times fewer pivots (at
  // equal block sizes) when few arcs are negative and a quarter fewer when many are, about as many as
  // with the arcs shuffled at random. Mixing by a stride s instead, slots 0, s, 2s, ... then 1, 1 + s,
  // ... as LEMON does, lines up patterns whose period divides the column length: with s = sqrt(arcs),
  // the bench's 10,000-arc hub networks (one arc in ten from the source) took a fifth to a quarter more
  // pivots than in the input order. The arcs left out (no capacity, or a self-loop) leave their slots
  // empty, -1 in `arcs`, until the gaps are closed below.
  let step = Math.max(1, Math.round(given / GOLDEN_RATIO));
  while (greatestCommonDivisor(step, given) !== 1) step++;
  let nextSlot = 0;
  const arcs = int32s(Slot.Arcs, given);
  const tails = int32s(Slot.Tails, given + 2);
  const tips = int32s(Slot.Tips, given + 2);
  const capacities = float64s(Slot.Capacities, given + 2);
  const costs = float64s(Slot.Costs, given + 2);
  const adjacencyStart = new Int32Array(nodeCount + 1);
  let arcCount = 0;
  let maxAbsCost = 0;
  let hasNegativeCost = false;
  // Arcs often come grouped by tail (an order's or a region's arcs together): the last tail's name is
  // remembered, which saves most of the map lookups.
  let lastFrom = '';
  let lastTail = -1;
  for (let arc = 0; arc < given; arc++) {
    const slot = nextSlot;
    nextSlot = nextSlot + step < given ? nextSlot + step : nextSlot + step - given;
    const { from, to, capacity, cost } = network.arcs[arc]!;
    if (lastTail === -1 || from !== lastFrom) {
      lastTail = nodeIndex.get(from) ?? lookUp(from, () => `arcs[${arc}].from`);
      lastFrom = from;
    }
    const tail = lastTail;
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
    if (capacity === 0 || tail === tip) {
      // A self-loop with capacity and a negative cost is a negative cycle on its own.
      if (capacity > 0 && cost < 0) throw new NegativeCycleError([arc]);
      arcs[slot] = -1;
      continue;
    }
    arcs[slot] = arc;
    tails[slot] = tail;
    tips[slot] = tip;
    capacities[slot] = capacity;
    costs[slot] = cost;
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
  // Close the gaps of the arcs left out, keeping the others in their mixed order.
  if (arcCount < given) {
    let kept = 0;
    for (let slot = 0; slot < given; slot++) {
      if (arcs[slot] === -1) continue;
      arcs[kept] = arcs[slot]!;
      tails[kept] = tails[slot]!;
      tips[kept] = tips[slot]!;
      capacities[kept] = capacities[slot]!;
      costs[kept] = costs[slot]!;
      kept++;
    }
  }
  for (let node = 0; node < nodeCount; node++) adjacencyStart[node + 1]! += adjacencyStart[node]!;

  const head = int32s(Slot.Head, 2 * arcCount);
  const partner = int32s(Slot.Partner, 2 * arcCount);
  const residual = float64s(Slot.Residual, 2 * arcCount);
  const edgeSlot = int32s(Slot.EdgeSlot, 2 * arcCount);
  const nextEdge = adjacencyStart.slice(0, nodeCount);
  for (let k = 0; k < arcCount; k++) {
    const forward = nextEdge[tails[k]!]!++;
    const backward = nextEdge[tips[k]!]!++;
    head[forward] = tips[k]!;
    head[backward] = tails[k]!;
    partner[forward] = backward;
    partner[backward] = forward;
    residual[forward] = capacities[k]!;
    residual[backward] = 0;
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
    edgeSlot,
  };
}

const GOLDEN_RATIO = (1 + Math.sqrt(5)) / 2;

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Throws `NegativeCycleError` when some cycle of positive-capacity arcs has negative total cost. */
function assertNoNegativeCycle(graph: ResidualGraph): void {
  if (isAcyclic(graph)) return;
  const { nodeCount, head, residual, adjacencyStart, edgeSlot, costs } = graph;
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
      const slot = edgeSlot[edge]!;
      const label = distance[node]! + (slot >= 0 ? costs[slot]! : -costs[~slot]!);
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
  for (let arc = 0; arc < tips.length; arc++) inDegree[tips[arc]!]!++;
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
 * in blocks of 1.5·sqrt(arcs) (Grigoriadis' block search), in the graph's mixed order. Larger blocks cost
 * more pricing per pivot but pick better entering arcs, so fewer pivots and smaller subtrees to re-hang.
 * 1.5 is a compromise between the bench's network families (CPU time over several seeds and sizes):
 * against it, sqrt(arcs) takes up to a tenth longer on the sparse networks with few negative arcs, whose
 * re-hung subtrees are large, and 10-30% less on the order-level ones, whose subtrees stay small;
 * 2.5·sqrt(arcs) takes up to 15% less on the former and 10-30% more on the latter; both take longer on
 * the sparse networks with many negative arcs. When a search passed over blocks without a violation, the
 * other violators of the block it stopped in stay candidates for as many pivots, so that rare violations
 * (transportation networks near their optimum) do not cost a scan of every arc each.
 *
 * Each pivot touches few arrays: the arcs are priced from (signed cost, from, to), the cycle is walked
 * on parent pointers, subtree sizes and each tree arc's room both ways, kept per node. The simplex
 * numbers the nodes in preorder of the initial tree, so that a subtree's nodes start out next to each
 * other in memory, as do the nodes of its stretch of the thread.
 */
function routeAtMinimumCost(graph: ResidualGraph, value: number): Float64Array {
  const { nodeCount, source, sink, maxAbsCost } = graph;
  const onPath = nodesOnSourceSinkPaths(graph);
  const realArcs = graph.arcs.length;
  const arcCount = realArcs + 2;
  const sourceArc = realArcs;
  const sinkArc = realArcs + 1;
  const root = nodeCount;

  // The initial tree, in the graph's numbering (the root is `nodeCount`), then renumbered in preorder.
  const towardsSink = shortestPathTreeToSink(graph, onPath);
  const parentOf = new Int32Array(nodeCount + 1).fill(-1);
  const arcOf = new Int32Array(nodeCount + 1).fill(-1);
  for (let node = 0; node < nodeCount; node++) {
    if (onPath[node] === 0) continue;
    if (node === source || node === sink) {
      parentOf[node] = root;
      arcOf[node] = node === source ? sourceArc : sinkArc;
    } else {
      arcOf[node] = towardsSink[node]!;
      parentOf[node] = graph.tips[arcOf[node]!]!;
    }
  }
  const { label, order } = preorder(parentOf, root);
  const treeSize = order.length;

  // Pricing: arc `a` violates optimality by `priceCost[a] + potential[priceFrom[a]] - potential[priceTo[a]]`
  // when that is negative: (cost, tail, tip) at the lower bound, (-cost, tip, tail) at the upper one, so
  // that the entering arc pushes flow from `priceFrom` to `priceTo`; +Infinity for the tree arcs and the
  // arcs off every source-sink path, which never enter.
  const priceCost = float64s(Slot.PriceCost, arcCount).fill(Infinity);
  for (let arc = 0; arc < realArcs; arc++) {
    if (onPath[graph.tails[arc]!] === 1 && onPath[graph.tips[arc]!] === 1) priceCost[arc] = graph.costs[arc]!;
  }

  // The graph's arrays of arcs, extended over their spare slots by the artificial arcs, with the ends
  // renumbered in place (the graph is not used again). Off every source-sink path, a node has no label:
  // it is numbered 0 (the root), as its arcs never enter.
  const tail = new Int32Array(graph.tails.buffer, graph.tails.byteOffset, arcCount);
  const tip = new Int32Array(graph.tips.buffer, graph.tips.byteOffset, arcCount);
  const capacity = new Float64Array(graph.capacities.buffer, graph.capacities.byteOffset, arcCount);
  const cost = new Float64Array(graph.costs.buffer, graph.costs.byteOffset, arcCount);
  for (let arc = 0; arc < realArcs; arc++) {
    tail[arc] = Math.max(0, label[tail[arc]!]!);
    tip[arc] = Math.max(0, label[tip[arc]!]!);
  }
  tail[sourceArc] = label[source]!;
  tip[sourceArc] = 0;
  capacity[sourceArc] = Infinity;
  cost[sourceArc] = (nodeCount + 1) * maxAbsCost + 1;
  tail[sinkArc] = 0;
  tip[sinkArc] = label[sink]!;
  capacity[sinkArc] = Infinity;
  cost[sinkArc] = 0;
  const priceFrom = int32s(Slot.PriceFrom, arcCount);
  priceFrom.set(tail);
  const priceTo = int32s(Slot.PriceTo, arcCount);
  priceTo.set(tip);

  // Flow of the arcs outside the tree, each at a bound; the tree arcs' flows are kept by the tree.
  const flow = float64s(Slot.Flow, arcCount).fill(0);

  const tree = new SpanningTree(treeSize, (2 * nodeCount + 2) * maxAbsCost);
  for (let index = 1; index < treeSize; index++) {
    const arc = arcOf[order[index]!]!;
    const up = tail[arc] === index;
    // The artificial arcs carry the whole value towards the sink, the other tree arcs nothing.
    const carried = arc === sourceArc || arc === sinkArc ? value : 0;
    tree.place(
      index,
      label[parentOf[order[index]!]!]!,
      arc,
      up,
      up ? capacity[arc]! - carried : carried,
      up ? carried : capacity[arc]! - carried,
    );
    priceCost[arc] = Infinity;
  }
  tree.settle(cost);

  pivotToOptimum(tree, tail, tip, capacity, cost, flow, priceCost, priceFrom, priceTo);

  tree.writeFlows(flow);
  if (flow[sourceArc] !== 0 || flow[sinkArc] !== 0)
    throw new Error('minCostMaxFlow: internal error, artificial arc kept flow');
  return flow.subarray(0, realArcs);
}

/**
 * The pivots of `routeAtMinimumCost` from its initial basis until no arc prices negative. A function of
 * its own, called once per solve: V8 then optimizes the loop with the type feedback of earlier calls, where
 * inside the larger function the code after the loop, never run before the loop was compiled on the fly,
 * threw the optimized code away on every call (tens of milliseconds on the region-level network).
 */
function pivotToOptimum(
  tree: SpanningTree,
  tail: Int32Array,
  tip: Int32Array,
  capacity: Float64Array,
  cost: Float64Array,
  flow: Float64Array,
  priceCost: Float64Array,
  priceFrom: Int32Array,
  priceTo: Int32Array,
): void {
  const arcCount = tail.length;
  const { parent, size, roomUp, roomDown, potential } = tree;
  const blockSize = Math.max(10, Math.ceil(1.5 * Math.sqrt(arcCount)));
  const candidates = new Int32Array(blockSize);
  let listLength = 0;
  let minorLeft = 0;
  let cursor = 0;
  for (;;) {
    // Pricing: block search (the arc with the largest violation in the first block of arcs that has
    // one), where the block's other violators stay candidates for the next `minorLeft` pivots, so that a
    // pivot does not scan the whole list of arcs again when violations have become rare.
    let entering = -1;
    let violation = 0;
    if (minorLeft > 0) {
      minorLeft--;
      for (let index = 0; index < listLength;) {
        const arc = candidates[index]!;
        const reduced = priceCost[arc]! + potential[priceFrom[arc]!]! - potential[priceTo[arc]!]!;
        if (reduced >= 0) {
          candidates[index] = candidates[--listLength]!;
          continue;
        }
        if (reduced < violation) {
          violation = reduced;
          entering = arc;
        }
        index++;
      }
    }
    if (entering === -1) {
      // The first block's violators are not kept: when it has one, it is the only block searched and
      // the list is not needed, and a store per violator in this, the hottest loop, cost V8 a fifth of
      // the pricing time.
      listLength = 0;
      let blocks = 0;
      for (let scanned = 0; scanned < arcCount && entering === -1; blocks++) {
        const stop = Math.min(cursor + blockSize, arcCount);
        if (blocks === 0) {
          for (let arc = cursor; arc < stop; arc++) {
            const reduced = priceCost[arc]! + potential[priceFrom[arc]!]! - potential[priceTo[arc]!]!;
            if (reduced < violation) {
              violation = reduced;
              entering = arc;
            }
          }
        } else {
          for (let arc = cursor; arc < stop; arc++) {
            const reduced = priceCost[arc]! + potential[priceFrom[arc]!]! - potential[priceTo[arc]!]!;
            if (reduced < 0) {
              candidates[listLength++] = arc;
              if (reduced < violation) {
                violation = reduced;
                entering = arc;
              }
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
    // from `second` to the apex and down from the apex to `first`. One walk up from both ends, the one
    // with the smaller subtree first, meets at the apex and finds the tightest arc of each side. Ties
    // go to the arc met last along the cycle from the apex: on the way down (walked backwards from
    // `first`) the first one met, on the way up from `second` the last one met.
    const first = priceFrom[entering]!;
    const second = priceTo[entering]!;
    let down = first;
    let up = second;
    let firstRoom = Infinity;
    let firstLeaving = -1;
    let secondRoom = Infinity;
    let secondLeaving = -1;
    while (down !== up) {
      if (size[down]! < size[up]!) {
        if (roomDown[down]! < firstRoom) {
          firstRoom = roomDown[down]!;
          firstLeaving = down;
        }
        down = parent[down]!;
      } else {
        if (roomUp[up]! <= secondRoom) {
          secondRoom = roomUp[up]!;
          secondLeaving = up;
        }
        up = parent[up]!;
      }
    }
    const apex = down;
    // Outside the tree an arc sits at a bound, so it can take its whole capacity the other way.
    const enteringRoom = capacity[entering]!;
    // The child end of the leaving tree arc; -1 when the entering arc itself blocks.
    let leaving = -1;
    let delta: number;
    let leavingOnFirstSide = false;
    if (secondRoom <= enteringRoom && secondRoom <= firstRoom) {
      leaving = secondLeaving;
      delta = secondRoom;
    } else if (enteringRoom <= firstRoom) {
      delta = enteringRoom;
    } else {
      leaving = firstLeaving;
      delta = firstRoom;
      leavingOnFirstSide = true;
    }

    if (delta > 0) {
      for (let node = first; node !== apex; node = parent[node]!) {
        roomDown[node]! -= delta;
        roomUp[node]! += delta;
      }
      for (let node = second; node !== apex; node = parent[node]!) {
        roomUp[node]! -= delta;
        roomDown[node]! += delta;
      }
    }
    if (leaving === -1) {
      // The entering arc moves to its other bound: its whole capacity went from `first` to `second`.
      flow[entering] = tail[entering] === first ? capacity[entering]! : 0;
      priceCost[entering] = -priceCost[entering]!;
      priceFrom[entering] = second;
      priceTo[entering] = first;
      continue;
    }

    // The leaving arc goes to the bound it reached; the side that lost it is re-hung from the other end
    // of the entering arc, its potentials shifted so that the entering arc's reduced cost becomes 0.
    const out = tree.parentArc[leaving]!;
    const outFlow = tree.upward[leaving] === 1 ? roomDown[leaving]! : roomUp[leaving]!;
    flow[out] = outFlow;
    const atLower = outFlow === 0;
    priceCost[out] = atLower ? cost[out]! : -cost[out]!;
    priceFrom[out] = atLower ? tail[out]! : tip[out]!;
    priceTo[out] = atLower ? tip[out]! : tail[out]!;
    priceCost[entering] = Infinity;
    // After the pivot the entering arc has room `capacity - delta` from `first` to `second` and `delta`
    // back: the moved end's room towards its new parent and back from it.
    const rest = capacity[entering]! - delta;
    if (leavingOnFirstSide) {
      tree.rehang(first, leaving, second, entering, tail[entering] === first, rest, delta, apex, -violation);
    } else {
      tree.rehang(second, leaving, first, entering, tail[entering] === second, delta, rest, apex, violation);
    }
  }
}

/**
 * Preorder of the tree given by `parentOf` (-1: not in it) from `root`: `order[i]` is the i-th node met,
 * `label[node]` its position (-1 when not in the tree).
 */
function preorder(parentOf: Int32Array, root: number): { label: Int32Array; order: Int32Array } {
  const count = parentOf.length;
  const firstChild = new Int32Array(count).fill(-1);
  const nextSibling = new Int32Array(count).fill(-1);
  for (let node = count - 1; node >= 0; node--) {
    if (node === root || parentOf[node] === -1) continue;
    nextSibling[node] = firstChild[parentOf[node]!]!;
    firstChild[parentOf[node]!] = node;
  }
  const label = new Int32Array(count).fill(-1);
  const order = new Int32Array(count);
  const stack = new Int32Array(count);
  let visited = 0;
  let height = 0;
  stack[height++] = root;
  while (height > 0) {
    const node = stack[--height]!;
    label[node] = visited;
    order[visited++] = node;
    // Children pushed last to first, so that they are visited first to last.
    let children = 0;
    for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) children++;
    let slot = height + children;
    for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) stack[--slot] = child;
    height += children;
  }
  return { label, order: order.subarray(0, visited) };
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
 * The network simplex basis: a spanning tree stored with parent pointers, the tree arc above each node
 * with its residual room both ways, subtree sizes, node potentials and a preorder thread: a circular
 * doubly linked list of the tree's nodes in depth-first order, so that every subtree is a contiguous
 * stretch of it from its top to `last[top]`. The apex of a pivot cycle is found with the sizes (an
 * ancestor's subtree is larger than its descendants'), which change only along the cycle. Re-hanging a
 * subtree cuts its stretch out of the thread and splices it back in pieces, two per node of the stem,
 * found with `last`; the potentials shift on the moved subtree or, when that is the larger part, the
 * opposite way on the rest of the tree (only differences of potentials matter). (Ahuja, Magnanti and
 * Orlin, Network Flows, ch. 11, with sizes in place of depths and a last-descendant pointer per node.)
 * Node 0 is the root.
 */
class SpanningTree {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  /** How much more flow the tree arc above a node can take from the node up to its parent... */
  readonly roomUp: Float64Array;
  /** ...and from the parent down to the node. */
  readonly roomDown: Float64Array;
  readonly potential: Float64Array;
  readonly parentArc: Int32Array;
  /** 1 when the tree arc above a node leaves it (points up to the parent), 0 when it enters it. */
  readonly upward: Uint8Array;
  private readonly next: Int32Array;
  private readonly previous: Int32Array;
  private readonly last: Int32Array;
  /**
   * Scratch for `rehang`: the stem from the new top up, with the old subtree size, last node, thread
   * predecessor and the successor of the last node of each.
   */
  private readonly stem: Int32Array;
  private readonly stemSize: Int32Array;
  private readonly stemLast: Int32Array;
  private readonly stemBefore: Int32Array;
  private readonly stemAfter: Int32Array;

  /**
   * @param count nodes, root included
   * @param driftLimit how far the root's potential may move from 0 before every potential is re-based
   */
  constructor(
    count: number,
    private readonly driftLimit: number,
  ) {
    this.parent = new Int32Array(count).fill(-1);
    this.size = new Int32Array(count);
    this.roomUp = new Float64Array(count);
    this.roomDown = new Float64Array(count);
    this.potential = new Float64Array(count);
    this.parentArc = new Int32Array(count).fill(-1);
    this.upward = new Uint8Array(count);
    this.next = new Int32Array(count);
    this.previous = new Int32Array(count);
    this.last = new Int32Array(count);
    this.stem = new Int32Array(count);
    this.stemSize = new Int32Array(count);
    this.stemLast = new Int32Array(count);
    this.stemBefore = new Int32Array(count);
    this.stemAfter = new Int32Array(count);
  }

  /** Hangs `node` from `parent` through `arc`; the nodes must be numbered in preorder. */
  place(node: number, parent: number, arc: number, upward: boolean, roomUp: number, roomDown: number): void {
    this.parent[node] = parent;
    this.parentArc[node] = arc;
    this.upward[node] = upward ? 1 : 0;
    this.roomUp[node] = roomUp;
    this.roomDown[node] = roomDown;
  }

  /** Thread, sizes and potentials (0 at the root, every tree arc's reduced cost 0) once all are placed. */
  settle(cost: Float64Array): void {
    const { parent, parentArc, upward, potential, size, next, previous, last } = this;
    const count = parent.length;
    for (let node = 0; node < count; node++) {
      next[node] = node + 1 === count ? 0 : node + 1;
      previous[node] = node === 0 ? count - 1 : node - 1;
      if (node === 0) continue;
      const above = parent[node]!;
      const arcCost = cost[parentArc[node]!]!;
      potential[node] = upward[node] === 1 ? potential[above]! - arcCost : potential[above]! + arcCost;
    }
    // Backwards through the preorder every subtree is complete before its top: sizes add up, and the
    // first node met of a subtree (its last in preorder) is the one its top inherits.
    last.fill(-1);
    for (let node = count - 1; node >= 0; node--) {
      size[node]! += 1;
      if (last[node] === -1) last[node] = node;
      if (node === 0) continue;
      const above = parent[node]!;
      size[above]! += size[node]!;
      if (last[above] === -1) last[above] = last[node]!;
    }
  }

  /**
   * Cuts the tree arc above `cut` and re-hangs the cut-off subtree, which contains `top`, from `newParent`
   * through `arc` (leaving `top` when `arcUpward`, with the given rooms from `top` up and back down): the
   * parent links on the stem from `top` up to `cut` are reversed. `apex` is the lowest common ancestor of
   * `top` and `newParent` before the change; sizes change only below it. The moved subtree's potentials
   * change by `shift`.
   */
  rehang(
    top: number,
    cut: number,
    newParent: number,
    arc: number,
    arcUpward: boolean,
    roomUp: number,
    roomDown: number,
    apex: number,
    shift: number,
  ): void {
    const { parent, parentArc, upward, size, next, previous, last } = this;
    const { stem, stemSize, stemLast, stemBefore, stemAfter } = this;
    const moved = size[cut]!;
    for (let node = parent[cut]!; node !== apex; node = parent[node]!) size[node]! -= moved;
    for (let node = newParent; node !== apex; node = parent[node]!) size[node]! += moved;

    let length = 0;
    for (let node = top; ; node = parent[node]!) {
      stem[length] = node;
      stemSize[length] = size[node]!;
      stemLast[length] = last[node]!;
      stemBefore[length] = previous[node]!;
      stemAfter[length] = next[last[node]!]!;
      length++;
      if (node === cut) break;
    }

    // Cut the stretch `cut .. last[cut]` out of the thread; the ancestors it ended now end before it.
    const end = last[cut]!;
    const before = previous[cut]!;
    const after = next[end]!;
    next[before] = after;
    previous[after] = before;
    for (let node = parent[cut]!; node !== -1 && last[node] === end; node = parent[node]!)
      last[node] = before;

    // The new preorder of the stretch: the old subtree of stem[0], then for each further stem node the
    // node and its old subtree without the previous stem node's, at most two pieces of the old order,
    // each still linked inside: `stem[i] .. stemBefore[i - 1]` and `stemAfter[i - 1] .. stemLast[i]`.
    let newLast = stemLast[0]!;
    for (let index = 1; index < length; index++) {
      const node = stem[index]!;
      next[newLast] = node;
      previous[node] = newLast;
      newLast = stemBefore[index - 1]!;
      if (stemLast[index - 1] !== stemLast[index]) {
        const restStart = stemAfter[index - 1]!;
        next[newLast] = restStart;
        previous[restStart] = newLast;
        newLast = stemLast[index]!;
      }
    }

    // Splice it in right after `newParent`, as its first child.
    const resume = next[newParent]!;
    next[newParent] = top;
    previous[top] = newParent;
    next[newLast] = resume;
    previous[resume] = newLast;
    for (let node = newParent; node !== -1 && last[node] === newParent; node = parent[node]!) {
      last[node] = newLast;
    }

    // Reverse the stem: each stem node hangs from the one below it through that one's old tree arc,
    // whose rooms swap as its direction relative to the new parent does.
    const { roomUp: up, roomDown: down } = this;
    let above = newParent;
    let link = arc;
    let linkUpward = arcUpward ? 1 : 0;
    let linkUp = roomUp;
    let linkDown = roomDown;
    for (let index = 0; index < length; index++) {
      const node = stem[index]!;
      const oldArc = parentArc[node]!;
      const oldUpward = upward[node]!;
      const oldUp = up[node]!;
      const oldDown = down[node]!;
      parent[node] = above;
      parentArc[node] = link;
      upward[node] = linkUpward;
      up[node] = linkUp;
      down[node] = linkDown;
      last[node] = newLast;
      above = node;
      link = oldArc;
      linkUpward = 1 - oldUpward;
      linkUp = oldDown;
      linkDown = oldUp;
    }
    size[top] = moved;
    // Each stem node's new subtree is the whole moved one without the old subtree of the node below it.
    for (let index = 1; index < length; index++) size[stem[index]!] = moved - stemSize[index - 1]!;

    this.shiftPotentials(top, newLast, moved, shift);
  }

  /** The flow on each tree arc, written into `flow`. */
  writeFlows(flow: Float64Array): void {
    for (let node = 1; node < this.parent.length; node++) {
      flow[this.parentArc[node]!] = this.upward[node] === 1 ? this.roomDown[node]! : this.roomUp[node]!;
    }
  }

  /**
   * Adds `shift` to the potentials of the stretch `top .. end` (`count` nodes), or, when that is more
   * than half of the tree, subtracts it from all the others instead.
   */
  private shiftPotentials(top: number, end: number, count: number, shift: number): void {
    const { potential, next } = this;
    const total = this.parent.length;
    if (2 * count <= total) {
      let node = top;
      for (let index = 0; index < count; index++) {
        potential[node]! += shift;
        node = next[node]!;
      }
      return;
    }
    for (let node = next[end]!; node !== top; node = next[node]!) potential[node]! -= shift;
    const drift = potential[0]!;
    if (Math.abs(drift) > this.driftLimit) {
      for (let node = 0; node < total; node++) potential[node]! -= drift;
    }
  }
}

/**
 * The arc-sized working arrays, kept from one call to the next: on 200,000 arcs a call needs some 20 MB
 * of them, and allocating that afresh each time cost page faults and, in a process with a large heap,
 * the garbage collections that so much new external memory sets off (on the region-level network more
 * than the solve itself). A call takes each array over whole and writes every element before reading it
 * (the test "gives the same arc flows after a larger network has left its working arrays dirty" guards
 * this); nothing outside this module runs during a call, so calls cannot overlap.
 */
const enum Slot {
  Arcs,
  Tails,
  Tips,
  Capacities,
  Costs,
  Head,
  Partner,
  Residual,
  EdgeSlot,
  PriceCost,
  PriceFrom,
  PriceTo,
  Flow,
}
const workingBuffers: ArrayBuffer[] = [];

/** The working buffer `slot`, at least `bytes` long (grown by a quarter more than asked, when too short). */
function workingBuffer(slot: Slot, bytes: number): ArrayBuffer {
  let buffer = workingBuffers[slot];
  if (buffer === undefined || buffer.byteLength < bytes) {
    buffer = new ArrayBuffer(Math.ceil((bytes * 1.25) / 8) * 8);
    workingBuffers[slot] = buffer;
  }
  return buffer;
}

function int32s(slot: Slot, length: number): Int32Array {
  return new Int32Array(workingBuffer(slot, 4 * length), 0, length);
}

function float64s(slot: Slot, length: number): Float64Array {
  return new Float64Array(workingBuffer(slot, 8 * length), 0, length);
}

function exactTotalCost(arcs: readonly { cost: number }[], arcFlows: readonly number[]): number {
  // In doubles while every partial sum is a safe integer (bounded by the sum of |flow * cost|, itself
  // accumulated in doubles: it only rounds upwards of 2^53, where BigInt takes over).
  let total = 0;
  let bound = 0;
  for (let arc = 0; arc < arcFlows.length; arc++) {
    const flow = arcFlows[arc]!;
    if (flow === 0) continue;
    const term = flow * arcs[arc]!.cost;
    total += term;
    bound += Math.abs(term);
  }
  if (bound <= Number.MAX_SAFE_INTEGER) return total;
  let exact = 0n;
  for (let arc = 0; arc < arcFlows.length; arc++) {
    const flow = arcFlows[arc]!;
    if (flow !== 0) exact += BigInt(flow) * BigInt(arcs[arc]!.cost);
  }
  if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`the total cost ${exact} is outside the safe-integer range`);
  }
  return Number(exact);
}
