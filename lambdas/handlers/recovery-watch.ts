import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoWindowStore } from '../adapters/dynamodb-window-store';
import { RATIO_BACK_TO_BASELINE } from '../domain/operator/kpis';
import { measureRecovery, type RecoveryReport } from '../domain/operator/recovery';
import { jsonVariable, parseConfig, requiredText } from './shared/config';
import { detectorConfigVariable } from './shared/detector-config';
import { createObservability, instrument } from './shared/observability';

const observability = createObservability();
const { logger, tracer, metrics } = observability;
const config = parseConfig(
  z.object({
    COUNTERS_TABLE_NAME: requiredText,
    DETECTOR_CONFIG: jsonVariable(detectorConfigVariable),
  }),
  process.env,
);
const { windowMinutes } = config.DETECTOR_CONFIG;
// The hour's order ids are read with a Query: the only call this function may make.
const store = new DynamoWindowStore(
  config.COUNTERS_TABLE_NAME,
  tracer.captureAWSv3Client(new DynamoDBClient({})),
);

/** What the saga hands the recovery watch once it has remediated an incident (its WatchRecovery state). */
const recoveryInput = z.object({
  correlationId: z.string().min(1),
  scope: z.object({ type: z.enum(['warehouse', 'region']), id: z.string().min(1) }),
  baselineRatio: z.number().min(0).max(1),
  /** When the remediation ended: the hour after it is measured. */
  resolvedAt: z.iso.datetime({ offset: true }),
});

/**
 * The recovery watch's measurement, an hour after a remediation: the scope's cancellation ratio over that hour
 * (the monitoring agent's window counters) against the incident's baseline. It reports the monitoring agent's KPI,
 * ratio back to baseline, as the metric the stack alarms on.
 */
export async function run(input: unknown): Promise<RecoveryReport> {
  const parsed = recoveryInput.parse(input);
  const report = await measureRecovery(
    store,
    {
      correlationId: parsed.correlationId,
      scope: parsed.scope,
      baselineRatio: parsed.baselineRatio,
      resolvedAtMs: Date.parse(parsed.resolvedAt),
    },
    windowMinutes,
  );
  const { measurement } = report;
  if (measurement) {
    metrics.addMetric(RATIO_BACK_TO_BASELINE.metric.name, MetricUnit.NoUnit, measurement.multipleOfBaseline);
    metrics.addMetadata('correlationId', parsed.correlationId);
  }
  logger.info(measurement ? 'recovery measured' : 'no orders in the hour after resolution', { ...report });
  return report;
}

export const handler = instrument(run, observability);
