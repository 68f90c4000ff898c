import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoEpisodicStore } from '../lambdas/adapters/dynamodb-episodic-store';
import { traceEntityOf } from '../lambdas/domain/memory/decision-trace';
import type { EpisodicRecord } from '../lambdas/domain/memory/episodic';
import { formatDecisionTrace, type TraceReportOptions } from '../lambdas/domain/memory/trace-report';

export interface DecisionTraceQuery {
  /** The incident, e.g. `warehouse#WH-NYC#2026-11-20T10:35:00Z`. */
  readonly correlationId: string;
  /** The episodic memory table (the stack's `EpisodicTableName` output). */
  readonly table: string;
  /** @default - from the correlation id (`warehouse#WH-NYC` for `warehouse#WH-NYC#<time>`): see traceEntityOf */
  readonly entity?: string;
  /** Read the entity's records from this time on (ISO 8601). @default - all of them */
  readonly since?: string;
}

/**
 * The incident's records in episodic memory: one Query of its entity's partition, filtered to its correlation
 * id (DynamoDB on AWS, or the sandbox's dynalite — the same calls).
 */
async function readDecisionTrace(
  client: DynamoDBClient,
  query: DecisionTraceQuery,
): Promise<EpisodicRecord[]> {
  const entity = query.entity ?? traceEntityOf(query.correlationId);
  return new DynamoEpisodicStore(query.table, client).incidentRecords(
    entity,
    query.correlationId,
    query.since,
  );
}

/** The decision trace of an incident as report lines. */
export async function decisionTraceReport(
  client: DynamoDBClient,
  query: DecisionTraceQuery,
  options?: TraceReportOptions,
): Promise<string[]> {
  return formatDecisionTrace(query.correlationId, await readDecisionTrace(client, query), options);
}
