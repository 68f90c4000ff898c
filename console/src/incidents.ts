import type { PlatformEventMessage } from './live-messages';

/** What a spike says about the ratio it found: the chart's baseline and the window it alarmed on. */
export interface SpikeFacts {
  readonly scope: { readonly type: string; readonly id: string };
  readonly observedRatio: number;
  readonly baselineRatio: number;
  readonly window: { readonly start: string; readonly end: string };
}

/** An incident as the live stream shows it: every platform event carrying its correlation id, in arrival order. */
export interface LiveIncident {
  readonly id: string;
  /** Event time of its first event. */
  readonly openedAt: string;
  readonly status: string;
  readonly spike?: SpikeFacts;
  readonly events: readonly PlatformEventMessage[];
}

/** The status an event moves its incident to; events not listed leave it as it was. */
const STATUS_AFTER: Readonly<Record<string, (detail: Record<string, unknown>) => string>> = {
  order_cancellation_spike: () => 'detected',
  remediation_planned: () => 'planned',
  approval_requested: () => 'awaiting approval',
  approval_decided: (d) => `approval ${typeof d.outcome === 'string' ? d.outcome : 'decided'}`,
  reroute_complete: () => 'rerouted',
  region_rebalanced: () => 'rebalanced',
  remediation_escalated: () => 'escalated',
  remediation_failed: () => 'failed',
  remediation_compensated: () => 'compensated',
};

function spikeFacts(detail: Record<string, unknown>): SpikeFacts | undefined {
  const scope = detail.scope as SpikeFacts['scope'] | undefined;
  const window = detail.window as SpikeFacts['window'] | undefined;
  if (
    typeof scope?.id !== 'string' ||
    typeof window?.start !== 'string' ||
    typeof detail.observedRatio !== 'number' ||
    typeof detail.baselineRatio !== 'number'
  ) {
    return undefined;
  }
  return { scope, window, observedRatio: detail.observedRatio, baselineRatio: detail.baselineRatio };
}

/**
 * Adds one platform event to the incidents it was seen with (a new map: the views re-render on identity). Events
 * without a correlation id belong to no incident and leave the map as it is; an event seen twice (a reconnecting
 * stream sends the backlog again) is kept once.
 */
export function withEvent(
  incidents: ReadonlyMap<string, LiveIncident>,
  event: PlatformEventMessage,
): ReadonlyMap<string, LiveIncident> {
  const id = event.correlationId;
  if (id === undefined) return incidents;
  const known = incidents.get(id);
  if (known?.events.some((e) => e.id === event.id)) return incidents;
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const status = STATUS_AFTER[event.detailType]?.(detail) ?? known?.status ?? 'open';
  const spike =
    (event.detailType === 'order_cancellation_spike' ? spikeFacts(detail) : undefined) ?? known?.spike;
  const next = new Map(incidents);
  next.set(id, {
    id,
    openedAt: known?.openedAt ?? event.time,
    status,
    ...(spike === undefined ? {} : { spike }),
    events: [...(known?.events ?? []), event],
  });
  return next;
}

/** Newest first, by the time each opened. */
export function newestFirst(incidents: ReadonlyMap<string, LiveIncident>): LiveIncident[] {
  return [...incidents.values()].sort((a, b) => b.openedAt.localeCompare(a.openedAt));
}
