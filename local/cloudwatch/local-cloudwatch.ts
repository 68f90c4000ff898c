import type { AlarmNotification, AlarmNotifications } from './alarm-actions';
import { evaluateAlarm, evaluationRange, type AlarmState } from './alarm-evaluator';
import { emfSamples } from './emf';
import { MetricStore, type MetricIdentity } from './metric-store';
import type { AlarmDefinition } from './template-alarms';

/** An alarm changing state, at the virtual time of the evaluation that changed it. */
export interface AlarmTransition {
  readonly time: number;
  readonly logicalId: string;
  readonly alarmName: string;
  readonly from: AlarmState;
  readonly to: AlarmState;
  readonly reason: string;
  /** The actions of the state it entered (`AlarmActions`, `OKActions`…), each delivered or refused with AWS's reason. */
  readonly notifications: readonly AlarmNotification[];
}

/** Records AWS-namespace metrics the stand-ins know at a minute boundary (queue depth and age, …). */
export type MetricSampler = (
  time: number,
  /** Records a sample, at `at` when the fact happened before the boundary (default: the boundary). */
  put: (metric: MetricIdentity, value: number, at?: number) => void,
) => void;

const MINUTE = 60_000;

/**
 * CloudWatch in the sandbox: metric samples from the functions' embedded metric format logs and from the
 * stand-ins, on the virtual clock; the template's alarms evaluated every virtual minute, as CloudWatch evaluates
 * them, each over its periods (aligned to multiples of the period) that ended by then; every state change kept
 * with its virtual time.
 *
 * The sandbox calls `advanceTo(t)` before its clock moves to `t`: nothing changes between two clock moves, so the
 * samplers read the stand-ins' state as it was at each minute boundary in between.
 */
export class LocalCloudWatch {
  readonly store = new MetricStore();
  readonly transitions: AlarmTransition[] = [];
  /** EMF records no metric could be read from, with the reason (CloudWatch Logs keeps the line, extracts nothing). */
  readonly rejectedRecords: string[] = [];
  private readonly states = new Map<string, AlarmState>();
  private readonly samplers: MetricSampler[] = [];
  private evaluatedAt: number;
  private readonly lookbackMs: number;
  private evaluations = 0;

  constructor(
    readonly alarms: readonly AlarmDefinition[],
    startTime: number,
    /** What each alarm's actions make of a state change (alarm-actions.ts); none when absent. */
    private readonly notifications: AlarmNotifications = new Map(),
  ) {
    for (const alarm of alarms) this.states.set(alarm.logicalId, 'INSUFFICIENT_DATA');
    this.evaluatedAt = Math.floor(startTime / MINUTE) * MINUTE;
    // A day at least: what an operator reads back (GET /override-rate), beyond what the alarms need.
    this.lookbackMs = Math.max(
      24 * 60 * MINUTE,
      ...alarms.map((a) => a.periodMs * (evaluationRange(a.rule.evaluationPeriods) + 2)),
    );
  }

  addSampler(sampler: MetricSampler): void {
    this.samplers.push(sampler);
  }

  put(metric: MetricIdentity, value: number, time: number): void {
    this.store.put(metric, value, time);
  }

  /** Reads a log line of a function: its EMF metrics, if it is an EMF record. */
  ingestLog(line: string, time: number): void {
    for (const sample of emfSamples(line, (reason) => this.rejectedRecords.push(reason)))
      this.store.put(sample.metric, sample.value, time);
  }

  state(logicalId: string): AlarmState | undefined {
    return this.states.get(logicalId);
  }

  /** Evaluates the alarms at every minute boundary up to `time`, sampling the stand-ins at each. */
  advanceTo(time: number): void {
    for (let at = this.evaluatedAt + MINUTE; at <= time; at += MINUTE) {
      this.evaluate(at);
      for (const sample of this.samplers)
        sample(at, (metric, value, when) => this.store.put(metric, value, when ?? at));
      this.evaluatedAt = at;
      if (++this.evaluations % 60 === 0) this.store.prune(at - this.lookbackMs);
    }
  }

  /** The alarms in ALARM now. */
  inAlarm(): AlarmDefinition[] {
    return this.alarms.filter((alarm) => this.states.get(alarm.logicalId) === 'ALARM');
  }

  private evaluate(at: number): void {
    for (const alarm of this.alarms) {
      const newestStart = Math.floor(at / alarm.periodMs) * alarm.periodMs - alarm.periodMs;
      const range = evaluationRange(alarm.rule.evaluationPeriods);
      const datapoints: (number | undefined)[] = [];
      for (let i = 0; i < range; i++)
        datapoints.push(alarm.valueAt(this.store, newestStart - i * alarm.periodMs));
      // Every alarm has a state from construction on; INSUFFICIENT_DATA is the one it starts in.
      const current = this.states.get(alarm.logicalId) ?? 'INSUFFICIENT_DATA';
      const { state, reason } = evaluateAlarm(alarm.rule, datapoints, current);
      if (state === current) continue;
      this.states.set(alarm.logicalId, state);
      this.transitions.push({
        time: at,
        logicalId: alarm.logicalId,
        alarmName: alarm.alarmName,
        from: current,
        to: state,
        reason,
        notifications: this.notifications.get(alarm.logicalId)?.[state] ?? [],
      });
    }
  }
}
