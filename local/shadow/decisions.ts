import type { EventEnvelope } from '../eventbridge/bus';

/**
 * The decisions of a run, read from the events its agents put on the bus: what `npm run shadow` compares between
 * a recorded run and the current agents. Effects (commands, their outcomes, compensations) are not decisions:
 * they follow from these, and with side effects off they say nothing about the agents.
 */
type DecisionKind =
  | 'incident'
  | 'plan'
  | 'policy'
  | 'approval'
  | 'approval answer'
  | 'suggestion'
  | 'escalation'
  | 'blocked'
  | 'budget';

export interface Decision {
  readonly kind: DecisionKind;
  /** The incident it belongs to, as the run named it. */
  readonly correlationId: string;
  /** What the decision is about within its incident (a plan's task, an approval tier), '' for the incident itself. */
  readonly subject: string;
  /** Event time of the decision (ISO 8601). */
  readonly time: string;
  /** What is compared, as text, by name. */
  readonly facts: Readonly<Record<string, string>>;
  /** Incidents only: the scope, which pairs an incident detected at another time with the recorded one. */
  readonly scope?: string;
}

/** One decision that differs: only in the recording, only in the shadow run, or with different facts. */
export type DecisionChange = {
  readonly kind: DecisionKind;
  readonly differences: readonly { fact: string; recorded: string; shadow: string }[];
} & (
  | { readonly status: 'not-taken'; readonly recorded: Decision; readonly shadow?: undefined }
  | { readonly status: 'new'; readonly recorded?: undefined; readonly shadow: Decision }
  | { readonly status: 'changed'; readonly recorded: Decision; readonly shadow: Decision }
);

/** The decision a change is about: the recorded one, or the shadow run's when only it took one. */
const changedDecision = (change: DecisionChange): Decision =>
  change.status === 'new' ? change.shadow : change.recorded;

/** Incidents of one scope detected this far apart are one incident detected at another time. */
const PAIRING_MS = 2 * 60 * 60 * 1000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string =>
  value === undefined ? '-' : typeof value === 'string' ? value : stableJson(value);

/** JSON with object keys sorted, so equal values read the same whatever order they were written in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A task id relative to its plan (`plan#…#task-2` → `task-2`). */
function taskOf(detail: Record<string, unknown>): string {
  const taskId = text(detail.taskId);
  const planId = typeof detail.planId === 'string' ? detail.planId : undefined;
  return planId && taskId.startsWith(`${planId}#`) ? taskId.slice(planId.length + 1) : taskId;
}

function tierOf(detail: Record<string, unknown>): string {
  const tier = isRecord(detail.tier) ? detail.tier : {};
  return `tier ${text(tier.index)}`;
}

/**
 * The decision an event records, or undefined when it records none (inputs, commands, outcomes) or is not a
 * platform event of a known shape.
 */
export function decisionOf(event: EventEnvelope): Decision | undefined {
  const detail = event.detail;
  if (!isRecord(detail) || typeof detail.correlationId !== 'string') return undefined;
  const base = { correlationId: detail.correlationId, time: event.time };
  switch (event['detail-type']) {
    case 'order_cancellation_spike': {
      const scope = isRecord(detail.scope) ? `${text(detail.scope.type)} ${text(detail.scope.id)}` : '-';
      const window = isRecord(detail.window)
        ? `${text(detail.window.start)} – ${text(detail.window.end)}`
        : '-';
      const contributors = Array.isArray(detail.contributors)
        ? detail.contributors.map((c) => (isRecord(c) ? text(c.warehouseId ?? c.id) : text(c))).join(', ')
        : '-';
      return {
        ...base,
        kind: 'incident',
        subject: '',
        scope,
        facts: { scope, window, detected: event.time, contributors },
      };
    }
    case 'remediation_planned': {
      const facts: Record<string, string> = {
        planner: text(detail.planner),
        template: text(detail.templateId),
      };
      const tasks = Array.isArray(detail.tasks) ? detail.tasks : [];
      tasks.forEach((task, index) => {
        if (!isRecord(task)) return;
        facts[`task ${index + 1}`] =
          `${text(task.taskType)} (risk ${text(task.risk)}, ${text(task.costCents)}¢) ${text(task.parameters)}`;
      });
      return { ...base, kind: 'plan', subject: '', facts };
    }
    case 'policy_decision':
      return {
        ...base,
        kind: 'policy',
        subject: taskOf(detail),
        facts: {
          action: isRecord(detail.action) ? text(detail.action.id) : '-',
          decision: text(detail.decision),
          'policies alone': text(detail.policyOutcome),
          'determining policies': Array.isArray(detail.determiningPolicies)
            ? detail.determiningPolicies.map(text).sort().join(', ')
            : '-',
        },
      };
    case 'approval_requested':
      return {
        ...base,
        kind: 'approval',
        subject: `${taskOf(detail)} ${tierOf(detail)}`,
        facts: {
          task: text(detail.taskType),
          approvers: isRecord(detail.tier) ? text(detail.tier.approvers) : '-',
        },
      };
    case 'approval_decided':
      return {
        ...base,
        kind: 'approval answer',
        subject: `${taskOf(detail)} ${tierOf(detail)}`,
        facts: { outcome: text(detail.outcome), then: text(detail.then) },
      };
    case 'remediation_suggested':
      return { ...base, kind: 'suggestion', subject: taskOf(detail), facts: { task: text(detail.taskType) } };
    case 'remediation_escalated':
      return { ...base, kind: 'escalation', subject: '', facts: { reason: text(detail.reason) } };
    case 'action_blocked':
      return { ...base, kind: 'blocked', subject: taskOf(detail), facts: { task: text(detail.taskType) } };
    case 'budget_exceeded':
      return {
        ...base,
        kind: 'budget',
        subject: text(detail.agent),
        facts: { model: text(detail.modelId), fallback: text(detail.fallback) },
      };
    default:
      return undefined;
  }
}

