import type { z } from 'zod';
import type { ApprovalDecided, ApprovalRequested } from '../contracts/approvals';
import { boundRecord } from './bounded-record';
import { approvalTraceV1, TRACE_KINDS, TRACE_RECORD_MAX_BYTES, traceEntityOf } from './decision-trace';
import type { EpisodicRecord } from './episodic';
import { TraceRecordInvalid } from './errors';

/** The answer's note, `by <name>: <comment>` (the operator API and `npm run approve` write it so). */
const ANSWER_NOTE = /^by (.+?): ([\s\S]*)$/;

type ApprovalTrace = z.input<typeof approvalTraceV1>;

/** The request: what would run and at what stake, of whom, for how long, and why (the policy decision). */
function requested(detail: ApprovalRequested, time: string): ApprovalTrace {
  return {
    correlationId: detail.correlationId,
    time,
    stage: 'requested',
    planId: detail.planId,
    taskId: detail.taskId,
    taskType: detail.taskType,
    tier: detail.tier.name,
    approvers: detail.tier.approvers,
    timeoutSeconds: detail.tier.timeoutSeconds,
    costCents: detail.costCents,
    risk: detail.risk,
    decisionId: detail.decisionId,
    reason: [detail.determiningPolicies.join(', '), ...detail.reasons].filter(Boolean).join('; '),
  };
}

/** The answer: the outcome, who gave it and why; a lapse names no one and says why in `reason`. */
function decided(detail: ApprovalDecided, time: string): ApprovalTrace {
  const [, decidedBy, reason] = ANSWER_NOTE.exec(detail.note) ?? [];
  const byPerson =
    decidedBy !== undefined &&
    reason !== undefined &&
    (detail.outcome === 'approved' || detail.outcome === 'rejected');
  return {
    correlationId: detail.correlationId,
    time,
    stage: 'decided',
    planId: detail.planId,
    taskId: detail.taskId,
    taskType: detail.taskType,
    tier: detail.tier.name,
    outcome: detail.outcome,
    ...(detail.then === undefined ? {} : { then: detail.then }),
    ...(byPerson ? { decidedBy: decidedBy.trim() } : {}),
    reason: byPerson ? reason.trim() : detail.note,
  };
}

/**
 * The decision trace's record of an approval asked for (`approval_requested`) or answered (`approval_decided`),
 * filed under the incident's entity (see {@link traceEntityOf}) at `time`, when the saga announced it (the
 * event's time). A request's task token is never kept: it would answer the approval. One record per task, tier
 * and stage (`discriminator`), so a redelivered event rewrites the same item.
 */
export function approvalRecord(detail: ApprovalRequested | ApprovalDecided, time: string): EpisodicRecord {
  // The two contracts differ by `outcome`: only an answer (or a lapse) has one.
  const trace = approvalTraceV1.safeParse(
    'outcome' in detail ? decided(detail, time) : requested(detail, time),
  );
  if (!trace.success) {
    const issue = trace.error.issues[0];
    throw new TraceRecordInvalid(issue?.path.join('.') ?? 'approval', issue?.message ?? 'invalid');
  }
  const { correlationId, time: at, ...data } = trace.data;
  const stage = data.stage === 'requested' ? 'requested' : (data.outcome ?? 'decided');
  return {
    entity: traceEntityOf(correlationId),
    time: at,
    kind: TRACE_KINDS.approval,
    correlationId,
    discriminator: `${data.taskId}#tier-${detail.tier.index}#${stage}`,
    data: boundRecord(data, { maxBytes: TRACE_RECORD_MAX_BYTES }) as Record<string, unknown>,
  };
}
