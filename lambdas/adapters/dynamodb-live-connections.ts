import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, paginateScan, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LiveConnections } from '../domain/operator/live-broadcast';

/** A console's connection to the WebSocket API, as `$connect` records it. */
export interface LiveConnection {
  readonly connectionId: string;
  /** When it connected (ISO 8601). */
  readonly connectedAt: string;
  /** Who connected: the caller's IAM identity (the operator role's session, or a Cognito identity id). */
  readonly caller: string;
}

/**
 * API Gateway closes a WebSocket connection after two hours at most: a connection whose `$disconnect` never
 * reached the table is gone by then, and TTL (`expiresAt`, epoch seconds) removes its item.
 */
const CONNECTION_LIFETIME_SECONDS = 2 * 3600;

/**
 * The consoles connected to the WebSocket API, one item per connection (`pk` = the connection id): put on `$connect`,
 * deleted on `$disconnect` or when a post finds it gone, expired by TTL otherwise. Read by paged Scans of
 * `pageSize` items (projected to the id), so a broadcast holds one page at a time however many consoles there are.
 */
export class DynamoLiveConnections implements LiveConnections {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly pageSize = 100,
  ) {
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async add(connection: LiveConnection): Promise<void> {
    const expiresAt = Math.ceil(Date.parse(connection.connectedAt) / 1000) + CONNECTION_LIFETIME_SECONDS;
    if (!Number.isFinite(expiresAt)) {
      throw new RangeError(`connectedAt is not a time: ${JSON.stringify(connection.connectedAt)}`);
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: connection.connectionId,
          connectedAt: connection.connectedAt,
          caller: connection.caller,
          expiresAt,
        },
      }),
    );
  }

  async remove(connectionId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: connectionId } }));
  }

  async *pages(): AsyncIterable<readonly string[]> {
    for await (const page of paginateScan(
      { client: this.doc, pageSize: this.pageSize },
      { TableName: this.tableName, ProjectionExpression: 'pk' },
    )) {
      const ids: string[] = [];
      for (const item of page.Items ?? []) {
        const id: unknown = item.pk;
        if (typeof id === 'string') ids.push(id);
      }
      if (ids.length > 0) yield ids;
    }
  }
}
