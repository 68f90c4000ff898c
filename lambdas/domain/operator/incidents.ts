import { TRACE_KINDS } from '../memory/decision-trace';
import type { EpisodicRecord } from '../memory/episodic';

/**
 * Incidents as operators see them, from what episodic memory holds of each one (the decision trace: plan or
 * escalation, model calls, policy decisions, approvals, outcome). Pure: the records are read by an adapter.
 */

/** Where an incident stands, by the newest of its records. */
type IncidentStatus =
  /** Planned; the saga runs (or ran) it and no outcome is recorded yet. */
  | 'planned'
  /** No plan: handed to an operator. */
  | 'escalated'
  /** The remediation succeeded. */
  | 'succeeded'
  /** A task failed or was refused, and what ran was compensated. */
  | 'compensated';

export interface IncidentSummary {
  /** The correlation id, e.g. `warehouse#WH-NYC#2026-11-20T10:35:00Z`. */
  readonly id: string;
  /** The entity its records are filed under (`warehouse#WH-NYC`). */
  readonly entity: string;
  /** Business time of its first record (the plan's or the escalation's: the spike's window end). */
  readonly openedAt: string;
  /** Business time of its newest record. */
  readonly updatedAt: string;
  readonly status: IncidentStatus;
  /** `template`, `reasoner` or `rule`. */
  readonly planner?: string;
  readonly summary?: string;
  /** The plan's task types, in order. */
  readonly tasks?: readonly string[];
  /** The saga execution that planned it. */
  readonly executionId?: string;
}

/** The kinds that say an incident exists and where it stands: what a listing needs to read. */
export const INCIDENT_LISTING_KINDS: readonly string[] = [
  TRACE_KINDS.plan,
  TRACE_KINDS.planningEscalated,
  TRACE_KINDS.outcome,
];

/**
 * The kinds that open an incident's listing: the planning's answer, a plan or an escalation, written before any
 * outcome. Reading listing records newest first, the `limit` newest incidents are those of the first `limit`
 * opening records; an outcome met before is kept only if its incident's opening record follows.
 */
export const INCIDENT_OPENING_KINDS: readonly string[] = [TRACE_KINDS.plan, TRACE_KINDS.planningEscalated];

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

function statusOf(records: readonly EpisodicRecord[]): IncidentStatus {
  const outcome = records.findLast((r) => r.kind === TRACE_KINDS.outcome);
  if (outcome !== undefined) return outcome.data.outcome === 'succeeded' ? 'succeeded' : 'compensated';
  if (records.some((r) => r.kind === TRACE_KINDS.planningEscalated)) return 'escalated';
  return 'planned';
}

function summaryOf(id: string, records: readonly EpisodicRecord[]): IncidentSummary {
  const sorted = [...records].sort((a, b) => a.time.localeCompare(b.time));
  const plan = sorted.find((r) => r.kind === TRACE_KINDS.plan)?.data;
  const escalation = sorted.find((r) => r.kind === TRACE_KINDS.planningEscalated)?.data;
  const planner = str(plan?.planner);
  const summary = str(plan?.summary) ?? str(escalation?.message);
  const executionId = str(plan?.executionId) ?? str(escalation?.executionId);
  const [opened] = sorted;
  const updated = sorted.at(-1);
  if (opened === undefined || updated === undefined)
    throw new Error(`incident ${id}: no records to summarize`);
  return {
    id,
    entity: opened.entity,
    openedAt: opened.time,
    updatedAt: updated.time,
    status: statusOf(sorted),
    ...(planner === undefined ? {} : { planner }),
    ...(summary === undefined ? {} : { summary }),
    ...(plan === undefined ? {} : { tasks: strings(plan.tasks) }),
    ...(executionId === undefined ? {} : { executionId }),
  };
}

/** Groups records by incident; newest opened first (ties by id), at most `limit`. */
export function incidentSummaries(records: readonly EpisodicRecord[], limit = Infinity): IncidentSummary[] {
  const byIncident = new Map<string, EpisodicRecord[]>();
  for (const record of records) {
    const list = byIncident.get(record.correlationId) ?? [];
    list.push(record);
    byIncident.set(record.correlationId, list);
  }
  return [...byIncident]
    .map(([id, list]) => summaryOf(id, list))
    .sort((a, b) => b.openedAt.localeCompare(a.openedAt) || a.id.localeCompare(b.id))
    .slice(0, limit);
}

/** What the decision trace of one incident holds, by section, each oldest first. */
export interface IncidentTrace extends IncidentSummary {
  readonly plan?: {
    readonly time: string;
    readonly planId?: string;
    readonly planner?: string;
    readonly templateId?: string;
    readonly summary?: string;
    /** Each task with its parameters, cost, risk, timeout and compensation (or `irreversible`). */
    readonly tasks: readonly unknown[];
  };
  readonly escalation?: { readonly time: string; readonly reason?: string; readonly message?: string };
  /** Why the plan is what it is (or why there is none). */
  readonly evidence: readonly string[];
  /** Each model call, without its prompt and output (`npm run trace` prints those). */
  readonly modelCalls: readonly Record<string, unknown>[];
  readonly policyDecisions: readonly Record<string, unknown>[];
  readonly approvals: readonly Record<string, unknown>[];
  readonly outcome?: Record<string, unknown>;
}

