import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoProceduralStore } from '../../lambdas/adapters/dynamodb-procedural-store';
import { TemplateNotFound } from '../../lambdas/domain/memory/errors';
import type { NewTemplate } from '../../lambdas/domain/memory/procedural';
import { normalizeVector } from '../../lambdas/domain/memory/semantic-index';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

/** `fn` of each item in turn (one outcome at a time, as the learning agent credits them). */
async function mapSerially<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await fn(item));
  return results;
}

const FAMILY = 'order_cancellation_spike/warehouse';
const MODEL = 'test-model/4';

const newTemplate = (
  correlationId: string,
  embedding: number[],
  overrides: Partial<NewTemplate> = {},
): NewTemplate => ({
  family: FAMILY,
  tasks: [
    {
      taskType: 'reroute_orders',
      parameters: {
        fromWarehouseId: { from: 'scope.id' },
        since: { from: 'window.start', offsetSeconds: -7200 },
      },
    },
  ],
  embedding: normalizeVector(embedding),
  embeddingModel: MODEL,
  sourceCorrelationId: correlationId,
  time: '2026-11-20T11:00:00Z',
  ...overrides,
});

describe('DynamoProceduralStore', () => {
  let dynamo: LocalDynamo;
  let store: DynamoProceduralStore;

  beforeAll(async () => {
    dynamo = await startDynamo([pkSkTable('Procedural')]);
    store = new DynamoProceduralStore('Procedural', dynamo.client);
  });
  afterAll(() => dynamo.stop());

  it('creates a template from a plan with its first success, and returns the stored one when written again', async () => {
    const created = await store.upsertFromPlan(newTemplate('incident-a', [1, 0, 0, 0]));
    const again = await store.upsertFromPlan(newTemplate('incident-a', [0, 1, 0, 0]));

    expect(created).toMatchObject({
      templateId: `${FAMILY}@incident-a`,
      family: FAMILY,
      taskType: 'reroute_orders',
      successCount: 1,
      failureCount: 0,
      score: 2 / 3,
      embeddingModel: MODEL,
      createdAt: '2026-11-20T11:00:00Z',
    });
    expect(created.tasks).toEqual(newTemplate('incident-a', [1, 0, 0, 0]).tasks);
    expect(again).toEqual(created);
  });

  it('finds templates of the family at or above the threshold, most similar first, by cosine in memory', async () => {
    await store.upsertFromPlan(newTemplate('incident-b', [1, 1, 0, 0]));
    await store.upsertFromPlan(newTemplate('incident-c', [0, 0, 1, 0]));
    await store.upsertFromPlan(
      newTemplate('incident-d', [1, 0, 0, 0], { family: 'order_cancellation_spike/region' }),
    );
    await store.upsertFromPlan(newTemplate('incident-e', [1, 0, 0, 0], { embeddingModel: 'other-model/4' }));

    const matches = await store.findSimilar(normalizeVector([1, 0.1, 0, 0]), 0.7, {
      family: FAMILY,
      embeddingModel: MODEL,
    });

    expect(matches.map((m) => m.template.templateId)).toEqual([
      `${FAMILY}@incident-a`,
      `${FAMILY}@incident-b`,
    ]);
    expect(matches[0]!.similarity).toBeCloseTo(0.995, 3);
    expect(matches[1]!.similarity).toBeCloseTo(0.774, 3);
  });

  it('counts outcomes atomically, once per outcome key, and lowers the score on compensation', async () => {
    const templateId = `${FAMILY}@incident-c`;

    const first = await store.recordOutcome(templateId, 'succeeded', {
      outcomeKey: 'incident-x',
      time: '2026-11-21T00:00:00Z',
    });
    const redelivered = await store.recordOutcome(templateId, 'succeeded', {
      outcomeKey: 'incident-x',
      time: '2026-11-21T00:00:00Z',
    });
    const origin = await store.recordOutcome(templateId, 'succeeded', {
      outcomeKey: 'incident-c',
      time: '2026-11-21T00:00:00Z',
    });
    await store.recordOutcome(templateId, 'compensated', {
      outcomeKey: 'incident-y',
      time: '2026-11-22T00:00:00Z',
    });
    await store.recordOutcome(templateId, 'compensated', {
      outcomeKey: 'incident-z',
      time: '2026-11-23T00:00:00Z',
    });

    expect([first, redelivered, origin]).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await store.get(templateId)).toMatchObject({
      successCount: 2,
      failureCount: 2,
      score: 0.5,
      lastUsedAt: '2026-11-23T00:00:00Z',
    });
  });

  it('keeps a template its own size however many outcomes it is credited with: each key is a marker item', async () => {
    const templateId = `${FAMILY}@incident-many`;
    await store.upsertFromPlan(newTemplate('incident-many', [0, 1, 0, 0]));
    const sizeOf = async () => {
      const { Item } = await dynamo.client.send(
        new GetItemCommand({
          TableName: 'Procedural',
          Key: { pk: { S: `templates#${FAMILY}` }, sk: { S: templateId } },
        }),
      );
      return JSON.stringify(Item).length;
    };
    const before = await sizeOf();
    const keys = Array.from({ length: 300 }, (_, i) => `incident-${String(i).padStart(40, '0')}`);
    const answers = await mapSerially(keys, (outcomeKey) =>
      store.recordOutcome(templateId, 'succeeded', { outcomeKey, time: '2026-11-24T00:00:00Z' }),
    );
    const again = await store.recordOutcome(templateId, 'succeeded', {
      outcomeKey: keys[123]!,
      time: '2026-11-25T00:00:00Z',
    });

    expect(new Set(answers)).toEqual(new Set(['applied']));
    expect(again).toBe('duplicate');
    expect(await store.get(templateId)).toMatchObject({ successCount: 301 });
    // The template item does not grow with the keys (a set of them would: 400 KB at about 9,000).
    expect(await sizeOf()).toBeLessThanOrEqual(before + 8);
    const markers = await dynamo.client.send(
      new QueryCommand({
        TableName: 'Procedural',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `outcomes#${templateId}` } },
        Select: 'COUNT',
      }),
    );
    expect(markers.Count).toBe(300);
  });

  it('fails with TemplateNotFound for an outcome of an unknown template', async () => {
    await expect(
      store.recordOutcome(`${FAMILY}@never-created`, 'succeeded', {
        outcomeKey: 'k',
        time: '2026-11-21T00:00:00Z',
      }),
    ).rejects.toThrow(TemplateNotFound);
  });

  it('keeps 1024-dimension embeddings as float32 within rounding', async () => {
    const vector = normalizeVector(Array.from({ length: 1024 }, (_, i) => Math.sin(i + 1)));

    const stored = await store.upsertFromPlan(
      newTemplate('incident-wide', vector, { embeddingModel: 'wide/1024' }),
    );

    expect(stored.embedding).toHaveLength(1024);
    stored.embedding.forEach((x, i) => expect(x).toBeCloseTo(vector[i]!, 6));
  });
});
