/*
 * Where each row's bar of the trace view goes, from the sandbox's `GET /traces/<correlationId>` answer (its shape:
 * `trace-messages.ts`).
 */
import type { TraceNode, TraceWaterfall } from './trace-messages';

/** A row of the drawing: the node, its depth, and its bar in percent of the shared time axis. */
export interface TraceRow {
  readonly node: TraceNode;
  readonly depth: number;
  readonly leftPct: number;
  readonly widthPct: number;
}

export interface TraceLayout {
  readonly rows: readonly TraceRow[];
  /** Nodes past `maxRows`, not drawn. */
  readonly hidden: number;
  /** Gridlines of the time axis. */
  readonly ticks: readonly { readonly ms: number; readonly pct: number }[];
}

/** A bar never drawn narrower than this (an event takes no time, yet it is there). */
const MIN_BAR_PCT = 0.4;
/** Rows drawn at most (a monitoring agent's batch can hold hundreds of subsegments). */
const MAX_ROWS = 500;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * The waterfall as rows, depth first in start order (children are already ordered), each bar placed on one axis
 * from 0 to the waterfall's duration; a segment in progress runs to the axis' end. Pure.
 */
export function layoutWaterfall(waterfall: TraceWaterfall, maxRows = MAX_ROWS): TraceLayout {
  const total = waterfall.durationMs;
  const pct = (ms: number) => (total > 0 ? clamp((ms / total) * 100, 0, 100) : 0);
  const rows: TraceRow[] = [];
  // An explicit stack, not recursion: a deep chain of subsegments does not exhaust the call stack.
  const stack: { node: TraceNode; depth: number }[] = [...waterfall.roots]
    .reverse()
    .map((node) => ({ node, depth: 0 }));
  while (rows.length < maxRows) {
    const next = stack.pop();
    if (next === undefined) break;
    const { node, depth } = next;
    const start = pct(node.offsetMs);
    const end = node.durationMs === undefined ? total : node.offsetMs + node.durationMs;
    const widthPct = Math.max(pct(end) - start, MIN_BAR_PCT);
    // A bar at the very end is drawn just inside the axis.
    rows.push({ node, depth, leftPct: Math.min(start, 100 - widthPct), widthPct });
    for (const child of node.children.toReversed()) stack.push({ node: child, depth: depth + 1 });
  }
  return {
    rows,
    hidden: Math.max(0, waterfall.nodeCount - rows.length),
    ticks: axisTicks(total).map((ms) => ({ ms, pct: pct(ms) })),
  };
}

/**
 * The trace is still being written: a segment has no end yet, or a parent has not arrived (a Step Functions
 * execution's segment is sent when it ends, its states' as each ends; a function's when its invocation returns).
 */
export function stillWriting(waterfall: TraceWaterfall): boolean {
  const stack = [...waterfall.roots];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.inProgress || node.missingParent) return true;
    for (const child of node.children) stack.push(child);
  }
  return false;
}

/** Round gridline values (1, 2 or 5 × 10ⁿ ms apart) from 0 to `totalMs`, about `target` of them. */
function axisTicks(totalMs: number, target = 5): number[] {
  if (!(totalMs > 0)) return [0];
  const raw = totalMs / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let i = 0; i * step <= totalMs + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** `12.5 ms`, `3.2 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Number(ms.toFixed(1))} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}