/**
 * Pairs the incidents the two runs named differently — same scope, detected within two hours of each other,
 * nearest first — so that an incident detected earlier or later reads as one changed incident (and its plan and
 * policy decisions are compared with the recorded ones), not as one missed and one new. Returns the shadow
 * correlation ids to read as recorded ones.
 */
function pairIncidents(recorded: readonly Decision[], shadow: readonly Decision[]): Map<string, string> {
  const incidents = (decisions: readonly Decision[]) => decisions.filter((d) => d.kind === 'incident');
  const recordedIds = new Set(incidents(recorded).map((d) => d.correlationId));
  const shadowIds = new Set(incidents(shadow).map((d) => d.correlationId));
  const lonelyRecorded = incidents(recorded).filter((d) => !shadowIds.has(d.correlationId));
  const lonelyShadow = incidents(shadow).filter((d) => !recordedIds.has(d.correlationId));
  const candidates: { recorded: Decision; shadow: Decision; apart: number }[] = [];
  for (const r of lonelyRecorded) {
    for (const s of lonelyShadow) {
      const apart = Math.abs(Date.parse(r.time) - Date.parse(s.time));
      if (r.scope === s.scope && apart <= PAIRING_MS) candidates.push({ recorded: r, shadow: s, apart });
    }
  }
  candidates.sort((a, b) => a.apart - b.apart);
  const aliases = new Map<string, string>();
  const taken = new Set<string>();
  for (const { recorded: r, shadow: s } of candidates) {
    if (taken.has(r.correlationId) || aliases.has(s.correlationId)) continue;
    taken.add(r.correlationId);
    aliases.set(s.correlationId, r.correlationId);
  }
  return aliases;
}

/** Decisions by identity: kind, incident and subject — numbered when a run took the same one more than once. */
function byIdentity(
  decisions: readonly Decision[],
  alias = new Map<string, string>(),
): Map<string, Decision> {
  const keyed = new Map<string, Decision>();
  for (const decision of decisions) {
    const correlationId = alias.get(decision.correlationId) ?? decision.correlationId;
    const identity = `${decision.kind}|${correlationId}|${decision.subject}`;
    let key = identity;
    for (let n = 2; keyed.has(key); n++) key = `${identity}|#${n}`;
    keyed.set(key, decision);
  }
  return keyed;
}

/** What changed between the recorded decisions and the shadow run's, in the order they were taken. */
export function compareDecisions(
  recorded: readonly Decision[],
  shadow: readonly Decision[],
): DecisionChange[] {
  const aliases = pairIncidents(recorded, shadow);
  const before = byIdentity(recorded);
  const after = byIdentity(shadow, aliases);
  const changes: DecisionChange[] = [];
  for (const [key, r] of before) {
    const s = after.get(key);
    if (s === undefined) {
      changes.push({ kind: r.kind, status: 'not-taken', recorded: r, differences: [] });
      continue;
    }
    const differences: { fact: string; recorded: string; shadow: string }[] = [];
    for (const fact of new Set([...Object.keys(r.facts), ...Object.keys(s.facts)])) {
      const was = r.facts[fact] ?? '-';
      const now = s.facts[fact] ?? '-';
      if (was !== now) differences.push({ fact, recorded: was, shadow: now });
    }
    // Named after its new detection time: said once, on the incident; its plan and policy decisions count as
    // changed only for what they decide.
    if (r.kind === 'incident' && s.correlationId !== r.correlationId) {
      differences.unshift({ fact: 'incident', recorded: r.correlationId, shadow: s.correlationId });
    }
    if (differences.length > 0)
      changes.push({ kind: r.kind, status: 'changed', recorded: r, shadow: s, differences });
  }
  for (const [key, s] of after) {
    if (!before.has(key)) changes.push({ kind: s.kind, status: 'new', shadow: s, differences: [] });
  }
  const timeOf = (change: DecisionChange) => changedDecision(change).time;
  return changes.sort((a, b) => (timeOf(a) < timeOf(b) ? -1 : timeOf(a) > timeOf(b) ? 1 : 0));
}

/** A change as the lines `npm run shadow` prints. */
export function formatChange(change: DecisionChange): string[] {
  const decision = changedDecision(change);
  const what = `${decision.kind} ${decision.correlationId}${decision.subject ? ` ${decision.subject}` : ''}`;
  const factsOf = (d: Decision) => Object.entries(d.facts).map(([fact, value]) => `      ${fact}: ${value}`);
  switch (change.status) {
    case 'not-taken':
      return [
        `  - ${what}: recorded at ${decision.time}, not taken by the current agents`,
        ...factsOf(decision),
      ];
    case 'new':
      return [
        `  + ${what}: taken at ${decision.time} by the current agents, not in the recording`,
        ...factsOf(decision),
      ];
    case 'changed':
      return [
        `  ~ ${what}: changed`,
        ...change.differences.map((d) => `      ${d.fact}: ${d.recorded} → ${d.shadow}`),
      ];
  }
}
