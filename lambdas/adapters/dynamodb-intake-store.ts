import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { sessionTagValue } from '../domain/governance/task-session';
import type { IntakeState, IntakeStore } from '../domain/operations/intake';
import { transactWrite } from './dynamodb-transactions';

/**
 * A warehouse's intake in the fulfillment network table, in a partition of its own, `pk = intake#<warehouse tag>`,
 * named as the task session's `warehouse` tag names the warehouse (`WH-NYC` stays `WH-NYC`), so a session may write
 * only its own warehouse's intake (`dynamodb:LeadingKeys` `intake#${aws:PrincipalTag/warehouse}`):
 * - the state item, `sk = state`: `pausedBy`, the keys of the pauses holding it;
 * - a tombstone per resumed pause, `sk = lifted#<pause key>`, which a late pause of that key finds and gives way
 *   to; it expires (`expiresAt`, the table's TTL attribute) after {@link TOMBSTONE_DAYS}, so the partition holds
 *   the resumes of a month, not of the warehouse's life — a set of every resumed key on the state item passed
 *   DynamoDB's 400 KB item limit after about 9,000 resumes.
 * Items without `routeRegion`, so they stay out of the `routesByWarehouse` index.
 */
export const intakeKey = (warehouseId: string) => ({
  pk: `intake#${sessionTagValue(warehouseId, 'warehouseId')}`,
  sk: 'state',
});

/** The tombstone of a resumed pause, in its warehouse's intake partition. */
const tombstoneKey = (warehouseId: string, pauseKey: string) => ({
  pk: intakeKey(warehouseId).pk,
  sk: `lifted#${pauseKey}`,
});

/**
 * Days a tombstone is kept: longer than any pause command can wait to be delivered — an SQS queue or its DLQ
 * keeps a message at most 14 days, and a saga runs at most 24 hours.
 */
const TOMBSTONE_DAYS = 30;

/** Reads an intake item: how many pauses hold it (0 when the item or its `pausedBy` set is absent). */
export function activePausesOf(item: Record<string, unknown> | undefined): number {
  const paused = item?.pausedBy;
  return paused instanceof Set ? paused.size : 0;
}

/**
 * The intake store on DynamoDB: a pause is one TransactWriteItems (the tombstone's absence checked, the pause
 * added), a resume another (the pause removed, its tombstone written), so a pause and the resume of its key
 * serialize whichever runs first; a transaction cancelled by a concurrent one on the warehouse is sent again
 * ({@link transactWrite}). A transaction returns no item, so each is followed by a consistent read of the state
 * item for the count of pauses holding it.
 */
export class DynamoIntakeStore implements IntakeStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async pause(
    warehouseId: string,
    pauseKey: string,
    at: string,
  ): Promise<IntakeState | { readonly cancelled: true }> {
    const outcome = await transactWrite(this.doc, [
      {
        // A resume of this pause already ran: its tombstone wins over the late pause.
        ConditionCheck: {
          TableName: this.tableName,
          Key: tombstoneKey(warehouseId, pauseKey),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: intakeKey(warehouseId),
          UpdateExpression: 'SET warehouseId = :w, updatedAt = :at ADD pausedBy :key',
          // Tombstones written before they were items of their own: the state item's `lifted` set.
          ConditionExpression: 'attribute_not_exists(lifted) OR NOT contains(lifted, :pause)',
          ExpressionAttributeValues: {
            ':w': warehouseId,
            ':at': at,
            ':key': new Set([pauseKey]),
            ':pause': pauseKey,
          },
        },
      },
    ]);
    if (outcome !== 'done') return { cancelled: true };
    return this.state(warehouseId);
  }

  async resume(warehouseId: string, pauseKey: string, at: string): Promise<IntakeState> {
    const expiresAt = Math.floor(Date.parse(at) / 1000) + TOMBSTONE_DAYS * 86_400;
    await transactWrite(this.doc, [
      {
        Update: {
          TableName: this.tableName,
          Key: intakeKey(warehouseId),
          UpdateExpression: 'SET warehouseId = :w, updatedAt = :at DELETE pausedBy :key',
          ExpressionAttributeValues: { ':w': warehouseId, ':at': at, ':key': new Set([pauseKey]) },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: tombstoneKey(warehouseId, pauseKey),
          UpdateExpression: 'SET liftedAt = :at, expiresAt = :expires',
          ExpressionAttributeValues: { ':at': at, ':expires': expiresAt },
        },
      },
    ]);
    return this.state(warehouseId);
  }

  private async state(warehouseId: string): Promise<IntakeState> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: intakeKey(warehouseId), ConsistentRead: true }),
    );
    return { warehouseId, activePauses: activePausesOf(Item) };
  }
}
