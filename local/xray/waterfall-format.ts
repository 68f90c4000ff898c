import type { Waterfall, WaterfallNode } from './waterfall';

export interface WaterfallFormatOptions {
  /** Nodes printed at most; the rest are counted. @default 400 */
  readonly maxLines?: number;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

/**
 * The waterfall as text: offset and duration of every segment, indented under its parent, errors and faults
 * marked, links to other traces counted.
 *
 * ```
 *     offset    duration
 *     0.0 ms      0.0 ms  order_cancelled event (retail.orders)
 *     3.1 ms    182.4 ms    Lambda monitoring-agent  (linked to 9 other traces)
 * ```
 */
export function formatWaterfall(waterfall: Waterfall, options: WaterfallFormatOptions = {}): string[] {
  const maxLines = options.maxLines ?? 400;
  const lines = [
    `Trace ${waterfall.traceIds.join(', ')}: ${waterfall.nodeCount} segment(s) over ${ms(waterfall.durationMs)} (wall time)`,
    `  ${'offset'.padStart(10)}  ${'duration'.padStart(10)}`,
  ];
  let printed = 0;
  const visit = (node: WaterfallNode, depth: number) => {
    if (printed >= maxLines) return;
    printed++;
    lines.push(
      `  ${ms(node.offsetMs).padStart(10)}  ${durationOf(node).padStart(10)}  ${'  '.repeat(depth)}${describe(node)}`,
    );
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of waterfall.roots) visit(root, 0);
  if (waterfall.nodeCount > printed) lines.push(`  … ${waterfall.nodeCount - printed} more segment(s)`);
  return lines;
}

function durationOf(node: WaterfallNode): string {
  return node.durationMs === undefined ? 'running' : ms(node.durationMs);
}

function describe(node: WaterfallNode): string {
  const marks: string[] = [];
  if (node.fault) marks.push('FAULT');
  else if (node.error) marks.push('ERROR');
  if (node.throttle) marks.push('THROTTLED');
  const flag =
    marks.length > 0
      ? ` ✗ ${marks.join(', ')}${node.errorMessage ? `: ${node.errorMessage.slice(0, 160)}` : ''}`
      : '';
  const links = node.links.length > 0 ? `  (linked to ${node.links.length} other trace(s))` : '';
  const orphan = node.missingParent ? '  (parent not recorded)' : '';
  return `${node.label}${flag}${links}${orphan}`;
}
