import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { pkTable, startDynamo, type LocalDynamo } from '../adapters/dynalite';

// DynamoDB refuses an expression over 4 KB or with more than 300 operators and functions (the Constraints page);
// the sandbox refuses them the same way, so an expression that grows past them fails here before it fails on AWS.
describe('dynalite with DynamoDB’s expression limits', () => {
  let dynamo: LocalDynamo;
  const TableName = 'limits';
  beforeAll(async () => {
    dynamo = await startDynamo([pkTable(TableName)]);
    await dynamo.client.send(new PutItemCommand({ TableName, Item: { pk: { S: 'a' }, n: { N: '1' } } }));
  });
  afterAll(() => dynamo.stop());

  /** A `SET` of two attributes, the second's name padding the expression to `bytes` in all. */
  const setOfSize = (bytes: number) => {
    const head = 'SET n = :one';
    const pad = 'p'.repeat(bytes - head.length - ', '.length - ' = :one'.length);
    return `${head}, ${pad} = :one`;
  };
  const update = (
    UpdateExpression: string,
    values: Record<string, AttributeValue> = { ':one': { N: '1' } },
  ) =>
    dynamo.client.send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: 'a' } },
        UpdateExpression,
        ExpressionAttributeValues: values,
      }),
    );

  it('takes an expression of exactly 4,096 bytes and refuses one byte more, naming the parameter and the size', async () => {
    expect(Buffer.byteLength(setOfSize(4_096))).toBe(4_096);
    await expect(update(setOfSize(4_096))).resolves.toBeDefined();
    await expect(update(setOfSize(4_097))).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        'Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: 4097',
    });
  });

  it('counts UTF-8 bytes as sent: names are not substituted first', async () => {
    // 2-byte characters: 2,049 of them pass 4 KB although the string has fewer than 4,096 characters.
    const projection = 'é'.repeat(2_049);
    await expect(
      dynamo.client.send(
        new GetItemCommand({ TableName, Key: { pk: { S: 'a' } }, ProjectionExpression: projection }),
      ),
    ).rejects.toMatchObject({
      message:
        'Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: 4098',
    });
  });

  /** A condition of `n` `NOT contains(...)` terms joined by AND: 3n − 1 operators and functions. */
  const notContains = (n: number) => {
    const values: Record<string, AttributeValue> = {};
    const terms = Array.from({ length: n }, (_, i) => {
      values[`:v${i}`] = { S: `id-${i}` };
      return `NOT contains(ids, :v${i})`;
    });
    return { ConditionExpression: terms.join(' AND '), ExpressionAttributeValues: values };
  };

  it('takes 300 operators and functions and refuses 301, counting NOT, AND, comparators and each function', async () => {
    const base = notContains(99); // 99 NOT + 99 contains + 98 AND = 296
    const conditional = (ConditionExpression: string) =>
      dynamo.client.send(
        new UpdateItemCommand({
          TableName,
          Key: { pk: { S: 'a' } },
          UpdateExpression: 'SET n = :one',
          ConditionExpression,
          ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ':one': { N: '1' } },
        }),
      );
    // + AND, =, AND, attribute_exists = 300
    await expect(
      conditional(`${base.ConditionExpression} AND n = :one AND attribute_exists(pk)`),
    ).resolves.toBeDefined();
    // + AND, NOT, <>, AND, attribute_exists = 301
    await expect(
      conditional(`${base.ConditionExpression} AND NOT (n <> :one) AND attribute_exists(pk)`),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Invalid ConditionExpression: The expression contains too many operators; operator count: 301',
    });
  });

  it('counts an update’s arithmetic and functions, not its SET and ADD actions', async () => {
    // SET a0 = :one + :one, a1 = … : one "+" per action, the actions themselves not counted.
    const sums = (count: number) =>
      `SET ${Array.from({ length: count }, (_, i) => `a${i}=:o+:o`).join(',')} ADD n :o`;
    const o = { ':o': { N: '1' } };
    expect(Buffer.byteLength(sums(300))).toBeLessThan(4_096);
    await expect(update(sums(300), o)).resolves.toBeDefined();
    await expect(
      update(sums(300).replace('a0=:o+:o', 'a0=if_not_exists(a0,:o)+:o'), o),
    ).rejects.toMatchObject({
      message: 'Invalid UpdateExpression: The expression contains too many operators; operator count: 301',
    });
  });

  it('refuses a transaction whose action’s expression is too large as a whole request, writing none of it', async () => {
    await expect(
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: { pk: { S: 'a' } },
                UpdateExpression: setOfSize(4_097),
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
            { Put: { TableName, Item: { pk: { S: 'b' } } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        'Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: 4097',
    });
    // Nothing of it was written.
    const b = await dynamo.client.send(new GetItemCommand({ TableName, Key: { pk: { S: 'b' } } }));
    expect(b.Item).toBeUndefined();
  });

  it('checks a key condition too', async () => {
    const padded = `pk = :a${' '.repeat(4_096)}`;
    await expect(
      dynamo.client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: padded,
          ExpressionAttributeValues: { ':a': { S: 'a' } },
        }),
      ),
    ).rejects.toMatchObject({
      message: `Invalid KeyConditionExpression: Expression size has exceeded the maximum allowed size; expression size: ${4_096 + 7}`,
    });
  });
});
