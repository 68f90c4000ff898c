import { z } from 'zod';
import type { PolicyDecisionEvent } from '../contracts/governance';
import { boundRecord } from './bounded-record';
import type { EpisodicRecord } from './episodic';
import { TraceRecordInvalid } from './errors';
import type { DraftPlan } from './reasoner';

/**
 * The decision trace of an incident is a set of episodic records of the incident's entity, all carrying its
 * correlation id: the plan, each model call, each policy decision, each approval and the outcome. These are
 * their kinds.
 */
export const TRACE_KINDS = {
  /** The validated plan (the planner). */
  plan: 'plan',
  /** No plan: the incident went to an operator (the planner). */
  planningEscalated: 'planning_escalated',
  /** One model call: prompt, model, tokens, cost, raw output and what validation said (the planner). */
  reasoning: 'reasoning',
  /** One decision of the policy decision point (the policy agent). */
  policyDecision: 'policy_decision',
  /** An approval asked for or answered (the approval recorder, from the saga's approval events): {@link approvalTraceV1}. */
  approval: 'approval',
  /** How the remediation ended (the learning agent). */
  outcome: 'remediation_outcome',
} as const;

/**
 * The most a trace record's data may take as UTF-8 JSON. DynamoDB refuses items over 400 KB; a prompt stays far
 * below this, and the planner reads an entity's records back as evidence, so they are kept small.
 */
export const TRACE_RECORD_MAX_BYTES = 64_000;

/** The most a record may take as X-Ray metadata: a segment document is at most 64 KB, and holds more than it. */
export const TRACE_METADATA_MAX_BYTES = 16_000;

const isoTime = z.iso.datetime({ offset: true });

/**
 * The entity an incident's trace is filed under, from its correlation id alone (the policy agent and the trace
 * reader know nothing else): an incident key `<entity type>#<entity id>#<start>` files under its entity
 * (`warehouse#WH-NYC` for `warehouse#WH-NYC#2026-11-20T10:35:00Z`), as the planner files the plan; any other
 * correlation id under `incident#<correlationId>`.
 */
export function traceEntityOf(correlationId: string): string {
  if (correlationId === '') throw new TraceRecordInvalid('correlationId', 'must not be empty');
  const cut = correlationId.lastIndexOf('#');
  const entity = correlationId.slice(0, Math.max(cut, 0));
  return cut > 0 && cut < correlationId.length - 1 && /^[^#]+#[^#]+$/.test(entity)
    ? entity
    : `incident#${correlationId}`;
}

/** How one model call ended for the planner. */
type ReasoningOutcome =
  /** Its plan passed validation against the catalog. */
  | 'accepted'
  /** Its plan failed validation (the error says why). */
  | 'rejected'
  /** It called the escalation tool: no task fits. */
  | 'declined'
  /** No answer: the model refused or throttled, or the budget did not allow the call (the error says which). */
  | 'unavailable';

export interface ReasoningAttempt {
  /** 1 for the first call of a planning, 2 for the retry. */
  readonly attempt: number;
  readonly outcome: ReasoningOutcome;
  /** What the reasoner answered (usage, cost and the exchange included), unless it was unavailable. */
  readonly draft?: DraftPlan;
  /** Why validation rejected the draft, or why the reasoner was unavailable. */
  readonly error?: string;
}

const exchangeBlock = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('tool_use'), id: z.string(), tool: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('tool_result'), id: z.string(), status: z.string(), text: z.string() }),
  // A block or message cut to fit the record is a marker string.
  z.string(),
]);

