import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IncidentTicket, TicketRef, TicketStore } from '../domain/operations/tickets';
import { conditionHolds } from './dynamodb-conditions';
import { incidentPartition } from './dynamodb-incident-partition';

/**
 * A ticket item in the operations table, in its incident's partition: `pk = incident#<incident tag>`,
 * `sk = ticket#<ticketId>` — so a task session may touch only its own incident's tickets.
 */
const ticketKey = (ticket: TicketRef) => ({
  pk: incidentPartition(ticket.correlationId),
  sk: `ticket#${ticket.ticketId}`,
});

/** Incident tickets as items with a `status` (`open`, `closed`), each change one conditional UpdateItem. */
export class DynamoTicketStore implements TicketStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async open(ticket: IncidentTicket, at: string): Promise<'open' | 'cancelled'> {
    const opened = await conditionHolds(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ticketKey(ticket),
          UpdateExpression:
            'SET #status = :open, correlationId = :c, scopeType = :t, scopeId = :s, severity = :sev, openedAt = if_not_exists(openedAt, :at)',
          // Closed before it opened (the compensation ran first): the tombstone stands.
          ConditionExpression: 'attribute_not_exists(#status) OR #status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':open': 'open',
            ':c': ticket.correlationId,
            ':t': ticket.scopeType,
            ':s': ticket.scopeId,
            ':sev': ticket.severity,
            ':at': at,
          },
        }),
      ),
    );
    return opened ? 'open' : 'cancelled';
  }

  async close(ticket: TicketRef, at: string): Promise<{ readonly wasOpen: boolean }> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ticketKey(ticket),
        UpdateExpression: 'SET #status = :closed, closedAt = if_not_exists(closedAt, :at)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':closed': 'closed', ':at': at },
        ReturnValues: 'ALL_OLD',
      }),
    );
    // Open before this close, or closed by an earlier delivery of it after being open.
    return { wasOpen: result.Attributes?.openedAt !== undefined };
  }
}
