import type { ConsoleConfig } from '../config';
import { traceUrl } from '../config';
import type { LiveIncident } from '../incidents';
import type { RatioPoint } from '../ratio-windows';
import { RatioChart } from './ratio-chart';

const clock = (iso: string): string => iso.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z');

export interface IncidentViewProps {
  readonly config: ConsoleConfig;
  readonly incident: LiveIncident;
  readonly ratio: readonly RatioPoint[];
}

/** One incident: its status, its trace, the ratio around it, and every event of it as it arrived. */
export function IncidentView({ config, incident, ratio }: IncidentViewProps) {
  return (
    <section class="incident" data-testid="incident">
      <header>
        <h2>{incident.id}</h2>
        <span class={`status status-${incident.status.replace(/\s+/g, '-')}`} data-testid="incident-status">
          {incident.status}
        </span>
        <a href={traceUrl(config, incident.id)} target="_blank" rel="noreferrer" data-testid="trace-link">
          {config.traces.kind === 'xray' ? 'X-Ray trace' : 'Local trace'}
        </a>
      </header>
      {incident.spike === undefined ? null : <RatioChart spike={incident.spike} points={ratio} />}
      <ol class="timeline" data-testid="timeline">
        {incident.events.map((event) => (
          <li key={event.id} data-detail-type={event.detailType}>
            <time>{clock(event.time)}</time>
            <span class="source">{event.source}</span>
            <span class="type">{event.detailType}</span>
            <span class="summary">{event.summary}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
