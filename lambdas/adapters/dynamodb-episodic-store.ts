import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  paginateQuery,
  PutCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { EpisodicRecord, EpisodicStore } from '../domain/memory/episodic';
import { INCIDENT_LISTING_KINDS } from '../domain/operator/incidents';

const DAY_S = 86_400;

/** The partition of the sparse `incidents` index (lib/memory.ts) that every incident-listing record carries. */
export const INCIDENT_LISTING = 'incident';

/**
 * Episodic memory in DynamoDB: `pk` = entity, `sk` = `<time>#<kind>#<correlationId>[#<discriminator>]` so a time
 * range is one Query. Every record carries the table's TTL attribute `expiresAt` (epoch seconds), `retentionDays` after the
 * record's time: a replayed record expires when the original would have. The records that list incidents (plans,
 * escalations, outcomes) also carry the keys of the sparse `incidents` index: `listing` ({@link INCIDENT_LISTING})
 * and `listedAt` (`<time>#<correlationId>`), so the operator API lists incidents newest first with a Query.
 */
export class DynamoEpisodicStore implements EpisodicStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly retentionDays = 400,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async record(record: EpisodicRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: record.entity,
          sk: `${record.time}#${record.kind}#${record.correlationId}${record.discriminator === undefined ? '' : `#${record.discriminator}`}`,
          kind: record.kind,
          correlationId: record.correlationId,
          ...(record.discriminator === undefined ? {} : { discriminator: record.discriminator }),
          detail: JSON.stringify(record.data),
          expiresAt: Math.floor(Date.parse(record.time) / 1000) + this.retentionDays * DAY_S,
          ...(INCIDENT_LISTING_KINDS.includes(record.kind) && {
            listing: INCIDENT_LISTING,
            listedAt: `${record.time}#${record.correlationId}`,
          }),
        },
      }),
    );
  }

  async history(entity: string, from: string, to: string): Promise<EpisodicRecord[]> {
    return this.query(entity, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      // '~' sorts after every character used in the sort key's suffix.
      ExpressionAttributeValues: { ':pk': entity, ':from': from, ':to': `${to}~` },
    });
  }

  /**
   * Every record of one incident about `entity`, oldest first: one Query of the entity's records from `since`
   * (all of them without it), filtered to the incident's correlation id — how a decision trace is read back.
   */
  async incidentRecords(entity: string, correlationId: string, since?: string): Promise<EpisodicRecord[]> {
    return this.query(entity, {
      KeyConditionExpression: since === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :since',
      FilterExpression: 'correlationId = :correlationId',
      ExpressionAttributeValues: {
        ':pk': entity,
        ':correlationId': correlationId,
        ...(since === undefined ? {} : { ':since': since }),
      },
    });
  }

  private async query(
    entity: string,
    input: Pick<
      QueryCommandInput,
      'KeyConditionExpression' | 'FilterExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<EpisodicRecord[]> {
    const records: EpisodicRecord[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.tableName, ...input })) {
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        records.push({
          entity,
          time: sk.slice(0, sk.indexOf('#')),
          kind: String(item.kind),
          correlationId: String(item.correlationId),
          data: parseData(item),
          ...(typeof item.discriminator === 'string' ? { discriminator: item.discriminator } : {}),
        });
      }
    }
    return records;
  }
}

function parseData(item: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = { outcome: item.outcome };
  if (typeof item.detail !== 'string') return data;
  try {
    const parsed = JSON.parse(item.detail) as unknown;
    return typeof parsed === 'object' && parsed !== null
      ? { ...data, ...(parsed as Record<string, unknown>) }
      : data;
  } catch {
    return data;
  }
}
