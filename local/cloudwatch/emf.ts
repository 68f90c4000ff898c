import type { MetricIdentity } from './metric-store';

/** One metric sample read from an embedded metric format (EMF) record. */
export interface EmfSample {
  readonly metric: MetricIdentity;
  readonly value: number;
}

interface MetricDirective {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

/**
 * Reads the metric samples of one log line in CloudWatch's embedded metric format, as Powertools Metrics
 * writes it to stdout: `{"_aws":{"Timestamp":…,"CloudWatchMetrics":[{"Namespace","Dimensions":[[…]],
 * "Metrics":[{"Name","Unit"}]}]}, "<metric>": <value or array of values>, "<dimension>": "<value>", …}`.
 *
 * Each dimension set of a directive is its own metric (as CloudWatch extracts them); an array value is one sample
 * per element (Powertools collects repeated `addMetric` calls into one). A line that is not EMF yields nothing;
 * an EMF record whose dimension or value is missing is skipped with the reason in `rejected` (CloudWatch Logs
 * would keep the log line and extract no metric).
 *
 * Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function emfSamples(line: string, rejected?: (reason: string) => void): EmfSample[] {
  if (!line.includes('"_aws"')) return [];
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = record._aws as { CloudWatchMetrics?: unknown } | undefined;
  if (typeof aws !== 'object' || aws === null || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const samples: EmfSample[] = [];
  for (const directive of aws.CloudWatchMetrics as MetricDirective[]) {
    if (typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) {
      rejected?.('a CloudWatchMetrics directive without Namespace or Metrics');
      continue;
    }
    const sets = Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]) : [[]];
    for (const definition of directive.Metrics as { Name?: unknown }[]) {
      const name = definition.Name;
      if (typeof name !== 'string') continue;
      const raw = record[name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter(
        (v): v is number => typeof v === 'number' && Number.isFinite(v),
      );
      if (values.length === 0) {
        rejected?.(`metric ${name}: no numeric value in the record`);
        continue;
      }
      for (const set of sets) {
        const names = Array.isArray(set) ? (set as unknown[]).map(String) : [];
        const dimensions: Record<string, string> = {};
        const missing = names.filter((dimension) => typeof record[dimension] !== 'string');
        if (missing.length > 0) {
          rejected?.(`metric ${name}: dimension ${missing.join(', ')} has no string value in the record`);
          continue;
        }
        for (const dimension of names) dimensions[dimension] = record[dimension] as string;
        for (const value of values)
          samples.push({ metric: { namespace: directive.Namespace, metricName: name, dimensions }, value });
      }
    }
  }
  return samples;
}
