/**
 * The sandbox's CloudWatch metric store: datapoints at standard resolution (one-minute buckets), keyed by
 * namespace, metric name and dimensions, on the virtual clock. Only aggregates are kept per bucket (sum,
 * count, minimum, maximum), which is all the statistics an alarm can ask for here need, so a long replay costs
 * a few numbers per metric and minute; buckets older than the alarms look back are pruned.
 */

/** A metric as CloudWatch names it: a different set of dimensions is a different metric. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The statistics the sandbox computes (percentiles and trimmed means are not kept). */
const STATISTICS = ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] as const;
export type Statistic = (typeof STATISTICS)[number];

export function isStatistic(value: string): value is Statistic {
  return (STATISTICS as readonly string[]).includes(value);
}

interface Aggregate {
  sum: number;
  count: number;
  min: number;
  max: number;
}

const MINUTE = 60_000;

/** The canonical key of a metric: dimensions sorted by name, so their order never makes two metrics. */
function metricKey(metric: MetricIdentity): string {
  const dimensions = Object.entries(metric.dimensions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return `${metric.namespace}|${metric.metricName}|${dimensions}`;
}

export class MetricStore {
  private readonly series = new Map<string, Map<number, Aggregate>>();
  /** Every metric ever put (pruning drops samples, not names): as few as the metrics the functions emit. */
  private readonly known = new Set<string>();

  /** Records one sample at `time` (ms, virtual). */
  put(metric: MetricIdentity, value: number, time: number): void {
    if (!Number.isFinite(value)) return;
    const key = metricKey(metric);
    this.known.add(key);
    let buckets = this.series.get(key);
    if (!buckets) {
      buckets = new Map();
      this.series.set(key, buckets);
    }
    const minute = Math.floor(time / MINUTE) * MINUTE;
    const bucket = buckets.get(minute);
    if (!bucket) buckets.set(minute, { sum: value, count: 1, min: value, max: value });
    else {
      bucket.sum += value;
      bucket.count++;
      if (value < bucket.min) bucket.min = value;
      if (value > bucket.max) bucket.max = value;
    }
  }

  /**
   * The statistic over `[start, start + periodMs)`, or undefined when the metric has no sample there (a
   * missing datapoint, which is not the same as 0).
   */
  statistic(
    metric: MetricIdentity,
    statistic: Statistic,
    start: number,
    periodMs: number,
  ): number | undefined {
    const buckets = this.series.get(metricKey(metric));
    if (!buckets) return undefined;
    let total: Aggregate | undefined;
    for (let minute = start; minute < start + periodMs; minute += MINUTE) {
      const bucket = buckets.get(minute);
      if (!bucket) continue;
      if (!total) total = { ...bucket };
      else {
        total.sum += bucket.sum;
        total.count += bucket.count;
        total.min = Math.min(total.min, bucket.min);
        total.max = Math.max(total.max, bucket.max);
      }
    }
    if (!total) return undefined;
    switch (statistic) {
      case 'Sum':
        return total.sum;
      case 'Average':
        return total.sum / total.count;
      case 'Maximum':
        return total.max;
      case 'Minimum':
        return total.min;
      case 'SampleCount':
        return total.count;
    }
  }

  /** Every metric that ever had a sample, for reports (e.g. `ProactiveAgents|ModelThrottles|service=planning-agent`). */
  keys(): string[] {
    return [...this.known];
  }

  /** Drops buckets that start before `time`: nothing evaluates them any more. */
  prune(time: number): void {
    for (const [key, buckets] of this.series) {
      for (const minute of buckets.keys()) if (minute < time) buckets.delete(minute);
      if (buckets.size === 0) this.series.delete(key);
    }
  }
}
