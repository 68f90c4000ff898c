import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoEpisodicStore } from '../../adapters/dynamodb-episodic-store';
import { RedactingEpisodicStore } from '../../adapters/redacting-stores';
import { TracedEpisodicStore } from '../../adapters/traced-episodic-store';
import type { EpisodicStore } from '../../domain/memory/episodic';
import type { Observability } from './observability';
import { redactorWith } from './redaction';

/**
 * Where a governance function files its decision-trace records (the policy agent's decisions, the approval
 * recorder's approvals): episodic memory, each record also X-Ray metadata, behind the redaction like every memory
 * write (`PiiRedacted` counts what it blanked).
 */
export function decisionTraceStore(
  tableName: string,
  redactionKey: string | undefined,
  { tracer, metrics }: Observability,
): EpisodicStore {
  return new RedactingEpisodicStore(
    new TracedEpisodicStore(
      new DynamoEpisodicStore(tableName, tracer.captureAWSv3Client(new DynamoDBClient({}))),
      tracer,
    ),
    redactorWith(redactionKey),
    (report) => metrics.addMetric('PiiRedacted', MetricUnit.Count, report.redactions.length),
  );
}
