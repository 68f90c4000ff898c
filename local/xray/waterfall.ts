import type { TraceNode, TraceWaterfall } from '../../console/src/trace-messages';
import type { SegmentDocument, SubsegmentDocument } from './segment-document';

/**
 * One segment or subsegment of a waterfall: what the console draws (`TraceNode`, the shape the console owns)
 * and what the sandbox's own reports read besides (trace, name, annotations).
 *
 * @example
 * { id: 'a1b2…', traceId: '1-6756…', name: 'fulfillment-agent', label: 'Lambda fulfillment-agent',
 *   kind: 'segment', origin: 'AWS::Lambda::Function', offsetMs: 12.5, durationMs: 240.1, inProgress: false,
 *   error: false, fault: false, throttle: false, annotations: {}, links: [], missingParent: false, children: […] }
 */
export interface WaterfallNode extends TraceNode {
  readonly traceId: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string | number | boolean>>;
  /** Ordered by start time. */
  readonly children: readonly WaterfallNode[];
}

/** A trace (or several) as a tree of segments, ready to draw. */
export interface Waterfall extends TraceWaterfall {
  /** Epoch seconds of the first start (0 when empty). */
  readonly startTime: number;
  /** Segments without a parent among the documents, ordered by start time. */
  readonly roots: readonly WaterfallNode[];
}

interface Flat {
  readonly id: string;
  readonly traceId: string;
  readonly parentId?: string;
  readonly kind: 'segment' | 'subsegment';
  readonly doc: SegmentDocument | SubsegmentDocument;
}

type MutableNode = { -readonly [K in keyof WaterfallNode]: WaterfallNode[K] } & { children: MutableNode[] };

const isComplete = (doc: { end_time?: number | undefined }) => doc.end_time !== undefined;

/**
 * Builds the waterfall of segment documents, in whatever order they arrived: nested and separately sent
 * subsegments alike; a segment sent in progress and again complete counts once (the complete one wins); a
 * segment whose parent is not among the documents becomes a root marked `missingParent`; a parent cycle is cut.
 * Pure: no I/O, no clock.
 */
export function buildWaterfall(documents: Iterable<SegmentDocument>): Waterfall {
  const flats = new Map<string, Flat>();
  const put = (flat: Flat) => {
    const seen = flats.get(flat.id);
    if (seen && isComplete(seen.doc) && !isComplete(flat.doc)) return;
    flats.set(flat.id, flat);
  };
  const walk = (
    subsegments: readonly SubsegmentDocument[] | undefined,
    parentId: string,
    traceId: string,
  ) => {
    for (const sub of subsegments ?? []) {
      put({ id: sub.id, traceId, parentId, kind: 'subsegment', doc: sub });
      walk(sub.subsegments, sub.id, traceId);
    }
  };
  for (const doc of documents) {
    put({
      id: doc.id,
      traceId: doc.trace_id,
      ...(doc.parent_id === undefined ? {} : { parentId: doc.parent_id }),
      kind: doc.type === 'subsegment' ? 'subsegment' : 'segment',
      doc,
    });
    walk(doc.subsegments, doc.id, doc.trace_id);
  }

  let start = Infinity;
  let end = -Infinity;
  for (const { doc } of flats.values()) {
    start = Math.min(start, doc.start_time);
    end = Math.max(end, doc.end_time ?? doc.start_time);
  }
  const nodes = new Map<string, MutableNode>();
  for (const flat of flats.values()) nodes.set(flat.id, toNode(flat, start));

  const parentOf = new Map<string, MutableNode>();
  for (const node of nodes.values()) {
    const parent = node.parentId === undefined ? undefined : nodes.get(node.parentId);
    if (parent && parent !== node) parentOf.set(node.id, parent);
  }
  cutCycles(nodes, parentOf);
  const roots: MutableNode[] = [];
  for (const node of nodes.values()) {
    const parent = parentOf.get(node.id);
    if (parent) parent.children.push(node);
    else {
      node.missingParent = node.parentId !== undefined;
      roots.push(node);
    }
  }
  const byStart = (a: MutableNode, b: MutableNode) => a.offsetMs - b.offsetMs || a.id.localeCompare(b.id);
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  return {
    traceIds: [...new Set([...flats.values()].map((f) => f.traceId))].sort(),
    startTime: nodes.size === 0 ? 0 : start,
    durationMs: nodes.size === 0 ? 0 : round((end - start) * 1000),
    nodeCount: nodes.size,
    roots,
  };
}

function toNode(flat: Flat, start: number): MutableNode {
  const { doc } = flat;
  const annotations = doc.annotations ?? {};
  return {
    id: flat.id,
    traceId: flat.traceId,
    ...(flat.parentId === undefined ? {} : { parentId: flat.parentId }),
    name: doc.name,
    label: labelOf(doc),
    kind: flat.kind,
    ...(doc.origin === undefined ? {} : { origin: doc.origin }),
    offsetMs: round((doc.start_time - start) * 1000),
    ...(doc.end_time === undefined ? {} : { durationMs: round((doc.end_time - doc.start_time) * 1000) }),
    inProgress: doc.end_time === undefined,
    error: doc.error === true,
    fault: doc.fault === true,
    throttle: doc.throttle === true,
    ...errorMessageOf(doc.cause),
    annotations,
    links: (doc.links ?? []).map((link) => ({ traceId: link.trace_id, id: link.id })),
    missingParent: false,
    children: [],
  };
}

function labelOf(doc: SegmentDocument | SubsegmentDocument): string {
  const annotations = doc.annotations ?? {};
  switch (doc.origin) {
    case 'AWS::Events':
      return typeof annotations.detail_type === 'string'
        ? `${annotations.detail_type} event (${String(annotations.source ?? doc.name)})`
        : doc.name;
    case 'AWS::Lambda::Function':
      return `Lambda ${doc.name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `Step Functions ${doc.name}`;
  }
  const operation = (doc.aws as { operation?: unknown } | undefined)?.operation;
  if (typeof operation === 'string') return `${doc.name} ${operation}`;
  const request = (doc.http as { request?: { method?: unknown; url?: unknown } } | undefined)?.request;
  if (typeof request?.method === 'string' && typeof request.url === 'string') {
    return `${doc.name} ${request.method} ${request.url.replace(/^https?:\/\/[^/]+/, '')}`;
  }
  return doc.name;
}

function errorMessageOf(cause: unknown): { errorMessage?: string } {
  if (typeof cause === 'string') return { errorMessage: cause };
  const exception = (cause as { exceptions?: { type?: unknown; message?: unknown }[] } | undefined)
    ?.exceptions?.[0];
  if (!exception) return {};
  const type = typeof exception.type === 'string' ? `${exception.type}: ` : '';
  const message =
    typeof exception.message === 'string' ? exception.message : JSON.stringify(exception.message ?? '');
  return { errorMessage: `${type}${message}` };
}

/** Removes the parent link that closes each cycle, so every node is reachable from a root. */
function cutCycles(nodes: Map<string, MutableNode>, parentOf: Map<string, MutableNode>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  for (const node of nodes.values()) {
    const path: MutableNode[] = [];
    let current: MutableNode | undefined = node;
    while (current && state.get(current.id) === undefined) {
      state.set(current.id, 'visiting');
      path.push(current);
      const parent = parentOf.get(current.id);
      if (parent && state.get(parent.id) === 'visiting') {
        parentOf.delete(current.id);
        break;
      }
      current = parent;
    }
    for (const visited of path) state.set(visited.id, 'done');
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
