import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { traceEntityOf } from '../domain/memory/decision-trace';
import type { EpisodicRecord } from '../domain/memory/episodic';
import { incidentKeyParts } from '../domain/monitoring/incidents';
import { INCIDENT_OPENING_KINDS } from '../domain/operator/incidents';
import { DynamoEpisodicStore, INCIDENT_LISTING } from './dynamodb-episodic-store';

const DAY_MS = 86_400_000;
/** Listing records read per incident asked for (a plan or escalation, and an outcome), per page. */
const RECORDS_PER_INCIDENT = 3;

/**
 * Incidents in episodic memory, for the operator API: the records that list the newest incidents (plans,
 * escalations, outcomes) and one incident's whole decision trace.
 *
 * The listing Queries the sparse `incidents` index (lib/memory.ts) newest first and stops once it holds the
 * `limit` newest incidents: it reads a few records per incident listed, however large the table grows (the
 * console polls it every 10 s).
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

  /**
   * The listing records of the `limit` most recently opened incidents: read newest first until `limit` incidents
   * have their opening record (and the records of the same instant, so ties are complete); an outcome of an
   * older incident read on the way is left out.
   */
  async listingRecords(limit: number): Promise<EpisodicRecord[]> {
    const byIncident = new Map<string, EpisodicRecord[]>();
    const opened = new Set<string>();
    let oldestWanted: string | undefined;
    const pages = paginateQuery(
      { client: this.doc, pageSize: Math.min(1000, limit * RECORDS_PER_INCIDENT) },
      {
        TableName: this.tableName,
        IndexName: 'incidents',
        KeyConditionExpression: 'listing = :listing',
        ExpressionAttributeValues: { ':listing': INCIDENT_LISTING },
        ScanIndexForward: false,
      },
    );
    reading: for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        const record: EpisodicRecord = {
          entity: String(item.pk),
          time: sk.slice(0, sk.indexOf('#')),
          kind: String(item.kind),
          correlationId: String(item.correlationId),
          data: parseDetail(item.detail),
        };
        if (oldestWanted !== undefined && record.time < oldestWanted) break reading;
        const records = byIncident.get(record.correlationId) ?? [];
        records.push(record);
        byIncident.set(record.correlationId, records);
        if (INCIDENT_OPENING_KINDS.includes(record.kind)) {
          opened.add(record.correlationId);
          if (opened.size >= limit) oldestWanted ??= record.time;
        }
      }
    }
    return [...byIncident].filter(([id]) => opened.has(id)).flatMap(([, records]) => records);
  }

  /**
   * Every record of one incident, oldest first: one Query of its entity's partition (as `npm run trace` reads it),
   * from a day before the incident's first window — nothing of an incident is recorded before it opens, and the
   * partition keeps 400 days of the entity's other incidents, which the console's reads of a trace (every 10 s,
   * for each incident awaiting an approval) need not page through. A correlation id that is not an incident key
   * is read whole.
   */
  incidentRecords(correlationId: string): Promise<EpisodicRecord[]> {
    const opened = incidentKeyParts(correlationId);
    const since =
      opened === undefined ? undefined : new Date(Date.parse(opened.windowStart) - DAY_MS).toISOString();
    return this.episodic.incidentRecords(traceEntityOf(correlationId), correlationId, since);
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
