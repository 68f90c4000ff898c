import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { traceEntityOf } from '../domain/memory/decision-trace';
import type { EpisodicRecord } from '../domain/memory/episodic';
import { INCIDENT_LISTING_KINDS } from '../domain/operator/incidents';
import { DynamoEpisodicStore } from './dynamodb-episodic-store';

/**
 * Incidents in episodic memory, for the operator API: the records that list them (plans, escalations, outcomes)
 * and one incident's whole decision trace.
 *
 * The listing is a Scan filtered to those kinds: episodic memory is keyed by entity and time, with no index
 * across entities. It reads the whole table (paged), which is fine for an operator's occasional look at a table
 * whose items expire, and is the first thing to replace (a sparse index on the plan records) when the table
 * grows large.
 */
export class DynamoIncidentReader {
  private readonly doc: DynamoDBDocumentClient;
  private readonly episodic: DynamoEpisodicStore;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
    this.episodic = new DynamoEpisodicStore(tableName, client);
  }

  /** The records that say which incidents exist and where each stands. */
  async listingRecords(): Promise<EpisodicRecord[]> {
    const kinds = Object.fromEntries(INCIDENT_LISTING_KINDS.map((kind, i) => [`:k${i}`, kind]));
    const input: ScanCommandInput = {
      TableName: this.tableName,
      FilterExpression: `#kind IN (${Object.keys(kinds).join(', ')})`,
      ProjectionExpression: 'pk, sk, #kind, correlationId, detail',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: kinds,
    };
    const records: EpisodicRecord[] = [];
    let startKey: ScanCommandInput['ExclusiveStartKey'];
    do {
      const page = await this.doc.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        records.push({
          entity: String(item.pk),
          time: sk.slice(0, sk.indexOf('#')),
          kind: String(item.kind),
          correlationId: String(item.correlationId),
          data: parseDetail(item.detail),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  /** Every record of one incident, oldest first: one Query of its entity's partition (as `npm run trace` reads it). */
  incidentRecords(correlationId: string): Promise<EpisodicRecord[]> {
    return this.episodic.incidentRecords(traceEntityOf(correlationId), correlationId);
  }
}

function parseDetail(detail: unknown): Record<string, unknown> {
  if (typeof detail !== 'string') return {};
  try {
    const parsed = JSON.parse(detail) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
