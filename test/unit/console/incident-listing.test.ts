import { withListing } from '../../../console/src/incident-listing';
import { withEvent } from '../../../console/src/incidents';

describe('withListing (the API listing folded into what the live channel showed)', () => {
  const summary = (id: string, status: string) => ({
    id,
    entity: 'warehouse#WH-NYC',
    openedAt: '2026-11-20T10:45:00Z',
    updatedAt: '2026-11-20T10:50:00Z',
    status,
  });

  it('keeps the events and status the channel brought, adds listed incidents, keeps unlisted ones', () => {
    const pushed = withEvent(new Map(), {
      id: 'evt-1',
      time: '2026-11-20T10:51:00Z',
      source: 'proactive.fulfillment',
      detailType: 'reroute_complete',
      correlationId: 'inc-live',
      summary: 'rerouted',
      detail: {},
    });

    const merged = withListing(pushed, [summary('inc-live', 'planned'), summary('inc-old', 'succeeded')]);

    expect(merged.get('inc-live')).toMatchObject({ status: 'rerouted', events: [{ id: 'evt-1' }] });
    expect(merged.get('inc-old')).toEqual({
      id: 'inc-old',
      openedAt: '2026-11-20T10:45:00Z',
      status: 'succeeded',
      events: [],
    });
    expect(withListing(merged, []).size).toBe(2);
  });
});