/** The data of a `reasoning` record: one model call of a planning. */
export const reasoningTraceV1 = z.looseObject({
  attempt: z.number().int().positive(),
  outcome: z.enum(['accepted', 'rejected', 'declined', 'unavailable']),
  modelId: z.string().optional(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  /** As the inference firewall charged it. */
  costMicroUsd: z.number().int().nonnegative().optional(),
  /** What was sent, after redaction. */
  prompt: z
    .object({
      system: z.string(),
      messages: z.array(
        z.union([z.object({ role: z.string(), content: z.array(exchangeBlock) }), z.string()]),
      ),
      tools: z.array(z.string()),
    })
    .optional(),
  /** The model's raw answer, block by block (redacted). */
  output: z.array(exchangeBlock).optional(),
  stopReason: z.string().optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** The answer as a draft plan: the tool calls as tasks, the text as rationale. */
  draft: z
    .looseObject({
      tasks: z.array(z.union([z.looseObject({ taskType: z.string(), parameters: z.unknown() }), z.string()])),
      rationale: z.string().optional(),
      escalation: z.string().optional(),
    })
    .optional(),
  /** Why validation rejected the draft, or why no model answered. */
  error: z.string().optional(),
  executionId: z.string().optional(),
});
export type ReasoningTrace = z.infer<typeof reasoningTraceV1>;

/** Where and when a planning's records go: the incident's entity, at the incident's business time. */
export interface TraceBase {
  readonly entity: string;
  readonly time: string;
  readonly correlationId: string;
  readonly executionId?: string;
}

/** The episodic record of one model call, bounded to {@link TRACE_RECORD_MAX_BYTES}. */
export function reasoningRecord(base: TraceBase, attempt: ReasoningAttempt): EpisodicRecord {
  const { draft } = attempt;
  const exchange = draft?.exchange;
  const data: z.input<typeof reasoningTraceV1> = {
    attempt: attempt.attempt,
    outcome: attempt.outcome,
    ...(draft?.usage && {
      modelId: draft.usage.modelId,
      inputTokens: draft.usage.inputTokens,
      outputTokens: draft.usage.outputTokens,
    }),
    ...(draft?.costMicroUsd === undefined ? {} : { costMicroUsd: draft.costMicroUsd }),
    ...(exchange && {
      prompt: {
        system: exchange.system,
        messages: exchange.messages.map((message) => ({ role: message.role, content: [...message.content] })),
        tools: [...exchange.tools],
      },
      output: [...exchange.output],
      ...(exchange.stopReason === undefined ? {} : { stopReason: exchange.stopReason }),
      ...(exchange.latencyMs === undefined ? {} : { latencyMs: exchange.latencyMs }),
    }),
    ...(draft && {
      draft: {
        tasks: draft.tasks.map((task) => ({ taskType: task.taskType, parameters: task.parameters })),
        ...(draft.rationale === undefined ? {} : { rationale: draft.rationale }),
        ...(draft.escalation === undefined ? {} : { escalation: draft.escalation }),
      },
    }),
    ...(attempt.error === undefined ? {} : { error: attempt.error }),
    ...(base.executionId === undefined ? {} : { executionId: base.executionId }),
  };
  return {
    entity: base.entity,
    time: base.time,
    kind: TRACE_KINDS.reasoning,
    correlationId: base.correlationId,
    discriminator: `attempt-${attempt.attempt}`,
    data: boundRecord(data, { maxBytes: TRACE_RECORD_MAX_BYTES }) as Record<string, unknown>,
  };
}

/**
 * The episodic record of one policy decision, filed under the incident's entity at `time` (when the saga asked),
 * with the `policy_decision` event's content.
 */
export function policyDecisionRecord(decision: PolicyDecisionEvent, time: string): EpisodicRecord {
  if (!isoTime.safeParse(time).success) {
    throw new TraceRecordInvalid('time', `must be an ISO 8601 time, got "${time}"`);
  }
  const { schemaVersion: _version, correlationId, ...data } = decision;
  return {
    entity: traceEntityOf(correlationId),
    time,
    kind: TRACE_KINDS.policyDecision,
    correlationId,
    discriminator: decision.decisionId,
    data: boundRecord(data, { maxBytes: TRACE_RECORD_MAX_BYTES }) as Record<string, unknown>,
  };
}

/**
 * An approval in the decision trace: asked for (`requested`, with what is at stake, why and of whom) or answered
 * (`decided`, with the outcome, by whom and why; `escalated` or `expired` when a tier's timeout ran out).
 */
export const approvalTraceV1 = z.object({
  /** The incident: the record is filed under its entity (see {@link traceEntityOf}). */
  correlationId: z.string().min(1),
  /** When it was asked or answered (ISO 8601). */
  time: isoTime,
  stage: z.enum(['requested', 'decided']),
  planId: z.string().min(1).optional(),
  taskId: z.string().min(1),
  taskType: z.string().min(1).optional(),
  /** The escalation tier that was asked or that answered. */
  tier: z.string().min(1).optional(),
  /** `decided` only. */
  outcome: z.enum(['approved', 'rejected', 'escalated', 'expired']).optional(),
  /** `expired` only: how the escalation chain ended. */
  then: z.enum(['compensate', 'deny']).optional(),
  /** Who answered (the operator the answer names); absent when a tier lapsed. */
  decidedBy: z.string().min(1).optional(),
  /** What was asked and why (requested), or the answer's reason (decided). */
  reason: z.string().optional(),
  /** How long the tier waits before escalating. */
  timeoutSeconds: z.number().int().positive().optional(),
  /** The policy decision that required the approval. */
  decisionId: z.string().min(1).optional(),
  /** `requested` only: who is asked at the tier (an operator group, a rota). */
  approvers: z.string().min(1).optional(),
  /** `requested` only: what is at stake, as the plan has it. */
  costCents: z.number().int().nonnegative().optional(),
  risk: z.enum(['low', 'medium', 'high']).optional(),
});
