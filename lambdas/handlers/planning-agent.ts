import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoEpisodicStore } from '../adapters/dynamodb-episodic-store';
import type { RemediationPlan } from '../domain/contracts/platform';
import { parseDetail } from '../domain/contracts/parse';
import { outcomeEvidence } from '../domain/planning/evidence';
import { planRemediation } from '../domain/planning/plan';
import { requireEnv } from './shared/environment';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer } = observability;
const episodic = new DynamoEpisodicStore(
  requireEnv('EPISODIC_TABLE_NAME'),
  tracer.captureAWSv3Client(new DynamoDBClient({})),
);

const HISTORY_DAYS = 30;

/** The saga's Plan task: `{ spike, spikeEventId, executionId }` in, a validated plan out. */
export async function run(input: { spike?: unknown; executionId?: string }): Promise<RemediationPlan> {
  const spike = parseDetail('order_cancellation_spike', input.spike);
  const entity = `${spike.scope.type}#${spike.scope.id}`;
  const to = spike.window.end;
  const from = new Date(Date.parse(to) - HISTORY_DAYS * 86_400_000).toISOString();
  const history = await episodic.history(entity, from, to);

  const draft = planRemediation(spike);
  const plan = parseDetail('remediation_planned', {
    ...draft,
    evidence: [...draft.evidence, outcomeEvidence(entity, history, HISTORY_DAYS)],
  });
  await episodic.record({
    entity,
    time: spike.window.end,
    kind: 'plan',
    correlationId: plan.correlationId,
    data: {
      planId: plan.planId,
      planner: plan.planner,
      tasks: plan.tasks.map((t) => t.taskType),
      executionId: input.executionId,
    },
  });
  logger.info('plan ready', {
    correlationId: plan.correlationId,
    planId: plan.planId,
    tasks: plan.tasks.length,
  });
  return plan;
}

export const handler = instrument(run, observability);
