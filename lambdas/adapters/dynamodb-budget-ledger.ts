import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BudgetLedger, BudgetState, TokenUsage } from '../domain/governance/budget';
import { conditionHolds } from './dynamodb-conditions';

const DAY_S = 86_400;

/**
 * The budget ledger in DynamoDB (pk, sk): `pk = budget#<agent>`, `sk = <period>` (a UTC day) with the
 * micro-dollars spent or reserved (`spentMicroUsd`), the calls settled and their tokens. A reservation is one
 * conditional `ADD` (the spend may grow only while it stays within the ceiling), so any number of concurrent
 * instances never spend past it together; settling adds the difference to the actual cost. Items expire
 * `retentionDays` after their period (TTL attribute `expiresAt`).
 */
export class DynamoBudgetLedger implements BudgetLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly retentionDays = 90,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async reserve(
    agent: string,
    period: string,
    microUsd: number,
    ceilingMicroUsd: number,
  ): Promise<{ readonly granted: true } | { readonly granted: false; readonly state: BudgetState }> {
    if (!Number.isSafeInteger(microUsd) || microUsd < 0) {
      throw new RangeError(`microUsd must be a non-negative integer, got ${microUsd}`);
    }
    const granted =
      microUsd <= ceilingMicroUsd &&
      (await conditionHolds(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.keyOf(agent, period),
            UpdateExpression: 'ADD spentMicroUsd :cost SET expiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(spentMicroUsd) OR spentMicroUsd <= :room',
            ExpressionAttributeValues: {
              ':cost': microUsd,
              ':room': ceilingMicroUsd - microUsd,
              ':expiresAt': this.expiresAt(period),
            },
          }),
        ),
      ));
    if (granted) return { granted: true };
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.keyOf(agent, period), ConsistentRead: true }),
    );
    return {
      granted: false,
      state: { agent, period, spentMicroUsd: Number(Item?.spentMicroUsd ?? 0), ceilingMicroUsd },
    };
  }

  async settle(agent: string, period: string, deltaMicroUsd: number, usage: TokenUsage): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.keyOf(agent, period),
        UpdateExpression:
          'ADD spentMicroUsd :delta, calls :one, inputTokens :input, outputTokens :output SET expiresAt = :expiresAt',
        ExpressionAttributeValues: {
          ':delta': deltaMicroUsd,
          ':one': 1,
          ':input': usage.inputTokens,
          ':output': usage.outputTokens,
          ':expiresAt': this.expiresAt(period),
        },
      }),
    );
  }

  /** The agent's spend for the period (0 when nothing was spent). */
  async spent(agent: string, period: string): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.keyOf(agent, period), ConsistentRead: true }),
    );
    return Number(Item?.spentMicroUsd ?? 0);
  }

  private keyOf(agent: string, period: string) {
    return { pk: `budget#${agent}`, sk: period };
  }

  private expiresAt(period: string): number {
    return Math.floor(Date.parse(`${period}T00:00:00Z`) / 1000) + this.retentionDays * DAY_S;
  }
}
