import { newestFirst, withEvent, type LiveIncident } from '../../../console/src/incidents';
import type { PlatformEventMessage } from '../../../console/src/live-messages';

const ATL = 'warehouse#WH-ATL#2026-11-20T10:35:00Z';
const DEN = 'warehouse#WH-DEN#2026-11-20T11:05:00Z';

const message = (
  id: string,
  detailType: string,
  correlationId: string | undefined,
  time: string,
  detail: Record<string, unknown> = {},
): PlatformEventMessage => ({
  id,
  time,
  source: 'proactive.test',
  detailType,
  ...(correlationId === undefined ? {} : { correlationId }),
  summary: detailType,
  detail: { correlationId, ...detail },
});

const spike = message('e1', 'order_cancellation_spike', ATL, '2026-11-20T10:35:47Z', {
  scope: { type: 'warehouse', id: 'WH-ATL' },
  window: { start: '2026-11-20T10:20:00Z', end: '2026-11-20T10:40:00Z' },
  observedRatio: 0.52,
  baselineRatio: 0.034,
});

describe('the live incident fold', () => {
  it('groups events by correlation id, moves the status with each, and keeps the spike it opened with', () => {
    const events = [
      spike,
      message('e2', 'remediation_planned', ATL, '2026-11-20T10:36:04Z'),
      message('e3', 'approval_requested', ATL, '2026-11-20T10:36:04Z'),
      message('e4', 'policy_decision', ATL, '2026-11-20T10:36:04Z'),
      message('e5', 'approval_decided', ATL, '2026-11-20T10:40:00Z', { outcome: 'approved' }),
      message('e6', 'reroute_complete', ATL, '2026-11-20T10:40:00Z'),
    ];
    const statuses: string[] = [];
    let incidents: ReadonlyMap<string, LiveIncident> = new Map();
    for (const event of events) {
      incidents = withEvent(incidents, event);
      statuses.push(incidents.get(ATL)!.status);
    }

    expect(statuses).toEqual([
      'detected',
      'planned',
      'awaiting approval',
      'awaiting approval',
      'approval approved',
      'rerouted',
    ]);
    expect(incidents.get(ATL)).toMatchObject({
      openedAt: '2026-11-20T10:35:47Z',
      spike: { scope: { id: 'WH-ATL' }, observedRatio: 0.52, baselineRatio: 0.034 },
    });
    expect(incidents.get(ATL)!.events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('keeps an event seen twice once (a reconnecting stream sends its backlog again) and ignores uncorrelated ones', () => {
    const once = withEvent(new Map(), spike);
    const twice = withEvent(once, spike);
    const uncorrelated = withEvent(
      twice,
      message('w', 'warehouse_updated', undefined, '2026-11-20T08:00:00Z'),
    );

    expect(twice).toBe(once);
    expect(uncorrelated).toBe(once);
    expect(once.get(ATL)!.events).toHaveLength(1);
  });

  it('lists the newest incident first', () => {
    const both = withEvent(
      withEvent(new Map(), spike),
      message('d1', 'order_cancellation_spike', DEN, '2026-11-20T11:05:57Z'),
    );

    expect(newestFirst(both).map((incident) => incident.id)).toEqual([DEN, ATL]);
  });
});
