import type { ApprovalDecided, ApprovalRequested } from '../../lambdas/domain/contracts/approvals';
import { approvalRecord } from '../../lambdas/domain/memory/approval-record';
import type { EpisodicRecord } from '../../lambdas/domain/memory/episodic';
import { TRACE_KINDS } from '../../lambdas/domain/memory/decision-trace';
import { executionAwaitingApproval, executionsToAnswer } from '../../lambdas/domain/operator/incidents';

const INCIDENT = 'warehouse#WH-ATL#2026-11-20T10:35:00Z';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:RemediationSaga:run-1';
const TIERS = [
  { index: 0, name: 'on-call', approvers: 'operators', timeoutSeconds: 900 },
  { index: 1, name: 'duty-manager', approvers: 'duty-managers', timeoutSeconds: 1800 },
] as const;

const plan: EpisodicRecord = {
  entity: 'warehouse#WH-ATL',
  time: '2026-11-20T10:40:00Z',
  kind: 'plan',
  correlationId: INCIDENT,
  data: { planId: `plan#${INCIDENT}`, executionId: EXECUTION },
};
const task = (n: number) => ({
  schemaVersion: 1 as const,
  correlationId: INCIDENT,
  planId: `plan#${INCIDENT}`,
  taskId: `plan#${INCIDENT}#task-${n}`,
  taskType: 'reroute_orders',
});
const asked = (n: number, tier: 0 | 1): EpisodicRecord =>
  approvalRecord(
    {
      ...task(n),
      parameters: {},
      costCents: 100,
      risk: 'medium',
      decisionId: `decision-${n}`,
      determiningPolicies: ['reroutes-need-approval'],
      reasons: [],
      tier: TIERS[tier],
      taskToken: 'token',
    } satisfies ApprovalRequested,
    `2026-11-20T10:4${n}:00Z`,
  );
const answered = (n: number, tier: 0 | 1, outcome: ApprovalDecided['outcome']): EpisodicRecord =>
  approvalRecord(
    { ...task(n), outcome, tier: { index: tier, name: TIERS[tier].name }, note: 'by ops: ok' },
    `2026-11-20T10:5${n}:00Z`,
  );
const outcome: EpisodicRecord = {
  entity: 'warehouse#WH-ATL',
  time: '2026-11-20T11:00:00Z',
  kind: 'remediation_outcome',
  correlationId: INCIDENT,
  data: { outcome: 'succeeded' },
};

describe('executionAwaitingApproval: where the decision trace says an operator is awaited', () => {
  it('names the plan’s execution while an approval asked has no answer for its task and tier', () => {
    expect(executionAwaitingApproval([plan, asked(3, 0)])).toBe(EXECUTION);
    // The first tier lapsed and the second is asked: still awaited.
    expect(executionAwaitingApproval([plan, asked(3, 0), answered(3, 0, 'escalated'), asked(3, 1)])).toBe(
      EXECUTION,
    );
    // A later task asked after an earlier one was approved.
    expect(executionAwaitingApproval([plan, asked(2, 0), answered(2, 0, 'approved'), asked(3, 0)])).toBe(
      EXECUTION,
    );
  });

  it('names nothing once every approval asked is answered, the remediation ended, or nothing was asked', () => {
    expect(executionAwaitingApproval([plan, asked(3, 0), answered(3, 0, 'rejected')])).toBeUndefined();
    expect(
      executionAwaitingApproval([
        plan,
        asked(3, 0),
        answered(3, 0, 'escalated'),
        asked(3, 1),
        answered(3, 1, 'expired'),
      ]),
    ).toBeUndefined();
    expect(executionAwaitingApproval([plan, asked(3, 0), outcome])).toBeUndefined();
    expect(executionAwaitingApproval([plan])).toBeUndefined();
    // No plan naming its execution: nowhere to look.
    expect(executionAwaitingApproval([asked(3, 0)])).toBeUndefined();
  });
});

describe('executionsToAnswer: which histories POST /approvals/{incident} reads', () => {
  it('reads the execution awaited, else the one the plan or escalation names, none once ended, all only if unrecorded', () => {
    expect(executionsToAnswer([plan, asked(3, 0)])).toEqual([EXECUTION]);
    // Asked before the trace recorded it, or answered already: the plan's execution alone tells.
    expect(executionsToAnswer([plan])).toEqual([EXECUTION]);
    expect(executionsToAnswer([plan, asked(3, 0), answered(3, 0, 'approved')])).toEqual([EXECUTION]);
    const escalated: EpisodicRecord = {
      ...plan,
      kind: TRACE_KINDS.planningEscalated,
      data: { message: 'no plan', executionId: EXECUTION },
    };
    expect(executionsToAnswer([escalated])).toEqual([EXECUTION]);
    expect(executionsToAnswer([plan, asked(3, 0), outcome])).toEqual([]);
    expect(executionsToAnswer([])).toBeUndefined();
    expect(executionsToAnswer([asked(3, 0)])).toBeUndefined();
  });
});
