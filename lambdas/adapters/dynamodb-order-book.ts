import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OpenOrder, RerouteAssignment } from '../domain/fulfillment/assignment';
import { mapLimited } from './concurrency';
import { conditionHolds } from './dynamodb-conditions';
import { queryPages } from './dynamodb-paging';
import type { OrderBook, OrderFactRecord, RerouteRecord } from '../domain/fulfillment/order-book';

const DAY_S = 86_400;
const BY_WAREHOUSE = 'byWarehouse';
/** TransactWriteItems takes at most 100 actions, none two on one item. */
const MAX_TRANSACTION_ITEMS = 100;

/** The facts of each order, in the order given. */
function factsByOrder(facts: readonly OrderFactRecord[]): Map<string, OrderFactRecord[]> {
  const byOrder = new Map<string, OrderFactRecord[]>();
  for (const fact of facts) {
    const group = byOrder.get(fact.orderId);
    if (group) group.push(fact);
    else byOrder.set(fact.orderId, [fact]);
  }
  return byOrder;
}

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

  /**
   * One update per order however many of its facts the batch holds, written up to 100 orders per
   * TransactWriteItems request: a batch of facts costs a few requests instead of one per fact. The updates carry no
   * condition (`if_not_exists` keeps them order-independent), so a transaction is cancelled only by a concurrent
   * writer (TransactionConflict) or throttling: then its orders are written one UpdateItem each.
   */
  async apply(facts: readonly OrderFactRecord[]): Promise<void> {
    const updates = [...factsByOrder(facts)].map(([orderId, group]) => this.updateOf(orderId, group));
    const chunks: (typeof updates)[] = [];
    for (let i = 0; i < updates.length; i += MAX_TRANSACTION_ITEMS) {
      chunks.push(updates.slice(i, i + MAX_TRANSACTION_ITEMS));
    }
    await mapLimited(chunks, 4, async (chunk) => {
      if (chunk.length > 1) {
        try {
          await this.doc.send(
            new TransactWriteCommand({ TransactItems: chunk.map((Update) => ({ Update })) }),
          );
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      await mapLimited(chunk, 16, (update) => this.doc.send(new UpdateCommand(update)));
    });
  }

  /**
   * The update that applies an order's facts, in the order given, as the facts would one by one: a placement sets
   * where and when the order was placed (keeping the warehouse a reroute gave it), a cancellation marks it
   * cancelled, and a placement never reopens a cancelled order.
   */
  private updateOf(orderId: string, group: readonly OrderFactRecord[]) {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const placed = group.filter((f) => f.kind === 'placed').at(-1);
    const cancelled = group.filter((f) => f.kind === 'cancelled').at(-1);
    const sets = ['warehouseId = if_not_exists(warehouseId, :w)', 'expiresAt = :e'];
    const values: Record<string, unknown> = {
      ':w': first.warehouseId,
      ':e': Math.floor(Date.parse(last.time) / 1000) + this.retentionDays * DAY_S,
    };
    if (placed) {
      sets.push('#region = :r', 'placedAt = :placedAt');
      values[':r'] = placed.region;
      values[':placedAt'] = placed.time;
    } else {
      sets.push('#region = if_not_exists(#region, :r)');
      values[':r'] = first.region;
    }
    if (cancelled) {
      sets.push('#status = :cancelled', 'cancelledAt = :cancelledAt');
      values[':cancelled'] = 'cancelled';
      values[':cancelledAt'] = cancelled.time;
    } else {
      sets.push('#status = if_not_exists(#status, :open)');
      values[':open'] = 'open';
    }
    return {
      TableName: this.tableName,
      Key: { orderId },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: { '#region': 'region', '#status': 'status' },
      ExpressionAttributeValues: values,
    };
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
