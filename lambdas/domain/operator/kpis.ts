import { resolveDetectorConfig } from '../monitoring/detector-config';

/**
 * The key performance indicators the agents are held to: what the platform promises an operator about an incident,
 * declared once here with the agent that owns each one. The operator API lists them with the agents (`GET /agents`),
 * the stack alarms on the measured ones, and the sandbox's timeline and drills report every incident against them.
 */
export interface KpiDeclaration {
  /** The agent answerable for it (its service name). */
  readonly agent: string;
  /** A stable id, e.g. `time-to-resolution`. */
  readonly id: string;
  /** What is promised, in an operator's words. */
  readonly description: string;
  /** The bound: at most `target` `unit`. */
  readonly target: number;
  readonly unit: 'minutes' | 'times the baseline ratio';
  /**
   * Where it is measured on AWS: a Powertools metric (namespace of the agents, dimension `service` = `reportedBy`)
   * that the stack alarms on once it exceeds the target. Absent: measured in the sandbox's timeline only.
   */
  readonly metric?: { readonly name: string; readonly reportedBy: string; readonly unit: 'Seconds' | 'None' };
}

/** Minutes from the spike to its remediation completed or escalated to a person. */
export const TIME_TO_RESOLUTION = {
  agent: 'planning-agent',
  id: 'time-to-resolution',
  description:
    'An incident is remediated (orders rerouted or its region rebalanced) or escalated to a person within this many minutes of its spike.',
  target: 30,
  unit: 'minutes',
  // The learning agent records each remediation's outcome at its end, with the spike's time beside it.
  metric: { name: 'TimeToResolution', reportedBy: 'learning-agent', unit: 'Seconds' },
} as const satisfies KpiDeclaration;

/**
 * The time-to-resolution a remediation reports (seconds from its spike to its end), or undefined when either time
 * is missing or unreadable, or the end comes before the spike.
 */
export function resolutionSeconds(spikeAt: string | undefined, endedAt: string): number | undefined {
  if (spikeAt === undefined) return undefined;
  const ms = Date.parse(endedAt) - Date.parse(spikeAt);
  return ms >= 0 ? ms / 1000 : undefined;
}

/** The scope's cancellation ratio in the hour after resolution, as a multiple of its baseline. */
export const RATIO_BACK_TO_BASELINE = {
  agent: 'monitoring-agent',
  id: 'ratio-back-to-baseline',
  description:
    'In the hour after an incident is resolved, its warehouse or region cancels at most this multiple of its baseline ratio.',
  target: 2,
  unit: 'times the baseline ratio',
  // The recovery watch (a state machine the saga starts once it has remediated) measures the hour from the
  // monitoring agent's window counters when it is over.
  metric: { name: 'RatioAfterResolution', reportedBy: 'recovery-watch', unit: 'None' },
} as const satisfies KpiDeclaration;

/** The hour after resolution that {@link RATIO_BACK_TO_BASELINE} looks at. */
export const RECOVERY_HOUR_SECONDS = 3600;

/**
 * The smallest baseline a ratio is compared with: a scope that almost never cancels would otherwise miss the KPI
 * on a single cancellation (1% of its orders is still back to normal).
 */
const BASELINE_RATIO_FLOOR = 0.01;

/**
 * The hour after resolution, in whole detector windows: from the first window that starts at or after
 * `resolvedAtMs` (the window the resolution falls in still holds the incident's cancellations), for an hour — or
 * one window, when windows are longer than an hour.
 */
export function recoveryHour(resolvedAtMs: number, windowMinutes: number): { fromMs: number; toMs: number } {
  const size = windowMinutes * 60_000;
  const fromMs = Math.ceil(resolvedAtMs / size) * size;
  return { fromMs, toMs: fromMs + Math.max(RECOVERY_HOUR_SECONDS * 1000, size) };
}

/**
 * The window length the hour is counted in: the detector's (`DETECTOR_CONFIG` overrides on its defaults), so the
 * hour is whole windows of the monitoring agent's counters.
 */
export const recoveryWindowMinutes = (detectorOverrides: unknown = {}): number =>
  resolveDetectorConfig(detectorOverrides).windowMinutes;

/** What the scope did in the hour after resolution. */
export interface RecoveryMeasurement {
  /** Orders placed in the scope during the hour. */
  readonly placed: number;
  /** Of those, the ones cancelled during the hour. */
  readonly cancelled: number;
  /** `cancelled / placed`. */
  readonly ratio: number;
  /** `ratio` as a multiple of the baseline (floored at {@link BASELINE_RATIO_FLOOR}): the KPI's metric. */
  readonly multipleOfBaseline: number;
  readonly backToBaseline: boolean;
}

/**
 * The ratio-back-to-baseline KPI: of the orders placed in the hour, the share cancelled in the hour, against the
 * baseline. Orders placed during the incident and cancelled after it do not count: they measure the incident, not
 * the recovery. Undefined when no order was placed in the hour: a scope without orders has no ratio to judge.
 */
export function recoveryMeasurement(
  placedIds: Iterable<string>,
  cancelledIds: Iterable<string>,
  baselineRatio: number,
): RecoveryMeasurement | undefined {
  const placed = new Set(placedIds);
  if (placed.size === 0) return undefined;
  const cancelled = new Set<string>();
  for (const id of cancelledIds) if (placed.has(id)) cancelled.add(id);
  const ratio = cancelled.size / placed.size;
  const multipleOfBaseline = ratio / Math.max(baselineRatio, BASELINE_RATIO_FLOOR);
  return {
    placed: placed.size,
    cancelled: cancelled.size,
    ratio,
    multipleOfBaseline,
    backToBaseline: multipleOfBaseline <= RATIO_BACK_TO_BASELINE.target,
  };
}

/** Every declared KPI. */
export const AGENT_KPIS: readonly KpiDeclaration[] = [TIME_TO_RESOLUTION, RATIO_BACK_TO_BASELINE];

/** The KPIs an agent owns. */
export const kpisOf = (agent: string): KpiDeclaration[] => AGENT_KPIS.filter((kpi) => kpi.agent === agent);
