import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * BatchGetItem over any number of keys of one table: 100 keys a request, retrying unprocessed keys with
 * backoff until none is left. Items come in no particular order.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: { consistentRead?: boolean; projection?: string } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let at = 0; at < keys.length; at += 100) {
    let pending = keys.slice(at, at + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const { Responses = {}, UnprocessedKeys = {} } = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: options.consistentRead,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
            },
          },
        }),
      );
      for (const item of Responses[tableName] ?? []) items.push(item);
      pending = UnprocessedKeys[tableName]?.Keys ?? [];
    }
  }
  return items;
}
