import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { startDynamo, type LocalDynamo } from './dynalite';
import { DAY_S, declaredTimeToLive, nowSeconds, scanAll } from './time-to-live';

/**
 * The fulfillment agent's idempotency records are written by Powertools, not by an adapter of ours: this checks
 * that what Powertools writes expires through the TTL attribute the idempotency table declares.
 */
describe('Powertools idempotency records (dynalite)', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = await startDynamo([
      {
        TableName: 'Idempotency',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      },
    ]);
  });
  afterAll(() => dynamo.stop());

  it('carry their expiry in the idempotency table’s TTL attribute, in epoch seconds, `expiresAfterSeconds` on', async () => {
    const ttl = declaredTimeToLive('idempotency')!;
    // As the fulfillment agent configures it (lambdas/handlers/fulfillment-agent.ts).
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      expiresAfterSeconds: 7 * DAY_S,
    });
    const reroute = makeIdempotent(
      (command: { idempotencyKey: string }) => Promise.resolve({ key: command.idempotencyKey, moved: 3 }),
      {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: 'Idempotency',
          awsSdkV3Client: dynamo.client,
        }),
        config,
      },
    );

    // The handler registers each invocation's context (the in-progress record expires with the invocation).
    config.registerLambdaContext({ getRemainingTimeInMillis: () => 60_000 } as Context);
    const before = nowSeconds();
    expect(await reroute({ idempotencyKey: 'plan-1/task-1' })).toEqual({ key: 'plan-1/task-1', moved: 3 });
    expect(await reroute({ idempotencyKey: 'plan-1/task-1' })).toEqual({ key: 'plan-1/task-1', moved: 3 });
    const after = nowSeconds();

    const items = await scanAll(dynamo.client, 'Idempotency');
    expect(items).toHaveLength(1);
    const [record] = items;
    expect(record!.status).toBe('COMPLETED');
    expect(record![ttl]).toBeGreaterThanOrEqual(before + 7 * DAY_S);
    // Powertools rounds the expiry to the nearest second, which may be the second after `after`.
    expect(record![ttl]).toBeLessThanOrEqual(after + 1 + 7 * DAY_S);
  });
});
