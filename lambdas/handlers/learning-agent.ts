import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { parseDetail } from '../domain/contracts/parse';
import { resolutionSeconds, TIME_TO_RESOLUTION } from '../domain/operator/kpis';
import { OutcomeLearner, type FulfillmentFacts, type LearningResult } from '../domain/planning/learning';
import { MAX_PLAN_TASKS } from '../domain/planning/task-catalog';
import { parseConfig } from './shared/config';
import { memoryConfig, memoryPorts } from './shared/memory';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(memoryConfig({}), process.env);
const ports = memoryPorts(tracer, config, (report) =>
  metrics.addMetric('PiiRedacted', MetricUnit.Count, report.redactions.length),
);
const learner = new OutcomeLearner(ports, { templateThreshold: config.TEMPLATE_SIMILARITY_THRESHOLD });

const learningInput = z.object({
  spike: z.unknown(),
  plan: z.unknown(),
  outcome: z.enum(['succeeded', 'compensated']),
  time: z.string().min(1),
  /** The spike event's time: a remediation that succeeded reports its time to resolution (a KPI) from it. */
  spikeAt: z.iso.datetime({ offset: true }).optional(),
  /** The agents' answers to the plan's tasks, as the saga stacks them (newest first), when the plan ran. */
  answers: z.unknown().optional(),
  /** The saga's error (`Error`, `Cause`) when the remediation was compensated. */
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

/** What the saga pushes on its answers stack after each task: `{}` is the empty stack. */
const answerFrame = z.object({ taskType: z.string(), answer: z.unknown(), previous: z.unknown() });

/** A reroute's or rebalance's answer (`reroute_complete`, `region_rebalanced` without their tokens). */
const movedOrders = z.object({
  fromWarehouseId: z.string().optional(),
  fromWarehouseIds: z.array(z.string()).optional(),
  reroutedCount: z.number(),
  totalCost: z.number(),
  destinations: z.array(z.object({ warehouseId: z.string() })),
  unassignedCount: z.number(),
});

/** The saga's answers stack, oldest task first; bounded by the plan's length, so a cycle cannot loop. */
function answersInOrder(stack: unknown): { taskType: string; answer: unknown }[] {
  const answers: { taskType: string; answer: unknown }[] = [];
  for (let frame = stack; answers.length <= MAX_PLAN_TASKS;) {
    const parsed = answerFrame.safeParse(frame);
    if (!parsed.success) break;
    answers.unshift({ taskType: parsed.data.taskType, answer: parsed.data.answer });
    frame = parsed.data.previous;
  }
  return answers;
}

/** What fulfillment did, from the first task that moved orders (reroute or rebalance). */
function fulfillmentFacts(stack: unknown): FulfillmentFacts | undefined {
  const moved = answersInOrder(stack).find(
    (a) => a.taskType === 'reroute_orders' || a.taskType === 'rebalance_region',
  );
  if (moved === undefined) return undefined;
  const facts = movedOrders.parse(moved.answer);
  return {
    fromWarehouseId: facts.fromWarehouseId ?? (facts.fromWarehouseIds ?? []).join(','),
    reroutedCount: facts.reroutedCount,
    totalCost: facts.totalCost,
    toWarehouses: facts.destinations.map((d) => d.warehouseId),
    unassignedCount: facts.unassignedCount,
  };
}

/** The saga's Learn task: a remediation's outcome becomes (or reinforces, or weakens) a procedural template. */
export async function run(input: unknown): Promise<LearningResult> {
  const parsed = learningInput.parse(input);
  const fulfillment = fulfillmentFacts(parsed.answers);
  const result = await learner.learn({
    spike: parseDetail('order_cancellation_spike', parsed.spike),
    plan: parseDetail('remediation_planned', parsed.plan),
    outcome: parsed.outcome,
    time: parsed.time,
    ...(parsed.failure && {
      failure: {
        ...(parsed.failure.Error === undefined ? {} : { error: parsed.failure.Error }),
        ...(parsed.failure.Cause === undefined ? {} : { cause: parsed.failure.Cause.slice(0, 1000) }),
      },
    }),
    ...(fulfillment && { fulfillment }),
  });
  const seconds = resolutionSeconds(parsed.spikeAt, parsed.time);
  if (parsed.outcome === 'succeeded' && seconds !== undefined) {
    metrics.addMetric(TIME_TO_RESOLUTION.metric.name, MetricUnit.Seconds, seconds);
  }
  logger.info('outcome learned', { outcome: parsed.outcome, template: result.template });
  return result;
}

export const handler = instrument(run, observability);
