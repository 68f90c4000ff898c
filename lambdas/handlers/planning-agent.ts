import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBudgetLedger } from '../adapters/dynamodb-budget-ledger';
import type { RemediationPlan } from '../domain/contracts/platform';
import { parseDetail } from '../domain/contracts/parse';
import { sources } from '../domain/contracts/registry';
import { budgetPolicyOf } from '../domain/governance/budget';
import { BudgetedReasoner } from '../domain/governance/budgeted-reasoner';
import { EscalationRequired } from '../domain/planning/errors';
import { RemediationPlanner } from '../domain/planning/planner';
import { parseConfig, requiredText } from './shared/config';
import { governanceReader, governanceVariables } from './shared/governance';
import type { RedactionListener } from '../adapters/redacting-stores';
import { memoryPorts, reasonerPort, reasoningMemoryConfig, REASONER_MAX_TOKENS } from './shared/memory';
import { MeteredReasoner } from './shared/model-metrics';
import { createObservability, eventPublisher, instrument } from './shared/observability';

const AGENT = 'planning-agent';
const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(
  reasoningMemoryConfig({
    BUDGETS_TABLE_NAME: requiredText,
    EVENT_BUS_NAME: requiredText,
    ...governanceVariables,
  }),
  process.env,
);
const governance = governanceReader(tracer, config);
const ledger = new DynamoBudgetLedger(
  config.BUDGETS_TABLE_NAME,
  tracer.captureAWSv3Client(new DynamoDBClient({})),
);
const publisher = eventPublisher(config.EVENT_BUS_NAME, observability);
const countRedactions: RedactionListener = (report) =>
  metrics.addMetric('PiiRedacted', MetricUnit.Count, report.redactions.length);
const planner = new RemediationPlanner(
  {
    ...memoryPorts(tracer, config, countRedactions),
    reasoner: reasonerPort(
      tracer,
      config,
      countRedactions,
      // The inference firewall's cost ceiling: each call reserved on the agent's budget ledger, at the ceiling and
      // price the governance configuration sets now; past it, budget_exceeded and the rule planner instead.
      (reasoner, modelId) =>
        new MeteredReasoner(
          new BudgetedReasoner(reasoner, {
            agent: AGENT,
            ledger,
            policy: async () => budgetPolicyOf(await governance(), AGENT, modelId),
            maxOutputTokens: REASONER_MAX_TOKENS,
            now: Date.now,
            onExceeded: async (state, requestedMicroUsd, request) => {
              metrics.addMetric('BudgetExceeded', MetricUnit.Count, 1);
              await publisher.publish([
                {
                  source: sources.governance,
                  detailType: 'budget_exceeded',
                  detail: parseDetail('budget_exceeded', {
                    schemaVersion: 1,
                    correlationId: request.incident.correlationId,
                    agent: AGENT,
                    modelId,
                    period: state.period,
                    spentMicroUsd: state.spentMicroUsd,
                    ceilingMicroUsd: state.ceilingMicroUsd,
                    requestedMicroUsd,
                    fallback: 'rule',
                  }),
                },
              ]);
            },
          }),
          metrics,
        ),
    ),
  },
  { templateThreshold: config.TEMPLATE_SIMILARITY_THRESHOLD },
);

/**
 * The saga's Plan task: `{ spike, executionId }` in, a validated plan out. An incident no plan fits throws
 * EscalationRequired, which the saga catches by name.
 */
export async function run(input: { spike?: unknown; executionId?: string }): Promise<RemediationPlan> {
  const spike = parseDetail('order_cancellation_spike', input.spike);
  const result = await planner.plan({
    spike,
    ...(input.executionId === undefined ? {} : { executionId: input.executionId }),
  });
  if (result.status === 'escalated') {
    metrics.addMetric('PlanningEscalations', MetricUnit.Count, 1);
    throw new EscalationRequired(result.escalation);
  }
  const plan = parseDetail('remediation_planned', result.plan);
  metrics.addMetric(plan.planner === 'template' ? 'TemplateReuses' : 'ReasonerPlans', MetricUnit.Count, 1);
  logger.info('plan ready', {
    correlationId: plan.correlationId,
    planner: plan.planner,
    tasks: plan.tasks.length,
  });
  return plan;
}

export const handler = instrument(run, observability);
