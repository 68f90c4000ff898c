import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { TemplateNotFound } from '../domain/memory/errors';
import {
  familyOfTemplate,
  templateIdFor,
  templateScore,
  type NewTemplate,
  type OutcomeRecord,
  type ProceduralStore,
  type ProceduralTemplate,
  type TemplateMatch,
  type TemplateOutcome,
  type TemplateScope,
} from '../domain/memory/procedural';
import { cosineSimilarity } from '../domain/memory/semantic-index';

const binding = z.union([
  z.object({ from: z.literal('literal'), value: z.unknown() }),
  z.object({ from: z.literal('scope.id') }),
  z.object({ from: z.literal('contributors') }),
  z.object({ from: z.literal('window.start'), offsetSeconds: z.number() }),
  z.object({ from: z.literal('window.end'), offsetSeconds: z.number() }),
]);
const templateTasks = z.array(
  z.object({ taskType: z.string().min(1), parameters: z.record(z.string(), binding) }),
);

const storedTemplate = z.object({
  sk: z.string(),
  family: z.string(),
  taskType: z.string(),
  tasks: z.string(),
  successCount: z.number().int().nonnegative(),
  failureCount: z.number().int().nonnegative(),
  embedding: z.instanceof(Uint8Array),
  embeddingModel: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
});

/** Float32 little-endian: 4 bytes a dimension (1024 dimensions in 4 KiB), well inside the 400 KB item limit. */
function encodeVector(vector: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return bytes;
}

function decodeVector(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.byteLength / 4) }, (_, i) => view.getFloat32(i * 4, true));
}

/** Attributes a template is read with; `appliedOutcomes` is only needed by conditions. */
const PROJECTION = [
  'sk',
  'family',
  'taskType',
  'tasks',
  'successCount',
  'failureCount',
  'embedding',
  'embeddingModel',
  'createdAt',
  'lastUsedAt',
];
const projectionNames = Object.fromEntries(PROJECTION.map((name) => [`#${name}`, name]));
const projectionExpression = PROJECTION.map((name) => `#${name}`).join(', ');

/**
 * Procedural memory in DynamoDB (the Procedural table: `pk` = `templates#<family>`, `sk` = template id).
 * Similarity loads the family's templates and compares embeddings in memory — fine while a family holds
 * hundreds of templates, not millions. Outcome counters are atomic `ADD`s, applied once per outcome key: each key
 * counted has a marker item (`pk` = `outcomes#<template id>`), written in the same transaction; the template's own
 * origin is the one key it keeps (`appliedOutcomes`, as templates written before the markers also keep theirs).
 */
export class DynamoProceduralStore implements ProceduralStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async findSimilar(
    vector: readonly number[],
    threshold: number,
    scope: TemplateScope,
  ): Promise<TemplateMatch[]> {
    const matches: TemplateMatch[] = [];
    for await (const page of paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#embeddingModel = :model',
        ProjectionExpression: projectionExpression,
        ExpressionAttributeNames: projectionNames,
        ExpressionAttributeValues: { ':pk': partitionOf(scope.family), ':model': scope.embeddingModel },
      },
    )) {
      for (const item of page.Items ?? []) {
        const template = toTemplate(item);
        if (template.embedding.length !== vector.length) continue;
        const similarity = cosineSimilarity(vector, template.embedding);
        if (similarity >= threshold) matches.push({ template, similarity });
      }
    }
    return matches.sort(
      (a, b) => b.similarity - a.similarity || a.template.templateId.localeCompare(b.template.templateId),
    );
  }

  /**
   * Credits an outcome once per outcome key: one transaction puts the key's marker (`outcomes#<template id>`, sort
   * key = outcome key; only if absent) and adds to the template's counter (only if the template exists, and the key
   * is not its origin, kept in `appliedOutcomes`). Markers are items of their own, so a template credited by
   * thousands of incidents stays the size it was created with (400 KB is the item limit).
   */
  async recordOutcome(
    templateId: string,
    outcome: TemplateOutcome,
    record: OutcomeRecord,
  ): Promise<'applied' | 'duplicate'> {
    const key = keyOf(templateId);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: `${OUTCOMES}${templateId}`, sk: record.outcomeKey, creditedAt: record.time },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: key,
                UpdateExpression: 'ADD #counter :one SET lastUsedAt = :time',
                ConditionExpression: 'attribute_exists(pk) AND NOT contains(appliedOutcomes, :key)',
                ExpressionAttributeNames: {
                  '#counter': outcome === 'succeeded' ? 'successCount' : 'failureCount',
                },
                ExpressionAttributeValues: { ':one': 1, ':key': record.outcomeKey, ':time': record.time },
              },
            },
          ],
        }),
      );
      return 'applied';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [marker, template] = error.CancellationReasons ?? [];
      if (marker?.Code !== 'ConditionalCheckFailed' && template?.Code !== 'ConditionalCheckFailed')
        throw error;
      // A marker already there, or the template's origin: counted before. No template: nothing to credit.
      const existing = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ProjectionExpression: 'pk' }),
      );
      if (!existing.Item) throw new TemplateNotFound(templateId);
      return 'duplicate';
    }
  }

  async upsertFromPlan(template: NewTemplate): Promise<ProceduralTemplate> {
    const templateId = templateIdFor(template.family, template.sourceCorrelationId);
    const firstTask = template.tasks[0];
    if (!firstTask) throw new RangeError(`template ${templateId} has no tasks`);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(templateId),
            family: template.family,
            taskType: firstTask.taskType,
            tasks: JSON.stringify(template.tasks),
            successCount: 1,
            failureCount: 0,
            appliedOutcomes: new Set([template.sourceCorrelationId]),
            embedding: encodeVector(template.embedding),
            embeddingModel: template.embeddingModel,
            dimensions: template.embedding.length,
            sourceCorrelationId: template.sourceCorrelationId,
            createdAt: template.time,
            lastUsedAt: template.time,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const stored = await this.get(templateId);
    if (!stored) throw new TemplateNotFound(templateId);
    return stored;
  }

  /** One template by id, or undefined. */
  async get(templateId: string): Promise<ProceduralTemplate | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keyOf(templateId),
        ProjectionExpression: projectionExpression,
        ExpressionAttributeNames: projectionNames,
        ConsistentRead: true,
      }),
    );
    return Item ? toTemplate(Item) : undefined;
  }
}

const partitionOf = (family: string): string => `templates#${family}`;
/** The partition of a template's outcome markers, apart from the family's templates (which are Queried). */
const OUTCOMES = 'outcomes#';

const keyOf = (templateId: string): { pk: string; sk: string } => ({
  pk: partitionOf(familyOfTemplate(templateId)),
  sk: templateId,
});

function toTemplate(item: Record<string, unknown>): ProceduralTemplate {
  const stored = storedTemplate.parse(item);
  return {
    templateId: stored.sk,
    family: stored.family,
    taskType: stored.taskType,
    tasks: templateTasks.parse(JSON.parse(stored.tasks)),
    successCount: stored.successCount,
    failureCount: stored.failureCount,
    score: templateScore(stored.successCount, stored.failureCount),
    embedding: decodeVector(stored.embedding),
    embeddingModel: stored.embeddingModel,
    createdAt: stored.createdAt,
    lastUsedAt: stored.lastUsedAt,
  };
}
