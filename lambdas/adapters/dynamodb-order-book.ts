import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OpenOrder, RerouteAssignment } from '../domain/fulfillment/assignment';
import { mapLimited } from './concurrency';
import { conditionHolds } from './dynamodb-conditions';
import { queryPages } from './dynamodb-paging';
import type { OrderBook, OrderFactRecord, RerouteRecord } from '../domain/fulfillment/order-book';

const DAY_S = 86_400;
const BY_WAREHOUSE = 'byWarehouse';

/**
 * The order book in DynamoDB: one item per order (`orderId`), a GSI `byWarehouse` (warehouseId, placedAt) for
 * a warehouse's backlog, and one `reroute#<key>` item per reroute. Writes are conditional so that redelivery,
 * out-of-order facts and concurrent reroutes never corrupt an order's state.
 */
export class DynamoOrderBook implements OrderBook {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly retentionDays = 30,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async apply(facts: readonly OrderFactRecord[]): Promise<void> {
    await mapLimited(facts, 16, async (fact) => {
      const expiresAt = Math.floor(Date.parse(fact.time) / 1000) + this.retentionDays * DAY_S;
      if (fact.kind === 'placed') {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId: fact.orderId },
            UpdateExpression:
              'SET warehouseId = if_not_exists(warehouseId, :w), #region = :r, placedAt = :t, #status = if_not_exists(#status, :open), expiresAt = :e',
            ExpressionAttributeNames: { '#region': 'region', '#status': 'status' },
            ExpressionAttributeValues: {
              ':w': fact.warehouseId,
              ':r': fact.region,
              ':t': fact.time,
              ':open': 'open',
              ':e': expiresAt,
            },
          }),
        );
      } else {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId: fact.orderId },
            UpdateExpression:
              'SET warehouseId = if_not_exists(warehouseId, :w), #region = if_not_exists(#region, :r), #status = :cancelled, cancelledAt = :t, expiresAt = :e',
            ExpressionAttributeNames: { '#region': 'region', '#status': 'status' },
            ExpressionAttributeValues: {
              ':w': fact.warehouseId,
              ':r': fact.region,
              ':cancelled': 'cancelled',
              ':t': fact.time,
              ':e': expiresAt,
            },
          }),
        );
      }
    });
  }

  /** The open orders of `warehouseId` placed at or after `since`, through the byWarehouse index. */
  private openQuery(warehouseId: string, since: string) {
    return {
      TableName: this.tableName,
      IndexName: BY_WAREHOUSE,
      KeyConditionExpression: 'warehouseId = :w AND placedAt >= :since',
      FilterExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':w': warehouseId, ':since': since, ':open': 'open' },
    };
  }

  async openOrders(warehouseId: string, since: string): Promise<OpenOrder[]> {
    const orders: OpenOrder[] = [];
    for await (const page of queryPages(this.doc, this.openQuery(warehouseId, since))) {
      for (const item of page.Items ?? []) {
        orders.push({ orderId: String(item.orderId), region: String(item.region), warehouseId });
      }
    }
    return orders;
  }

  async openLoad(warehouseIds: readonly string[], since: string): Promise<Record<string, number>> {
    const counts = await mapLimited(warehouseIds, 8, async (warehouseId) => {
      let count = 0;
      for await (const page of queryPages(this.doc, {
        ...this.openQuery(warehouseId, since),
        Select: 'COUNT',
      })) {
        count += page.Count ?? 0;
      }
      return [warehouseId, count] as const;
    });
    return Object.fromEntries(counts);
  }

  async move(assignments: readonly RerouteAssignment[], rerouteKey: string): Promise<RerouteAssignment[]> {
    const moved = await mapLimited(assignments, 16, async (assignment) =>
      (await this.conditionalUpdate(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId: assignment.orderId },
          UpdateExpression: 'SET warehouseId = :to, previousWarehouseId = :from, reroutedBy = :key',
          ConditionExpression: 'warehouseId = :from AND #status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':to': assignment.toWarehouseId,
            ':from': assignment.fromWarehouseId,
            ':key': rerouteKey,
            ':open': 'open',
          },
        }),
      ))
        ? assignment
        : undefined,
    );
    return moved.filter((assignment): assignment is RerouteAssignment => assignment !== undefined);
  }

  async restore(record: RerouteRecord): Promise<number> {
    const restored = await mapLimited(record.assignments, 16, (assignment) =>
      this.conditionalUpdate(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId: assignment.orderId },
          UpdateExpression: 'SET warehouseId = :from REMOVE previousWarehouseId, reroutedBy',
          ConditionExpression: 'reroutedBy = :key AND warehouseId = :to',
          ExpressionAttributeValues: {
            ':from': assignment.fromWarehouseId,
            ':to': assignment.toWarehouseId,
            ':key': record.idempotencyKey,
          },
        }),
      ),
    );
    return restored.filter(Boolean).length;
  }

  async saveReroute(record: RerouteRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          orderId: `reroute#${record.idempotencyKey}`,
          fromWarehouseId: record.fromWarehouseId,
          assignments: JSON.stringify(record.assignments),
        },
      }),
    );
  }

  async findReroute(idempotencyKey: string): Promise<RerouteRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { orderId: `reroute#${idempotencyKey}` },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      idempotencyKey,
      fromWarehouseId: String(Item.fromWarehouseId),
      assignments: JSON.parse(String(Item.assignments)) as RerouteAssignment[],
    };
  }

  /** True when the update applied; false when its condition no longer holds. */
  private conditionalUpdate(command: UpdateCommand): Promise<boolean> {
    return conditionHolds(() => this.doc.send(command));
  }
}
