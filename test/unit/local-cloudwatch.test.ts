import { emfSamples } from '../../local/cloudwatch/emf';
import { LocalCloudWatch } from '../../local/cloudwatch/local-cloudwatch';
import { compileExpression } from '../../local/cloudwatch/metric-math';
import { MetricStore } from '../../local/cloudwatch/metric-store';
import { queueMetrics } from '../../local/cloudwatch/stand-in-metrics';
import { VirtualClock } from '../../local/clock';
import { LocalQueue, LocalSqs } from '../../local/sqs';
import { templateAlarms } from '../../local/cloudwatch/template-alarms';
import { ResolvedTemplate } from '../../local/template';

const T0 = Date.parse('2026-11-20T10:00:00Z');

/** The sandbox's reading of a template holding one `AWS::CloudWatch::Alarm` with these properties. */
const alarmDefinition = (logicalId: string, properties: Record<string, unknown>) => {
  const env = { region: 'us-east-1', accountId: '123456789012', endpoint: 'http://127.0.0.1:4566' };
  const resources = { [logicalId]: { Type: 'AWS::CloudWatch::Alarm', Properties: properties } };
  return templateAlarms(new ResolvedTemplate({ Resources: resources }, env, '.'))[0]!;
};
const MIN = 60_000;
const throttles = {
  namespace: 'ProactiveAgents',
  metricName: 'ModelThrottles',
  dimensions: { service: 'planning-agent' },
};

describe('emfSamples: embedded metric format records as Powertools Metrics writes them', () => {
  it('reads each metric of each dimension set, with every value of an array', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          {
            Namespace: 'ProactiveAgents',
            Dimensions: [['service'], ['service', 'decision']],
            Metrics: [{ Name: 'PolicyDecisions', Unit: 'Count' }],
          },
        ],
      },
      service: 'policy-agent',
      decision: 'deny',
      PolicyDecisions: [1, 1],
    });
    expect(emfSamples(line)).toEqual([
      {
        metric: {
          namespace: 'ProactiveAgents',
          metricName: 'PolicyDecisions',
          dimensions: { service: 'policy-agent' },
        },
        value: 1,
      },
      {
        metric: {
          namespace: 'ProactiveAgents',
          metricName: 'PolicyDecisions',
          dimensions: { service: 'policy-agent' },
        },
        value: 1,
      },
      {
        metric: {
          namespace: 'ProactiveAgents',
          metricName: 'PolicyDecisions',
          dimensions: { service: 'policy-agent', decision: 'deny' },
        },
        value: 1,
      },
      {
        metric: {
          namespace: 'ProactiveAgents',
          metricName: 'PolicyDecisions',
          dimensions: { service: 'policy-agent', decision: 'deny' },
        },
        value: 1,
      },
    ]);
  });

  it('ignores ordinary log lines, and skips a metric whose dimension value is missing with the reason', () => {
    expect(emfSamples('{"level":"INFO","message":"plan ready"}')).toEqual([]);
    expect(emfSamples('not json "_aws"')).toEqual([]);
    const reasons: string[] = [];
    const line = JSON.stringify({
      _aws: { CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'M' }] }] },
      M: 3,
    });
    expect(emfSamples(line, (reason) => reasons.push(reason))).toEqual([]);
    expect(reasons).toEqual(['metric M: dimension service has no string value in the record']);
  });
});

describe('MetricStore', () => {
  it('computes each statistic over the minutes of a period, and reports a period without samples as missing', () => {
    const store = new MetricStore();
    for (const [value, at] of [
      [3, T0],
      [1, T0 + 30_000],
      [8, T0 + 4 * MIN],
    ] as const)
      store.put(throttles, value, at);
    const period = 5 * MIN;
    expect(
      ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'].map((s) =>
        store.statistic(throttles, s as never, T0, period),
      ),
    ).toEqual([12, 4, 8, 1, 3]);
    expect(store.statistic(throttles, 'Sum', T0 + period, period)).toBeUndefined();
    expect(
      store.statistic({ ...throttles, dimensions: { service: 'other' } }, 'Sum', T0, period),
    ).toBeUndefined();
  });

  it('treats dimensions in any order as one metric, and forgets pruned minutes but not the metric', () => {
    const store = new MetricStore();
    store.put({ namespace: 'N', metricName: 'M', dimensions: { a: '1', b: '2' } }, 1, T0);
    expect(
      store.statistic({ namespace: 'N', metricName: 'M', dimensions: { b: '2', a: '1' } }, 'Sum', T0, MIN),
    ).toBe(1);
    store.prune(T0 + MIN);
    expect(
      store.statistic({ namespace: 'N', metricName: 'M', dimensions: { a: '1', b: '2' } }, 'Sum', T0, MIN),
    ).toBeUndefined();
    expect(store.keys()).toEqual(['N|M|a=1,b=2']);
  });
});

