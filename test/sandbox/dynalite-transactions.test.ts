import { DynamoDBClient, CreateTableCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynaliteThread } from '../../local/dynamodb/dynalite-thread';

describe('DynaliteThread TransactWriteItems', () => {
  let dynamo: DynaliteThread;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  const get = async (pk: string) =>
    (await doc.send(new GetCommand({ TableName: 'items', Key: { pk }, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    dynamo = await DynaliteThread.start();
    client = new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    doc = DynamoDBDocumentClient.from(client);
    await client.send(
      new CreateTableCommand({
        TableName: 'items',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.stop();
  });

  it('applies every action of a transaction', async () => {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'items', Item: { pk: 'a', n: 1 } } },
          {
            Update: {
              TableName: 'items',
              Key: { pk: 'b' },
              UpdateExpression: 'ADD ids :ids',
              ExpressionAttributeValues: { ':ids': new Set(['x']) },
            },
          },
        ],
      }),
    );

    expect(await get('a')).toEqual({ pk: 'a', n: 1 });
    expect(await get('b')).toEqual({ pk: 'b', ids: new Set(['x']) });
  });

  it('applies none of them when a condition fails, and says which one failed', async () => {
    const attempt = doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'items', Item: { pk: 'a', n: 2 } } },
          { Put: { TableName: 'items', Item: { pk: 'new', n: 1 } } },
          {
            Update: {
              TableName: 'items',
              Key: { pk: 'b' },
              UpdateExpression: 'ADD ids :ids',
              ConditionExpression: 'NOT contains(ids, :x)',
              ExpressionAttributeValues: { ':ids': new Set(['x']), ':x': 'x' },
            },
          },
        ],
      }),
    );

    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(await get('a')).toEqual({ pk: 'a', n: 1 });
    expect(await get('new')).toBeUndefined();
  });

  it('refuses two actions on one item, as DynamoDB does', async () => {
    const attempt = doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'items', Item: { pk: 'c' } } },
          { Delete: { TableName: 'items', Key: { pk: 'c' } } },
        ],
      }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('counts the requests it serves, by operation', async () => {
    const requests = await dynamo.requests();

    expect(requests.TransactWriteItems).toBe(3);
    expect(requests.GetItem).toBeGreaterThan(0);
  });
});