/** `…#task-2` → `…#task-00002`, so task ids sort in plan order. */
const taskOrder = (record: EpisodicRecord): string =>
  (typeof record.data.taskId === 'string' ? record.data.taskId : '').replace(/(\d+)$/, (digits) =>
    digits.padStart(5, '0'),
  );

const pick = (data: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(keys.filter((key) => data[key] !== undefined).map((key) => [key, data[key]]));

/** The incident's trace from its records (all of one correlation id), or undefined when there are none. */
export function incidentTrace(id: string, records: readonly EpisodicRecord[]): IncidentTrace | undefined {
  const mine = records.filter((r) => r.correlationId === id).sort((a, b) => a.time.localeCompare(b.time));
  if (mine.length === 0) return undefined;
  const of = (kind: string) => mine.filter((r) => r.kind === kind);
  const planRecord = of(TRACE_KINDS.plan)[0];
  const escalationRecord = of(TRACE_KINDS.planningEscalated)[0];
  const outcomeRecord = of(TRACE_KINDS.outcome).at(-1);
  return {
    ...summaryOf(id, mine),
    ...(planRecord && {
      plan: {
        time: planRecord.time,
        ...pick(planRecord.data, ['planId', 'planner', 'templateId', 'summary']),
        tasks: Array.isArray(planRecord.data.validatedTasks)
          ? planRecord.data.validatedTasks
          : strings(planRecord.data.tasks),
      },
    }),
    ...(escalationRecord && {
      escalation: { time: escalationRecord.time, ...pick(escalationRecord.data, ['reason', 'message']) },
    }),
    evidence: strings((planRecord ?? escalationRecord)?.data.evidence),
    modelCalls: of(TRACE_KINDS.reasoning).map((r) => ({
      time: r.time,
      ...pick(r.data, [
        'attempt',
        'outcome',
        'modelId',
        'inputTokens',
        'outputTokens',
        'costMicroUsd',
        'stopReason',
        'latencyMs',
        'error',
      ]),
    })),
    // Decisions of one saga step share its business time: the plan's task order breaks the tie.
    policyDecisions: of(TRACE_KINDS.policyDecision)
      .sort((a, b) => a.time.localeCompare(b.time) || taskOrder(a).localeCompare(taskOrder(b)))
      .map((r) => ({
        time: r.time,
        ...pick(r.data, [
          'decisionId',
          'planId',
          'taskId',
          'decision',
          'policyOutcome',
          'principal',
          'action',
          'resource',
          'determiningPolicies',
          'reasons',
          'configurationVersion',
        ]),
      })),
    approvals: of(TRACE_KINDS.approval).map((r) => ({ time: r.time, ...r.data })),
    ...(outcomeRecord && {
      outcome: {
        time: outcomeRecord.time,
        ...pick(outcomeRecord.data, ['outcome', 'planId', 'fulfillment', 'failure']),
      },
    }),
  };
}

/**
 * The saga execution an incident's decision trace says waits on an operator: an approval asked (`requested`) and
 * not answered (no `decided` record for its task and tier), no outcome recorded, and the plan naming its
 * execution. The trace is written from the saga's events, so it can lag the saga by a delivery: it says where to
 * look (GET /approvals reads only those executions' histories), and Step Functions says what is pending.
 */
export function executionAwaitingApproval(records: readonly EpisodicRecord[]): string | undefined {
  if (statusOf(records) !== 'planned') return undefined;
  const answered = new Set<string>();
  const asked = new Set<string>();
  for (const record of records) {
    if (record.kind !== TRACE_KINDS.approval) continue;
    const key = `${str(record.data.taskId) ?? ''}#${str(record.data.tier) ?? ''}`;
    (record.data.stage === 'decided' ? answered : asked).add(key);
  }
  const unanswered = [...asked].some((key) => !answered.has(key));
  if (!unanswered) return undefined;
  return str(records.find((r) => r.kind === TRACE_KINDS.plan)?.data.executionId);
}

/**
 * The executions `POST /approvals/{incident}` reads to find the approval it answers:
 * - none once the trace has the incident's outcome: its saga has ended, nothing of it waits;
 * - the one the trace says waits ({@link executionAwaitingApproval});
 * - else the one its plan (or its planning's escalation) names: the saga may have asked before the trace recorded
 *   it, and an approval already answered is found not pending in that history alone;
 * - `undefined` (every running saga, as `npm run approve` reads them) only while the trace names no execution at
 *   all: an incident it has not recorded yet.
 */
export function executionsToAnswer(records: readonly EpisodicRecord[]): readonly string[] | undefined {
  if (records.some((r) => r.kind === TRACE_KINDS.outcome)) return [];
  const awaiting = executionAwaitingApproval(records);
  if (awaiting !== undefined) return [awaiting];
  const named =
    str(records.find((r) => r.kind === TRACE_KINDS.plan)?.data.executionId) ??
    str(records.find((r) => r.kind === TRACE_KINDS.planningEscalated)?.data.executionId);
  return named === undefined ? undefined : [named];
}
