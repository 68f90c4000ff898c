import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoBudgetLedger } from '../adapters/dynamodb-budget-ledger';
import { DynamoIncidentReader } from '../adapters/dynamodb-incident-reader';
import { DynamoWindowStore } from '../adapters/dynamodb-window-store';
import { jsonVariable, parseConfig, requiredText } from './shared/config';
import { governanceReader, governanceVariables } from './shared/governance';
import { createObservability, instrument } from './shared/observability';
import { operatorApi } from './operator-routes';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

const config = parseConfig(
  z.object({
    EPISODIC_TABLE_NAME: requiredText,
    SAGA_STATE_MACHINE_ARN: requiredText,
    BUDGETS_TABLE_NAME: requiredText,
    COUNTERS_TABLE_NAME: requiredText,
    /** The agents `GET /agents` lists, by service name (JSON array). */
    AGENT_NAMES: jsonVariable(z.array(z.string().min(1)).default([])),
    ...governanceVariables,
  }),
  process.env,
);

const app = operatorApi({
  incidents: new DynamoIncidentReader(config.EPISODIC_TABLE_NAME, dynamodb),
  sfn: tracer.captureAWSv3Client(new SFNClient({})),
  stateMachineArn: config.SAGA_STATE_MACHINE_ARN,
  governance: governanceReader(tracer, config),
  budgets: new DynamoBudgetLedger(config.BUDGETS_TABLE_NAME, dynamodb),
  windows: new DynamoWindowStore(config.COUNTERS_TABLE_NAME, dynamodb),
  agents: config.AGENT_NAMES,
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