describe('compileExpression: the metric math the sandbox evaluates', () => {
  const values = (map: Record<string, number | undefined>) => (id: string) => map[id];

  it('evaluates arithmetic with precedence, parentheses and unary minus', () => {
    expect(compileExpression('a + b * 2').evaluate(values({ a: 1, b: 3 }))).toBe(7);
    expect(compileExpression('(a + b) / -2').evaluate(values({ a: 1, b: 3 }))).toBe(-2);
    expect(compileExpression('a + b * 2').ids).toEqual(['a', 'b']);
  });

  it('gives no datapoint when an operand is missing or a division is by zero; FILL supplies a value', () => {
    expect(compileExpression('overrides / decisions').evaluate(values({ decisions: 4 }))).toBeUndefined();
    expect(compileExpression('FILL(overrides, 0) / decisions').evaluate(values({ decisions: 4 }))).toBe(0);
    expect(
      compileExpression('FILL(overrides, 0) / decisions').evaluate(values({ overrides: 1 })),
    ).toBeUndefined();
    expect(compileExpression('a / b').evaluate(values({ a: 1, b: 0 }))).toBeUndefined();
  });

  it('refuses what it does not evaluate, quoting the expression', () => {
    expect(() => compileExpression('ANOMALY_DETECTION_BAND(m1, 2)')).toThrow(
      expect.objectContaining({
        name: 'MetricMathError',
        message:
          'metric math "ANOMALY_DETECTION_BAND(m1, 2)": the function ANOMALY_DETECTION_BAND is not supported in the sandbox (FILL is)',
      }),
    );
    expect(() => compileExpression('a +')).toThrow(/unexpected end/);
    expect(() => compileExpression('a b')).toThrow(/unexpected "b" after the expression/);
  });
});

describe('templateAlarms: an AWS::CloudWatch::Alarm as the template holds it', () => {
  const single = {
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    Threshold: 1,
    TreatMissingData: 'notBreaching',
    Namespace: 'ProactiveAgents',
    MetricName: 'ModelThrottles',
    Dimensions: [{ Name: 'service', Value: 'planning-agent' }],
    Period: 300,
    Statistic: 'Sum',
  };

  it('reads a metric alarm, with DatapointsToAlarm defaulting to EvaluationPeriods', () => {
    const alarm = alarmDefinition('Throttles', single);
    expect(alarm).toMatchObject({
      alarmName: 'Throttles',
      periodMs: 300_000,
      reads: ['ProactiveAgents/ModelThrottles'],
      rule: { evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching', threshold: 1 },
    });
    const store = new MetricStore();
    store.put(throttles, 2, T0 + MIN);
    expect(alarm.valueAt(store, T0)).toBe(2);
  });

  it('reads a metric math alarm and evaluates its returned expression per period', () => {
    const rate = alarmDefinition('OverrideRate', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      Threshold: 0.25,
      Metrics: [
        { Id: 'expr_1', Expression: 'FILL(overrides, 0) / decisions', ReturnData: true },
        {
          Id: 'overrides',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'P',
              MetricName: 'OperatorOverrides',
              Dimensions: [{ Name: 'service', Value: 'operator-api' }],
            },
            Period: 3600,
            Stat: 'Sum',
          },
        },
        {
          Id: 'decisions',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'P',
              MetricName: 'OperatorDecisions',
              Dimensions: [{ Name: 'service', Value: 'operator-api' }],
            },
            Period: 3600,
            Stat: 'Sum',
          },
        },
      ],
    });
    const store = new MetricStore();
    const metric = (metricName: string) => ({
      namespace: 'P',
      metricName,
      dimensions: { service: 'operator-api' },
    });
    expect(rate.valueAt(store, T0)).toBeUndefined();
    for (let i = 0; i < 4; i++) store.put(metric('OperatorDecisions'), 1, T0 + i * MIN);
    expect(rate.valueAt(store, T0)).toBe(0);
    store.put(metric('OperatorOverrides'), 1, T0 + 10 * MIN);
    expect(rate.valueAt(store, T0)).toBe(0.25);
  });

  it('refuses what it cannot evaluate faithfully, naming the alarm and the reason', () => {
    expect(() =>
      alarmDefinition('P99', { ...single, Statistic: undefined, ExtendedStatistic: 'p99' }),
    ).toThrow(
      expect.objectContaining({
        name: 'AlarmDefinitionError',
        message: 'alarm P99: its metric: statistic p99 is not evaluated by the sandbox',
      }),
    );
    expect(() => alarmDefinition('Fast', { ...single, Period: 10 })).toThrow(
      /Period 10 s is not a multiple of 60/,
    );
    expect(() =>
      alarmDefinition('Band', { ...single, ComparisonOperator: 'LessThanLowerThreshold' }),
    ).toThrow(/ComparisonOperator LessThanLowerThreshold is not evaluated/);
    expect(() => alarmDefinition('M', { ...single, EvaluationPeriods: 2, DatapointsToAlarm: 3 })).toThrow(
      /DatapointsToAlarm must be between 1 and EvaluationPeriods, got 3/,
    );
  });
});

