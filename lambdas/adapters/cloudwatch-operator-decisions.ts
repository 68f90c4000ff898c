import { CloudWatchClient, paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { HourOfDecisions } from '../domain/operator/override-rate';

/**
 * The operator decisions the operator API recorded as metrics (Powertools EMF: `OperatorDecisions` and
 * `OperatorOverrides`, dimension `service`), read back from CloudWatch as hourly sums — the same series the
 * override-rate alarm watches.
 */
export class CloudWatchOperatorDecisions {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    private readonly service: string,
  ) {}

  /** The hours of `[start, end)` (epoch ms, on hour boundaries) in which operators decided anything. */
  async hourly(start: number, end: number): Promise<HourOfDecisions[]> {
    const query = (id: string, metricName: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: this.namespace,
          MetricName: metricName,
          Dimensions: [{ Name: 'service', Value: this.service }],
        },
        Period: 3600,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    const sums = { decisions: new Map<number, number>(), overrides: new Map<number, number>() };
    for await (const page of paginateGetMetricData(
      { client: this.client },
      {
        StartTime: new Date(start),
        EndTime: new Date(end),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [query('decisions', 'OperatorDecisions'), query('overrides', 'OperatorOverrides')],
      },
    )) {
      for (const result of page.MetricDataResults ?? []) {
        const series = result.Id === 'decisions' ? sums.decisions : sums.overrides;
        (result.Timestamps ?? []).forEach((timestamp, i) => {
          const at = timestamp.getTime();
          series.set(at, (series.get(at) ?? 0) + (result.Values?.[i] ?? 0));
        });
      }
    }
    return [...sums.decisions]
      .sort(([a], [b]) => a - b)
      .map(([at, decisions]) => ({
        start: new Date(at).toISOString(),
        decisions,
        overrides: sums.overrides.get(at) ?? 0,
      }));
  }
}
