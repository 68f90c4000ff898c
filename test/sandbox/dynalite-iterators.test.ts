import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynaliteThread } from '../../local/dynamodb/dynalite-thread';

/** Bytes of LevelDB table files in `dir`. */
const tableBytes = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.ldb'))
    .reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);

describe("dynalite's LevelDB on disk", () => {
  it('lets compaction drop overwritten items while Queries run (no iterator left open)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dynalite-iterators-'));
    const dynamo = await DynaliteThread.start(dir);
    const client = new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const doc = DynamoDBDocumentClient.from(client);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'windows',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        }),
      );
      // 20 items of 40 KB (800 KB live), each rewritten 100 times (80 MB written), with a Query every 10 writes.
      const payload = 'x'.repeat(40_000);
      for (let i = 0; i < 2_000; i++) {
        await doc.send(new PutCommand({ TableName: 'windows', Item: { pk: `w${i % 20}`, payload, i } }));
        if (i % 10 === 0) {
          const { Items } = await doc.send(
            new QueryCommand({
              TableName: 'windows',
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `w${i % 20}` },
            }),
          );
          expect(Items?.[0]?.i).toBe(i);
        }
      }
      // Each Query's iterator, left open, kept the table files of its version: about 13 MB stayed on disk.
      // Closed, compaction keeps little more than the live items.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(tableBytes(dir)).toBeLessThan(4 * 1024 * 1024);
    } finally {
      client.destroy();
      await dynamo.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
