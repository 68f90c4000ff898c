import { formatDuration, layoutWaterfall, type TraceRow } from '../trace-layout';
import type { TraceNode, TraceWaterfall } from '../trace-messages';

/** The marks a segment carries: a fault (5xx, a function error, a failed execution), an error (4xx), a throttle. */
function marks(node: TraceNode): string[] {
  const found: string[] = [];
  if (node.fault) found.push('fault');
  if (node.error) found.push('error');
  if (node.throttle) found.push('throttled');
  return found;
}

function Row({ node, depth, leftPct, widthPct }: TraceRow) {
  const flags = marks(node);
  return (
    <li
      class={`trace-row ${flags.map((flag) => `is-${flag}`).join(' ')}`}
      data-testid="trace-row"
      data-depth={depth}
      data-origin={node.origin ?? ''}
    >
      <div class="trace-label" style={{ paddingLeft: `${depth * 0.9}rem` }}>
        <span class="trace-name" title={node.label}>
          {node.label}
        </span>
        {flags.map((flag) => (
          <span key={flag} class={`trace-mark mark-${flag}`} data-testid="trace-mark">
            {flag}
          </span>
        ))}
        {node.missingParent ? (
          <span class="trace-mark mark-orphan" data-testid="trace-missing-parent">
            parent {node.parentId} not recorded
          </span>
        ) : null}
        {node.errorMessage === undefined ? null : <div class="trace-cause">{node.errorMessage}</div>}
        {node.links.length === 0 ? null : (
          <details class="trace-links" data-testid="trace-links">
            <summary>linked to {node.links.length} other trace(s)</summary>
            <ul>
              {node.links.map((link) => (
                <li key={`${link.traceId}/${link.id}`}>
                  {link.traceId} / {link.id}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
      <div class="trace-track">
        <span
          class={`trace-bar ${node.inProgress ? 'running' : ''}`}
          data-testid="trace-bar"
          style={{ left: `${leftPct}%`, width: `${widthPct}%` }}
        />
      </div>
      <span class="trace-duration">
        {node.durationMs === undefined ? 'running' : formatDuration(node.durationMs)}
        <small> at {formatDuration(node.offsetMs)}</small>
      </span>
    </li>
  );
}

/**
 * A waterfall: one row per segment and subsegment, indented under its parent, its bar at its start and duration on
 * the trace's one time axis; faults, errors and throttles marked, links to other traces listed, a segment whose
 * parent never arrived shown as such.
 */
export function WaterfallChart({ waterfall }: { waterfall: TraceWaterfall }) {
  const layout = layoutWaterfall(waterfall);
  return (
    <div class="waterfall" data-testid="waterfall">
      <div class="trace-row trace-axis" aria-hidden="true">
        <span />
        <div class="trace-track">
          {layout.ticks.map((tick) => (
            <span key={tick.ms} class="trace-tick" style={{ left: `${tick.pct}%` }}>
              {formatDuration(tick.ms)}
            </span>
          ))}
        </div>
        <span />
      </div>
      <ol>
        {layout.rows.map((row) => (
          <Row key={row.node.id} {...row} />
        ))}
      </ol>
      {layout.hidden > 0 ? <p class="empty">… {layout.hidden} more segment(s) not drawn</p> : null}
    </div>
  );
}
