import type { LiveIncident } from '../incidents';

export interface IncidentListProps {
  readonly incidents: readonly LiveIncident[];
  readonly selected: string | undefined;
  readonly onSelect: (id: string) => void;
}

/** The incidents seen so far, newest first. */
export function IncidentList({ incidents, selected, onSelect }: IncidentListProps) {
  return (
    <nav class="incidents" aria-label="Incidents">
      <h2>Incidents</h2>
      {incidents.length === 0 ? <p class="empty">No incident yet: watching the bus.</p> : null}
      <ul data-testid="incident-list">
        {incidents.map((incident) => (
          <li key={incident.id}>
            <button
              type="button"
              aria-pressed={incident.id === selected}
              data-incident-id={incident.id}
              onClick={() => onSelect(incident.id)}
            >
              <span class="id">{incident.id}</span>
              <span class={`status status-${incident.status.replace(/\s+/g, '-')}`}>{incident.status}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
