import { performance } from 'node:perf_hooks';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoOrderBook } from '../adapters/dynamodb-order-book';
import { GovernanceConfiguration } from '../adapters/governance-configuration';
import type { PolicyDecisionEvent } from '../domain/contracts/governance';
import { parseDetail } from '../domain/contracts/parse';
import { sources } from '../domain/contracts/registry';
import { BUILT_IN_RULES, decidePolicy, type PolicyDecision } from '../domain/governance/policy-decision';
import { parsePolicyRequest } from '../domain/governance/policy-request';
import { policyDecisionRecord } from '../domain/memory/decision-trace';
import { impactOf, stakeQuery } from '../domain/governance/value-at-stake';
import { parseConfig, requiredText } from './shared/config';
import { governanceDocuments, governanceVariables } from './shared/governance';
import { createObservability, eventPublisher, instrument } from './shared/observability';
import { decisionTraceStore } from './shared/decision-trace-store';
import { redactionVariables } from './shared/redaction';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(
  z.object({
    ORDERS_TABLE_NAME: requiredText,
    EVENT_BUS_NAME: requiredText,
    EPISODIC_TABLE_NAME: requiredText,
    ...governanceVariables,
    ...redactionVariables,
  }),
  process.env,
);

const governance = new GovernanceConfiguration(governanceDocuments(tracer, config));
const orders = new DynamoOrderBook(
  config.ORDERS_TABLE_NAME,
  tracer.captureAWSv3Client(new DynamoDBClient({})),
);
const publisher = eventPublisher(config.EVENT_BUS_NAME, observability);
// The decision trace: every decision is also an episodic record of the incident's entity.
const episodic = decisionTraceStore(config.EPISODIC_TABLE_NAME, config.REDACTION_KEY, observability);

/**
 * What the saga gets back: the decision (`allow`, `deny`, `require_approval` with its escalation chain, or
 * `suggest`), the policies that determined it and why, and what the `policy_decision` event recorded.
 */
export type PolicyDecisionResult = PolicyDecision & {
  readonly decisionId: string;
  readonly correlationId: string;
  readonly planId?: string;
  readonly taskId: string;
  readonly configurationVersion: string;
  readonly latencyMs: { readonly evaluation: number; readonly total: number };
};

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * The policy information point: a request without `impact` (the saga sends the plan's task as it is) gets the
 * open orders the task moves or notifies, and their totals, from the order book. A task that touches no existing
 * order has nothing at stake. Anything else about the request is left for the parser to judge.
 */
async function withImpact(input: unknown): Promise<unknown> {
  if (typeof input !== 'object' || input === null || 'impact' in input) return input;
  const task = (input as { task?: { taskType?: unknown; parameters?: unknown } }).task;
  const parameters = task?.parameters;
  const query =
    typeof task?.taskType === 'string' && typeof parameters === 'object' && parameters !== null
      ? stakeQuery(task.taskType, parameters as Record<string, unknown>)
      : undefined;
  const impact = query
    ? impactOf(
        query,
        await Promise.all(query.warehouseIds.map((id) => orders.openValueByRegion(id, query.since))),
      )
    : { valueAtStakeCents: 0, orders: 0 };
  return { ...input, impact };
}

/**
 * The policy decision point, invoked synchronously by the saga before each task (`lambda:invoke`): parses the
 * request (PolicyRequestInvalid names the field), reads the governance configuration from AppConfig (cached for
 * `maxAge`; policies parsed once per version), decides, emits `policy_decision`, returns the decision.
 */
export async function run(
  input: unknown,
  context: Pick<Context, 'awsRequestId'>,
): Promise<PolicyDecisionResult> {
  const started = performance.now();
  const request = parsePolicyRequest(await withImpact(input));
  const snapshot = await governance.load();
  if (snapshot.reloaded) {
    logger.info('governance configuration loaded', { version: snapshot.version });
    metrics.addMetric('GovernanceConfigurationLoads', MetricUnit.Count, 1);
  }
  const evaluationStarted = performance.now();
  const decision = decidePolicy(request, snapshot.config, snapshot.engine);
  const finished = performance.now();
  const latencyMs = { evaluation: round(finished - evaluationStarted), total: round(finished - started) };

  const detail: PolicyDecisionEvent = parseDetail('policy_decision', {
    schemaVersion: 1,
    correlationId: request.correlationId,
    decisionId: context.awsRequestId,
    ...(request.planId === undefined ? {} : { planId: request.planId }),
    taskId: request.taskId,
    decision: decision.decision,
    policyOutcome: decision.policyOutcome,
    principal: decision.principal,
    action: decision.action,
    resource: decision.resource,
    context: decision.context,
    determiningPolicies: decision.determiningPolicies,
    reasons: decision.reasons,
    errors: decision.errors,
    configurationVersion: snapshot.version,
    latencyMs,
  });
  const blocked = decision.determiningPolicies.includes(BUILT_IN_RULES.blockedAction);
  await publisher.publish([
    { source: sources.governance, detailType: 'policy_decision', detail },
    // A blocked action is also its own fact: operators watch for it, whatever else the decision said.
    ...(blocked
      ? [
          {
            source: sources.governance,
            detailType: 'action_blocked' as const,
            detail: parseDetail('action_blocked', {
              schemaVersion: 1,
              correlationId: request.correlationId,
              ...(request.planId === undefined ? {} : { planId: request.planId }),
              taskId: request.taskId,
              agent: decision.principal.id,
              taskType: decision.action.id,
              resource: decision.resource,
              decisionId: context.awsRequestId,
              configurationVersion: snapshot.version,
            }),
          },
        ]
      : []),
  ]);
  if (blocked) metrics.addMetric('ActionsBlocked', MetricUnit.Count, 1);
  await episodic.record(policyDecisionRecord(detail, request.requestedAt ?? new Date().toISOString()));

  const byDecision = metrics.singleMetric();
  byDecision.addDimension('decision', decision.decision);
  byDecision.addMetric('PolicyDecisions', MetricUnit.Count, 1);
  // Denials on their own (service dimension only), for the denial-surge alarm.
  if (decision.decision === 'deny') metrics.addMetric('PolicyDenials', MetricUnit.Count, 1);
  metrics.addMetric('PolicyEvaluationLatency', MetricUnit.Milliseconds, latencyMs.evaluation);
  logger.info('policy decision', {
    correlationId: request.correlationId,
    taskId: request.taskId,
    decision: decision.decision,
    determiningPolicies: decision.determiningPolicies,
    latencyMs,
  });
  return {
    ...decision,
    decisionId: context.awsRequestId,
    correlationId: request.correlationId,
    ...(request.planId === undefined ? {} : { planId: request.planId }),
    taskId: request.taskId,
    configurationVersion: snapshot.version,
    latencyMs,
  };
}

export const handler = instrument(run, observability);
