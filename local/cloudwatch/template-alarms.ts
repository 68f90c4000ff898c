import type { ResolvedTemplate } from '../template';
import {
  COMPARISON_OPERATORS,
  TREAT_MISSING_DATA,
  type AlarmRule,
  type ComparisonOperator,
  type TreatMissingData,
} from './alarm-evaluator';
import { compileExpression, type CompiledExpression } from './metric-math';
import { isStatistic, type MetricIdentity, type MetricStore, type Statistic } from './metric-store';

/** An `AWS::CloudWatch::Alarm` of the template the sandbox cannot evaluate faithfully, named with the reason. */
class AlarmDefinitionError extends Error {
  override readonly name = 'AlarmDefinitionError';
}

interface MetricStat {
  readonly metric: MetricIdentity;
  readonly statistic: Statistic;
  readonly periodMs: number;
}

/** One alarm of the template, resolved against the sandbox's resource names. */
export interface AlarmDefinition {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly description?: string;
  readonly rule: AlarmRule;
  readonly periodMs: number;
  /** The metrics it reads (for reports): `Namespace/MetricName`. */
  readonly reads: readonly string[];
  /** The alarm's value in the period that starts at `start` (undefined: missing). */
  valueAt(store: MetricStore, start: number): number | undefined;
}

type RawDimension = { Name: string; Value: unknown };
type RawMetric = { Namespace?: string; MetricName?: string; Dimensions?: RawDimension[] };

/** Reads every `AWS::CloudWatch::Alarm` of the template (composite alarms are not evaluated). */
export function templateAlarms(template: ResolvedTemplate): AlarmDefinition[] {
  return template
    .resourcesOfType('AWS::CloudWatch::Alarm')
    .map(([logicalId, resource]) =>
      alarmDefinition(logicalId, template.resolve(resource.Properties ?? {}) as Record<string, unknown>),
    );
}

function alarmDefinition(logicalId: string, p: Record<string, unknown>): AlarmDefinition {
  // Typed on the declaration so that a check ending in `fail(...)` narrows what follows it.
  const fail: (what: string) => never = (what) => {
    throw new AlarmDefinitionError(`alarm ${logicalId}: ${what}`);
  };
  const operator = String(p.ComparisonOperator);
  if (!(operator in COMPARISON_OPERATORS))
    fail(`ComparisonOperator ${operator} is not evaluated by the sandbox (anomaly detection bands are not)`);
  const treat = typeof p.TreatMissingData === 'string' ? p.TreatMissingData : 'missing';
  if (!(TREAT_MISSING_DATA as readonly string[]).includes(treat))
    fail(`TreatMissingData ${treat} is not valid`);
  const evaluationPeriods = Number(p.EvaluationPeriods);
  const datapointsToAlarm = Number(p.DatapointsToAlarm ?? evaluationPeriods);
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1)
    fail(`EvaluationPeriods must be a positive integer, got ${String(p.EvaluationPeriods)}`);
  if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)
    fail(`DatapointsToAlarm must be between 1 and EvaluationPeriods, got ${String(p.DatapointsToAlarm)}`);
  const threshold = Number(p.Threshold);
  if (!Number.isFinite(threshold)) fail(`Threshold must be a number, got ${String(p.Threshold)}`);
  const rule: AlarmRule = {
    comparisonOperator: operator as ComparisonOperator,
    threshold,
    evaluationPeriods,
    datapointsToAlarm,
    treatMissingData: treat as TreatMissingData,
  };
  const metricStat = (raw: RawMetric, stat: unknown, period: unknown, where: string): MetricStat => {
    if (typeof raw.Namespace !== 'string' || typeof raw.MetricName !== 'string')
      fail(`${where}: Namespace and MetricName are required`);
    const statistic = String(stat);
    if (!isStatistic(statistic)) fail(`${where}: statistic ${statistic} is not evaluated by the sandbox`);
    const seconds = Number(period);
    if (!Number.isInteger(seconds) || seconds < 60 || seconds % 60 !== 0)
      fail(
        `${where}: Period ${String(period)} s is not a multiple of 60 (high-resolution alarms are not evaluated)`,
      );
    const dimensions = Object.fromEntries((raw.Dimensions ?? []).map((d) => [d.Name, String(d.Value)]));
    return {
      metric: { namespace: raw.Namespace, metricName: raw.MetricName, dimensions },
      statistic,
      periodMs: seconds * 1000,
    };
  };
  const base = {
    logicalId,
    alarmName: typeof p.AlarmName === 'string' ? p.AlarmName : logicalId,
    ...(typeof p.AlarmDescription === 'string' ? { description: p.AlarmDescription } : {}),
    rule,
  };

  if (!Array.isArray(p.Metrics)) {
    const stat = metricStat(p, p.Statistic ?? p.ExtendedStatistic, p.Period, 'its metric');
    return {
      ...base,
      periodMs: stat.periodMs,
      reads: [`${stat.metric.namespace}/${stat.metric.metricName}`],
      valueAt: (store, start) => store.statistic(stat.metric, stat.statistic, start, stat.periodMs),
    };
  }

  // Metric math: one returned expression over metric ids of the same period.
  type Query = {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    Period?: number;
    MetricStat?: { Metric: RawMetric; Stat: string; Period: number };
  };
  const queries = p.Metrics as Query[];
  const stats = new Map<string, MetricStat>();
  const expressions = new Map<string, CompiledExpression>();
  for (const query of queries) {
    if (query.MetricStat) {
      const { Metric, Stat, Period } = query.MetricStat;
      stats.set(query.Id, metricStat(Metric, Stat, Period, `metric ${query.Id}`));
    } else if (typeof query.Expression === 'string') {
      expressions.set(query.Id, compileExpression(query.Expression));
    } else fail(`metric ${query.Id} has neither MetricStat nor Expression`);
  }
  const returned = queries.filter((query) => query.ReturnData !== false);
  const [returning] = returned;
  if (returned.length !== 1 || returning === undefined)
    fail(`exactly one metric must return data, ${returned.length} do`);
  const periods = new Set([...stats.values()].map((s) => s.periodMs));
  const [periodMs] = periods;
  if (periods.size !== 1 || periodMs === undefined)
    fail('every metric of the expression must have the same period');
  const valueOf = (id: string, store: MetricStore, start: number, depth: number): number | undefined => {
    if (depth > queries.length) fail('its expressions refer to each other in a cycle');
    const stat = stats.get(id);
    if (stat) return store.statistic(stat.metric, stat.statistic, start, stat.periodMs);
    const expression = expressions.get(id);
    if (!expression) return fail(`the expression refers to an unknown id "${id}"`);
    return expression.evaluate((ref) => valueOf(ref, store, start, depth + 1));
  };
  for (const expression of expressions.values())
    for (const id of expression.ids)
      if (!stats.has(id) && !expressions.has(id)) fail(`the expression refers to an unknown id "${id}"`);
  const returnedId = returning.Id;
  return {
    ...base,
    periodMs,
    reads: [...stats.values()].map((s) => `${s.metric.namespace}/${s.metric.metricName}`),
    valueAt: (store, start) => valueOf(returnedId, store, start, 0),
  };
}
