import { getMetricData } from '../../local/cloudwatch/get-metric-data';
import { MetricStore } from '../../local/cloudwatch/metric-store';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const MIN = 60_000;
const decisions = {
  namespace: 'ProactiveAgents',
  metricName: 'OperatorDecisions',
  dimensions: { service: 'operator-api' },
};
const overrides = { ...decisions, metricName: 'OperatorOverrides' };
const seconds = (ms: number) => ms / 1000;

/** Hourly sums, as the operator API asks for them. */
const stat = (id: string, metricName: string, period = 3600, extra: Record<string, unknown> = {}) => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: 'ProactiveAgents',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'operator-api' }],
    },
    Period: period,
    Stat: 'Sum',
  },
  ...extra,
});

describe("the sandbox's GetMetricData (CloudWatch over the metric store)", () => {
  const store = new MetricStore();
  // 10:05 two decisions (one override), 10:59 one, 12:30 one override; another service's decision at 10:10.
  store.put(decisions, 1, T0 + 5 * MIN);
  store.put(decisions, 1, T0 + 5 * MIN);
  store.put(overrides, 1, T0 + 5 * MIN);
  store.put(decisions, 1, T0 + 59 * MIN);
  store.put(decisions, 1, T0 + 150 * MIN);
  store.put(overrides, 1, T0 + 150 * MIN);
  store.put({ ...decisions, dimensions: { service: 'other' } }, 1, T0 + 10 * MIN);

  it('sums each period aligned to itself, leaves periods without datapoints out, newest first by default', () => {
    const answer = getMetricData(store, {
      StartTime: seconds(T0 + 30 * MIN),
      EndTime: seconds(T0 + 4 * 60 * MIN),
      MetricDataQueries: [stat('decisions', 'OperatorDecisions')],
    });

    expect(answer).toEqual({
      MetricDataResults: [
        {
          Id: 'decisions',
          Label: 'decisions',
          Timestamps: [seconds(T0 + 120 * MIN), seconds(T0)],
          Values: [1, 3],
          StatusCode: 'Complete',
        },
      ],
      Messages: [],
    });
  });

  it('evaluates metric math over the queries, and returns only what ReturnData asks for, oldest first', () => {
    const answer = getMetricData(store, {
      StartTime: seconds(T0),
      EndTime: seconds(T0 + 3 * 60 * MIN),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('d', 'OperatorDecisions', 3600, { ReturnData: false }),
        stat('o', 'OperatorOverrides', 3600, { ReturnData: false }),
        { Id: 'rate', Expression: 'FILL(o, 0) / d', Label: 'Override rate' },
      ],
    });

    expect(answer.MetricDataResults).toEqual([
      {
        Id: 'rate',
        Label: 'Override rate',
        Timestamps: [seconds(T0), seconds(T0 + 120 * MIN)],
        Values: [1 / 3, 1],
        StatusCode: 'Complete',
      },
    ]);
  });

  it('refuses what CloudWatch refuses, naming the part of the request', () => {
    const ask = (body: Record<string, unknown>) => () => getMetricData(store, body);
    const range = { StartTime: seconds(T0), EndTime: seconds(T0 + MIN) };

    expect(
      ask({ StartTime: seconds(T0), EndTime: seconds(T0), MetricDataQueries: [stat('a', 'X')] }),
    ).toThrow('StartTime must be before EndTime');
    expect(ask({ ...range, MetricDataQueries: [] })).toThrow('1 to 500 queries');
    expect(ask({ ...range, MetricDataQueries: [stat('A', 'X')] })).toThrow('MetricDataQueries.Id "A"');
    expect(ask({ ...range, MetricDataQueries: [stat('a', 'X', 90)] })).toThrow('a.MetricStat.Period');
    expect(
      ask({
        ...range,
        MetricDataQueries: [{ ...stat('a', 'X'), MetricStat: { ...stat('a', 'X').MetricStat, Stat: 'p99' } }],
      }),
    ).toThrow('the sandbox keeps no p99');
    expect(ask({ ...range, MetricDataQueries: [{ Id: 'e', Expression: 'm1 * 2' }] })).toThrow('names m1');
    expect(ask({ ...range, MetricDataQueries: [{ Id: 'e' }] })).toThrow('a MetricStat or an Expression');
    expect(ask({ ...range, MetricDataQueries: [stat('a', 'X')] })).not.toThrow();
    expect(ask({ ...range, MetricDataQueries: [] })).toThrow(
      expect.objectContaining({ name: 'InvalidParameterValueException' }),
    );
  });
});
