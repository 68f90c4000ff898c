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
  readonly metric?: { readonly name: string; readonly reportedBy: string; readonly unit: 'Seconds' };
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
} as const satisfies KpiDeclaration;

/** Every declared KPI. */
export const AGENT_KPIS: readonly KpiDeclaration[] = [TIME_TO_RESOLUTION, RATIO_BACK_TO_BASELINE];

/** The KPIs an agent owns. */
export const kpisOf = (agent: string): KpiDeclaration[] => AGENT_KPIS.filter((kpi) => kpi.agent === agent);
