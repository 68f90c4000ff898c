import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from 'aws-lambda';
import { z } from 'zod';
import { CloudWatchOperatorDecisions } from '../adapters/cloudwatch-operator-decisions';
import { DynamoBudgetLedger } from '../adapters/dynamodb-budget-ledger';
import { DynamoIncidentReader } from '../adapters/dynamodb-incident-reader';
import { DynamoWindowStore } from '../adapters/dynamodb-window-store';
import { jsonVariable, numberOr, parseConfig, requiredText } from './shared/config';
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
    /** Where this function's metrics go (Powertools): the override rate is read back from there. */
    POWERTOOLS_METRICS_NAMESPACE: requiredText,
    POWERTOOLS_SERVICE_NAME: requiredText,
    /** The override-rate alarm's threshold, shown beside the rate. */
    OVERRIDE_RATE_THRESHOLD: numberOr(0.25, z.number().gt(0).lte(1)),
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
  decisions: new CloudWatchOperatorDecisions(
    tracer.captureAWSv3Client(new CloudWatchClient({})),
    config.POWERTOOLS_METRICS_NAMESPACE,
    config.POWERTOOLS_SERVICE_NAME,
  ),
  overrideRateThreshold: config.OVERRIDE_RATE_THRESHOLD,
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
