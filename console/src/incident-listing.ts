import type { IncidentSummary } from './api';
import type { LiveIncident } from './incidents';

/**
 * The API's incident listing (`GET /incidents`) folded into the incidents the console holds (a new map): an incident
 * the live channel already brought events for keeps them and the status they gave it (they are newer than the
 * listing's records); one known only from the listing takes the listing's status; one the listing does not name yet
 * (an event pushed before its first record was written) stays.
 */
export function withListing(
  incidents: ReadonlyMap<string, LiveIncident>,
  listed: readonly IncidentSummary[],
): ReadonlyMap<string, LiveIncident> {
  const next = new Map(incidents);
  for (const summary of listed) {
    const known = incidents.get(summary.id);
    if (known !== undefined && known.events.length > 0) continue;
    next.set(summary.id, {
      id: summary.id,
      openedAt: summary.openedAt,
      status: summary.status,
      ...(known?.spike === undefined ? {} : { spike: known.spike }),
      events: [],
    });
  }
  return next;
}
