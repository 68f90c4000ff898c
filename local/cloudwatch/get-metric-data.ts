import { compileExpression } from './metric-math';
import { isStatistic, type MetricStore } from './metric-store';

/** A refusal CloudWatch would answer (400 with this type). */
class InvalidParameterValue extends Error {
  override readonly name = 'InvalidParameterValueException';
}

interface MetricDataQueryInput {
  Id?: unknown;
  MetricStat?: {
    Metric?: {
      Namespace?: unknown;
      MetricName?: unknown;
      Dimensions?: { Name?: unknown; Value?: unknown }[];
    };
    Period?: unknown;
    Stat?: unknown;
  };
  Expression?: unknown;
  Label?: unknown;
  ReturnData?: unknown;
}

/** The most datapoints one answer holds (CloudWatch pages beyond 100,800; the sandbox refuses instead). */
const MAX_DATAPOINTS = 100_800;

/**
 * CloudWatch's GetMetricData over the sandbox's metric store (AWS JSON 1.0, timestamps in epoch seconds):
 * `MetricStat` queries (standard resolution: periods in whole minutes; the statistics the store keeps) and metric
 * math `Expression`s over them (what metric-math.ts evaluates), each period aligned to a multiple of itself, in
 * `ScanBy` order (newest first by default). A period without datapoints is left out, as CloudWatch leaves it out.
 * The store keeps what the alarms look back over, and at least a day: older periods answer nothing.
 */
export function getMetricData(store: MetricStore, body: Record<string, unknown>): Record<string, unknown> {
  const start = Number(body.StartTime) * 1000;
  const end = Number(body.EndTime) * 1000;
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
    throw new InvalidParameterValue('StartTime must be before EndTime');
  }
  const queries = (
    Array.isArray(body.MetricDataQueries) ? body.MetricDataQueries : []
  ) as MetricDataQueryInput[];
  if (queries.length === 0 || queries.length > 500) {
    throw new InvalidParameterValue('MetricDataQueries must hold 1 to 500 queries');
  }
  const stats = new Map<string, { period: number; value: (at: number) => number | undefined }>();
  for (const query of queries) {
    const id = typeof query.Id === 'string' ? query.Id : '';
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw new InvalidParameterValue(
        `MetricDataQueries.Id "${id}": a lowercase letter, then letters, digits, _`,
      );
    }
    if (query.MetricStat === undefined) continue;
    const { Metric: metric = {}, Period: period, Stat: stat } = query.MetricStat;
    const periodMs = Number(period) * 1000;
    if (!Number.isInteger(Number(period)) || periodMs <= 0 || periodMs % 60_000 !== 0) {
      throw new InvalidParameterValue(
        `MetricDataQueries.${id}.MetricStat.Period: whole minutes, got ${String(period)}`,
      );
    }
    const statistic = String(stat);
    if (!isStatistic(statistic)) {
      throw new InvalidParameterValue(
        `MetricDataQueries.${id}.MetricStat.Stat: the sandbox keeps no ${statistic}`,
      );
    }
    const identity = {
      namespace: String(metric.Namespace),
      metricName: String(metric.MetricName),
      dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)])),
    };
    stats.set(id, { period: periodMs, value: (at) => store.statistic(identity, statistic, at, periodMs) });
  }
  const results = queries
    .filter((query) => query.ReturnData !== false)
    .map((query) => {
      const id = String(query.Id);
      let period: number;
      let value: (at: number) => number | undefined;
      const stat = stats.get(id);
      if (stat !== undefined) {
        ({ period, value } = stat);
      } else if (typeof query.Expression === 'string') {
        const expression = compileExpression(query.Expression);
        const inputs = expression.ids.map((name) => {
          const input = stats.get(name);
          if (input === undefined) {
            throw new InvalidParameterValue(
              `Expression of ${id} names ${name}, which is no MetricStat query`,
            );
          }
          return input;
        });
        period = inputs[0]?.period ?? 60_000;
        value = (at) => expression.evaluate((name) => stats.get(name)?.value(at));
      } else {
        throw new InvalidParameterValue(`MetricDataQueries.${id}: a MetricStat or an Expression`);
      }
      if ((end - start) / period > MAX_DATAPOINTS) {
        throw new InvalidParameterValue(`${id}: more than ${MAX_DATAPOINTS} datapoints`);
      }
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let at = Math.floor(start / period) * period; at < end; at += period) {
        const datapoint = value(at);
        if (datapoint === undefined) continue;
        timestamps.push(at / 1000);
        values.push(datapoint);
      }
      if (body.ScanBy !== 'TimestampAscending') {
        timestamps.reverse();
        values.reverse();
      }
      return {
        Id: id,
        Label: typeof query.Label === 'string' ? query.Label : id,
        Timestamps: timestamps,
        Values: values,
        StatusCode: 'Complete',
      };
    });
  return { MetricDataResults: results, Messages: [] };
}
