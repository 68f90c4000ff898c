import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { parseDetail } from '../domain/contracts/parse';
import { OutcomeLearner, type LearningResult } from '../domain/planning/learning';
import { memoryPorts, templateThreshold } from './shared/memory';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const ports = memoryPorts(tracer, (report) =>
  metrics.addMetric('PiiRedacted', MetricUnit.Count, report.redactions.length),
);
const learner = new OutcomeLearner(ports, { templateThreshold: templateThreshold() });

const learningInput = z.object({
  spike: z.unknown(),
  plan: z.unknown(),
  outcome: z.enum(['succeeded', 'compensated']),
  time: z.string().min(1),
  /** The fulfillment agent's answer (`reroute_complete` without its token), when the reroute ran. */
  reroute: z
    .object({
      fromWarehouseId: z.string(),
      reroutedCount: z.number(),
      totalCost: z.number(),
      destinations: z.array(z.object({ warehouseId: z.string() })),
      unassignedCount: z.number(),
    })
    .optional(),
  /** The saga's error (`Error`, `Cause`) when the remediation was compensated. */
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

/** The saga's Learn task: a remediation's outcome becomes (or reinforces, or weakens) a procedural template. */
export async function run(input: unknown): Promise<LearningResult> {
  const parsed = learningInput.parse(input);
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
    ...(parsed.reroute && {
      fulfillment: {
        fromWarehouseId: parsed.reroute.fromWarehouseId,
        reroutedCount: parsed.reroute.reroutedCount,
        totalCost: parsed.reroute.totalCost,
        toWarehouses: parsed.reroute.destinations.map((d) => d.warehouseId),
        unassignedCount: parsed.reroute.unassignedCount,
      },
    }),
  });
  logger.info('outcome learned', { outcome: parsed.outcome, template: result.template });
  return result;
}

export const handler = instrument(run, observability);
