import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pkSkTable, startDynamo, type LocalDynamo } from '../adapters/dynalite';

/**
 * The sandbox's dynalite parses each expression shape once (local/dynamodb/expression-cache.cjs): requests that
 * repeat a shape with other values must get exactly the answers a fresh parse gives.
 */
describe('dynalite with expression parses cached', () => {
  let dynamo: LocalDynamo;
  let doc: DynamoDBDocumentClient;
  const TableName = 'cached';
  const get = async (pk: string, sk: string) =>
    (await doc.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const add = (pk: string, n: number, min: number) =>
    doc.send(
      new UpdateCommand({
        TableName,
        Key: { pk, sk: 'counter' },
        UpdateExpression: 'ADD #n :n SET tag = if_not_exists(tag, :tag)',
        ConditionExpression: 'attribute_not_exists(#n) OR #n >= :min',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':n': n, ':min': min, ':tag': `tag-${pk}` },
      }),
    );

  beforeAll(async () => {
    dynamo = await startDynamo([pkSkTable(TableName)]);
    doc = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo.stop());

  it('applies each request with its own values when the shape repeats', async () => {
    await add('a', 5, 0);
    await add('b', 7, 0);
    await add('a', 2, 5);
    expect(await get('a', 'counter')).toEqual({ pk: 'a', sk: 'counter', count: 7, tag: 'tag-a' });
    expect(await get('b', 'counter')).toEqual({ pk: 'b', sk: 'counter', count: 7, tag: 'tag-b' });
    // Same shape, a condition that now fails on its own value.
    await expect(add('a', 1, 8)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect((await get('a', 'counter'))?.count).toBe(7);
  });

  it('answers the same validation errors as a fresh parse, for each request', async () => {
    const typeClash = (value: unknown) =>
      doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: 'c', sk: 'counter' },
          UpdateExpression: 'ADD #n :n',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: { ':n': value },
        }),
      );
    await expect(typeClash('text')).rejects.toThrow(
      /Incorrect operand type for operator or function; operator: ADD, operand type: STRING/,
    );
    await expect(typeClash('again')).rejects.toThrow(/operand type: STRING/);
    await typeClash(3);
    expect((await get('c', 'counter'))?.count).toBe(3);

    const unused = () =>
      doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: 'c', sk: 'counter' },
          UpdateExpression: 'SET tag = :tag',
          ExpressionAttributeValues: { ':tag': 'x', ':spare': 'y' },
        }),
      );
    await expect(unused()).rejects.toThrow(/unused in expressions: keys: \{:spare\}/);
    await expect(unused()).rejects.toThrow(/unused in expressions: keys: \{:spare\}/);
  });

  it('counts a name as used by each expression that mentions it, whatever the other expressions of its request', async () => {
    const update = (UpdateExpression: string, values: Record<string, unknown>) =>
      doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: 'j', sk: 'journal' },
          UpdateExpression,
          ConditionExpression: 'attribute_not_exists(#state) OR #state = :planning',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':planning': 'planning', ...values },
        }),
      );
    // #state in both expressions, then in the condition alone: the second request uses it all the same.
    await update('SET #state = :planning, parts = :p', { ':p': 2 });
    await update('SET parts = :p', { ':p': 3 });
    expect(await get('j', 'journal')).toEqual({ pk: 'j', sk: 'journal', state: 'planning', parts: 3 });
  });

  it('evaluates if_not_exists afresh for each request, the first one finding the attribute and the next not', async () => {
    const stamp = (pk: string, expiresAt: number) =>
      doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'stamp' },
          UpdateExpression: 'SET seen = :seen, expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ExpressionAttributeValues: { ':seen': true, ':expiresAt': expiresAt },
        }),
      );
    await doc.send(new PutCommand({ TableName, Item: { pk: 'old', sk: 'stamp', expiresAt: 100 } }));
    await stamp('old', 200);
    await stamp('new', 300);
    expect((await get('old', 'stamp'))?.expiresAt).toBe(100);
    expect((await get('new', 'stamp'))?.expiresAt).toBe(300);
  });

  it('checks BETWEEN bounds on every request', async () => {
    for (const sk of ['s1', 's2', 's3']) await doc.send(new PutCommand({ TableName, Item: { pk: 'q', sk } }));
    const between = (low: string, high: string) =>
      doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':pk': 'q', ':low': low, ':high': high },
        }),
      );
    expect((await between('s1', 's2')).Items?.map((i) => String(i.sk))).toEqual(['s1', 's2']);
    await expect(between('s3', 's1')).rejects.toThrow(
      /requires upper bound to be greater than or equal to lower bound/,
    );
    expect((await between('s2', 's3')).Items?.map((i) => String(i.sk))).toEqual(['s2', 's3']);
  });

  it('keeps key conditions and filters apart when they read the same', async () => {
    const query = (pk: string) =>
      doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'attribute_exists(tag)',
          ExpressionAttributeValues: { ':pk': pk },
        }),
      );
    expect((await query('a')).Items?.map((i) => String(i.pk))).toEqual(['a']);
    expect((await query('b')).Items?.map((i) => String(i.pk))).toEqual(['b']);
    expect((await query('q')).Items).toEqual([]);
  });
});
