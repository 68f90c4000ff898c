import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sessionTagValue } from '../domain/governance/task-session';
import type { IntakeState, IntakeStore } from '../domain/operations/intake';
import { conditionHolds } from './dynamodb-conditions';

/**
 * A warehouse's intake item in the fulfillment network table: `pk = intake#<warehouse tag>`, `sk = state`, with
 * `pausedBy` (the keys of the pauses holding it) and `lifted` (the keys of pauses resumed: tombstones). Its own
 * partition, named as the task session's `warehouse` tag names the warehouse (`WH-NYC` stays `WH-NYC`), so a
 * session may write only its own warehouse's intake item (`dynamodb:LeadingKeys`
 * `intake#${aws:PrincipalTag/warehouse}`); no `routeRegion`, so it stays out of the `routesByWarehouse` index.
 */
export const intakeKey = (warehouseId: string) => ({
  pk: `intake#${sessionTagValue(warehouseId, 'warehouseId')}`,
  sk: 'state',
});

/** Reads an intake item: how many pauses hold it (0 when the item or its `pausedBy` set is absent). */
export function activePausesOf(item: Record<string, unknown> | undefined): number {
  const paused = item?.pausedBy;
  return paused instanceof Set ? paused.size : 0;
}

/** The intake store on DynamoDB: each pause and resume is one conditional UpdateItem. */
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
    let attributes: Record<string, unknown> | undefined;
    const applied = await conditionHolds(async () => {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: intakeKey(warehouseId),
          UpdateExpression: 'SET warehouseId = :w, updatedAt = :at ADD pausedBy :key',
          // A resume of this pause already ran: its tombstone wins over the late pause.
          ConditionExpression: 'attribute_not_exists(lifted) OR NOT contains(lifted, :pause)',
          ExpressionAttributeValues: {
            ':w': warehouseId,
            ':at': at,
            ':key': new Set([pauseKey]),
            ':pause': pauseKey,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = result.Attributes;
    });
    if (!applied) return { cancelled: true };
    return { warehouseId, activePauses: activePausesOf(attributes) };
  }

  async resume(warehouseId: string, pauseKey: string, at: string): Promise<IntakeState> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: intakeKey(warehouseId),
        UpdateExpression: 'SET warehouseId = :w, updatedAt = :at ADD lifted :key DELETE pausedBy :key',
        ExpressionAttributeValues: { ':w': warehouseId, ':at': at, ':key': new Set([pauseKey]) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { warehouseId, activePauses: activePausesOf(result.Attributes) };
  }
}
