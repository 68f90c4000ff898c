import { CommandCancelled } from './errors';

export interface IncidentTicket {
  readonly ticketId: string;
  readonly correlationId: string;
  readonly scopeType: 'warehouse' | 'region';
  readonly scopeId: string;
  readonly severity: 'sev1' | 'sev2' | 'sev3';
}

/** Which ticket: its id and the incident it belongs to. */
export type TicketRef = Pick<IncidentTicket, 'ticketId' | 'correlationId'>;

/** Port: the operators' incident tickets, items with a status. */
export interface TicketStore {
  /**
   * Opens the ticket (opening an open one again changes nothing); returns `cancelled` when the ticket was already
   * closed, i.e. the close ran first and left its tombstone.
   */
  open(ticket: IncidentTicket, at: string): Promise<'open' | 'cancelled'>;
  /**
   * Closes the ticket, or records it closed when it was never opened (the tombstone a late open honours).
   * Returns whether it was open.
   */
  close(ticket: TicketRef, at: string): Promise<{ readonly wasOpen: boolean }>;
}

/** `open_incident_ticket`. Throws `CommandCancelled` when its compensation already ran. */
export async function openTicket(ticket: IncidentTicket, at: string, store: TicketStore): Promise<void> {
  if ((await store.open(ticket, at)) === 'cancelled') {
    throw new CommandCancelled('open_incident_ticket', ticket.ticketId);
  }
}

/** `close_incident_ticket` (the compensation of an open): a no-op, apart from its tombstone, when never opened. */
export function closeTicket(
  ticket: TicketRef,
  at: string,
  store: TicketStore,
): Promise<{ readonly wasOpen: boolean }> {
  return store.close(ticket, at);
}
