import { App, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Memory } from '../../lib/memory';

export const DAY_S = 86_400;

type TableName = 'episodic' | 'procedural' | 'counters' | 'idempotency' | 'orders' | 'network';

/**
 * The TTL attribute each table of lib/memory.ts declares, as the stack deploys it (undefined: the table keeps
 * its items), so that a writer's test checks the attribute DynamoDB will actually expire items by.
 */
export function declaredTimeToLive(table: TableName): string | undefined {
  const memory = new Memory(new Stack(new App(), 'TimeToLive'), 'Memory');
  const cfn = memory[table].node.defaultChild as dynamodb.CfnGlobalTable;
  const spec = cfn.timeToLiveSpecification as
    dynamodb.CfnGlobalTable.TimeToLiveSpecificationProperty | undefined;
  return spec?.enabled ? spec.attributeName : undefined;
}

/** Every item of a table, unmarshalled. */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(client);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export const epochSecondsOf = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
