import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from 'aws-lambda';
import { DynamoBudgetLedger } from '../adapters/dynamodb-budget-ledger';
import { DynamoIncidentReader } from '../adapters/dynamodb-incident-reader';
import { DynamoWindowStore } from '../adapters/dynamodb-window-store';
import { ConfigurationError, jsonEnv, requireEnv } from './shared/environment';
import { governanceReader } from './shared/governance';
import { createObservability, instrument } from './shared/observability';
import { operatorApi } from './operator-routes';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

const agents = jsonEnv('AGENT_NAMES', []);
if (!Array.isArray(agents) || !agents.every((name) => typeof name === 'string')) {
  throw new ConfigurationError('environment variable AGENT_NAMES must be a JSON array of service names');
}

const app = operatorApi({
  incidents: new DynamoIncidentReader(requireEnv('EPISODIC_TABLE_NAME'), dynamodb),
  sfn: tracer.captureAWSv3Client(new SFNClient({})),
  stateMachineArn: requireEnv('SAGA_STATE_MACHINE_ARN'),
  governance: governanceReader(tracer),
  budgets: new DynamoBudgetLedger(requireEnv('BUDGETS_TABLE_NAME'), dynamodb),
  windows: new DynamoWindowStore(requireEnv('COUNTERS_TABLE_NAME'), dynamodb),
  agents,
  logger,
  // Change management: the override rate is OperatorOverrides / OperatorDecisions (an alarm watches it).
  onApprovalAnswered: (approved) => {
    metrics.addMetric('OperatorDecisions', MetricUnit.Count, 1);
    if (!approved) metrics.addMetric('OperatorOverrides', MetricUnit.Count, 1);
  },
});

/** The operator HTTP API (API Gateway HTTP API, payload format 2.0, every route IAM-authorized). */
export const run = (event: APIGatewayProxyEventV2WithIAMAuthorizer, context: Context) =>
  app.resolve(event, context);

export const handler = instrument(run, observability);