describe('LocalCloudWatch: alarms evaluated every virtual minute', () => {
  const alarm = alarmDefinition('PlanningAgentModelThrottles', {
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    Threshold: 1,
    TreatMissingData: 'notBreaching',
    Namespace: 'ProactiveAgents',
    MetricName: 'ModelThrottles',
    Dimensions: [{ Name: 'service', Value: 'planning-agent' }],
    Period: 300,
    Statistic: 'Sum',
  });

  it('fires once the period holding the datapoint has ended, and recovers once the range holds no breach', () => {
    const cloudwatch = new LocalCloudWatch([alarm], T0);
    cloudwatch.advanceTo(T0 + 2 * MIN);
    expect(cloudwatch.transitions.map((t) => [t.time - T0, t.to])).toEqual([[MIN, 'OK']]);
    // A throttled call at 10:03 (read from the planning agent's EMF line) lands in the period 10:00–10:05.
    cloudwatch.ingestLog(
      JSON.stringify({
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: 'ProactiveAgents',
              Dimensions: [['service']],
              Metrics: [{ Name: 'ModelThrottles' }],
            },
          ],
        },
        service: 'planning-agent',
        ModelThrottles: 1,
      }),
      T0 + 3 * MIN,
    );
    cloudwatch.advanceTo(T0 + 4 * MIN + 59_000);
    expect(cloudwatch.state(alarm.logicalId)).toBe('OK');
    cloudwatch.advanceTo(T0 + 5 * MIN);
    expect(cloudwatch.state(alarm.logicalId)).toBe('ALARM');
    // With one real datapoint in the range (>= N), CloudWatch evaluates it and TreatMissingData plays no part:
    // the alarm holds until that period leaves the 5-period range (10:05–10:30).
    cloudwatch.advanceTo(T0 + 29 * MIN);
    expect(cloudwatch.state(alarm.logicalId)).toBe('ALARM');
    cloudwatch.advanceTo(T0 + 60 * MIN);
    expect(cloudwatch.transitions.map((t) => [(t.time - T0) / MIN, t.from, t.to])).toEqual([
      [1, 'INSUFFICIENT_DATA', 'OK'],
      [5, 'OK', 'ALARM'],
      [30, 'ALARM', 'OK'],
    ]);
  });

  it('samples the stand-ins at each minute boundary on the way', () => {
    const cloudwatch = new LocalCloudWatch([], T0);
    const seen: number[] = [];
    cloudwatch.addSampler((time, put) => {
      seen.push((time - T0) / MIN);
      put(throttles, 1);
    });
    cloudwatch.advanceTo(T0 + 3 * MIN + 30_000);
    expect(seen).toEqual([1, 2, 3]);
    expect(cloudwatch.store.statistic(throttles, 'SampleCount', T0, 5 * MIN)).toBe(3);
  });
});

describe('queueMetrics: AWS/SQS as CloudWatch reports it once a minute', () => {
  it('reports visible messages and the age of the oldest, leaving out a message received three times', () => {
    const clock = new VirtualClock(T0);
    const sqs = new LocalSqs();
    const queue = new LocalQueue(
      'buffer',
      'arn:aws:sqs:us-east-1:123456789012:buffer',
      'http://x/buffer',
      60,
      clock,
    );
    sqs.add(queue);
    const cloudwatch = new LocalCloudWatch([], T0);
    cloudwatch.addSampler(queueMetrics(sqs));
    const metric = (metricName: string) => ({
      namespace: 'AWS/SQS',
      metricName,
      dimensions: { QueueName: 'buffer' },
    });
    const at = (minute: number, metricName: string) =>
      cloudwatch.store.statistic(metric(metricName), 'Maximum', T0 + minute * MIN, MIN);

    queue.send('poison');
    clock.advanceTo(T0 + 30_000);
    queue.send('healthy');
    for (let receive = 0; receive < 3; receive++) {
      queue.receive(1); // the poison, received and never deleted
      cloudwatch.advanceTo(clock.now() + MIN);
      clock.advanceTo(clock.now() + MIN);
    }
    cloudwatch.advanceTo(T0 + 5 * MIN);

    // Minute 1: the poison (sent at 0:00, received once) is the oldest: 60 s; one of the two is in flight.
    expect([at(1, 'ApproximateAgeOfOldestMessage'), at(1, 'ApproximateNumberOfMessagesVisible')]).toEqual([
      60, 1,
    ]);
    // From its third receive the poison no longer counts: the healthy message (sent at 0:30) is the oldest.
    expect(at(4, 'ApproximateAgeOfOldestMessage')).toBe(210);
    expect(at(5, 'ApproximateAgeOfOldestMessage')).toBe(270);
  });
});
