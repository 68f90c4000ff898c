import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { RemediationPlan } from '../../lambdas/domain/contracts/platform';
import { materializeTasks, validateDraft } from '../../lambdas/domain/planning/task-catalog';
import { eventFixture, spikeFixture } from '../events/fixtures';
import { SagaHarness, type Detail, type PolicyAnswer, type SentCommand } from './saga-harness';

const spike = spikeFixture();
const START = Date.parse('2026-11-20T10:41:00Z');
const SINCE = '2026-11-20T08:35:00.000Z';

/** The rule plan of a warehouse incident: ticket, intake pause, reroute — validated and materialised. */
function threeTaskPlan(): RemediationPlan {
  const validation = validateDraft(
    {
      tasks: [
        {
          taskType: 'open_incident_ticket',
          parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', severity: 'sev2' },
        },
        { taskType: 'pause_warehouse_intake', parameters: { warehouseId: 'WH-NYC' } },
        { taskType: 'reroute_orders', parameters: { fromWarehouseId: 'WH-NYC', since: SINCE } },
      ],
    },
    spike,
  );
  if (!validation.ok) throw new Error(validation.error);
  const planId = `plan#${spike.correlationId}`;
  return parseDetail('remediation_planned', {
    schemaVersion: 1,
    correlationId: spike.correlationId,
    planId,
    entity: 'warehouse#WH-NYC',
    summary: 'ticket, pause, reroute',
    evidence: ['cancellation ratio at WH-NYC is 45.0% against a baseline of 4.8%'],
    planner: 'rule',
    tasks: materializeTasks(validation.tasks, { planId, correlationId: spike.correlationId }),
  });
}

const plan = threeTaskPlan();
const TIERS = [
  { name: 'on-call', approvers: 'operators', timeoutSeconds: 900 },
  { name: 'duty-manager', approvers: 'duty-managers', timeoutSeconds: 1800 },
];
/** The decision point holding reroutes for approval (the escalation chain ends as given) and allowing the rest. */
const reroutesNeedApproval =
  (onExhausted: 'compensate' | 'deny' = 'compensate') =>
  (request: Detail): PolicyAnswer =>
    (request.task as { taskType: string }).taskType === 'reroute_orders'
      ? {
          decision: 'require_approval',
          determiningPolicies: ['reroutes-need-approval'],
          reasons: ['reroutes need a human'],
          escalation: { tiers: TIERS, onExhausted },
        }
      : { decision: 'allow', determiningPolicies: ['planning-agent-remediates'] };

const ok = (command: SentCommand): Detail => ({ answeredFor: command.detail.taskId });
const isApproval = (command: SentCommand) => command.detailType === 'approval_requested';
const commandTypes = (harness: SagaHarness) =>
  harness
    .commands()
    .filter((c) => !isApproval(c))
    .map((c) => c.detailType);
const decided = (harness: SagaHarness) =>
  harness.details('approval_decided').map((d) => parseDetail('approval_decided', d));

describe('the saga under policy: every task authorized, approvals through the escalation chain', () => {
  let harness: SagaHarness;
  afterEach(() => harness.close());

  /** Runs the plan with reroutes held for approval and no tier ever answering, past the last tier's timeout. */
  async function leaveUnanswered(onExhausted: 'compensate' | 'deny'): Promise<string> {
    harness = new SagaHarness(plan, START, reroutesNeedApproval(onExhausted));
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    const silent = (command: SentCommand) => (isApproval(command) ? undefined : ok(command));
    await harness.answer(silent);
    await harness.advanceBy(TIERS.reduce((ms, tier) => ms + tier.timeoutSeconds * 1000, 0));
    await harness.answer(silent);
    return executionArn;
  }

  it('asks the policy decision point before each task, with the plan task as it is', async () => {
    harness = new SagaHarness(plan, START);
    await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer(ok);

    expect(harness.authorizations).toEqual(
      plan.tasks.map((task) => ({
        correlationId: plan.correlationId,
        planId: plan.planId,
        agent: 'planning-agent',
        task,
        // The saga's time of asking: the decision's record is stamped with it, not the Lambda's clock.
        requestedAt: new Date(START).toISOString(),
      })),
    );
    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'reroute_orders',
    ]);
  });

  it('never runs a denied task and compensates what ran before it, in reverse order', async () => {
    harness = new SagaHarness(plan, START, (request) =>
      (request.task as { taskType: string }).taskType === 'pause_warehouse_intake'
        ? {
            decision: 'deny',
            determiningPolicies: ['config:blocked-actions'],
            reasons: ['pause_warehouse_intake is blocked by configuration'],
          }
        : { decision: 'allow' },
    );
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer(ok);

    // The ticket ran; the pause never did (its compensation is a no-op tombstone); the reroute was never asked.
    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'resume_warehouse_intake',
      'close_incident_ticket',
    ]);
    expect(harness.authorizations).toHaveLength(2);
    expect(harness.details('remediation_failed')).toEqual([
      expect.objectContaining({
        error: 'PolicyDenied',
        cause: expect.stringMatching(
          /pause_warehouse_intake denied by .*config:blocked-actions.*blocked by configuration/,
        ),
      }),
    ]);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('FAILED');
  });

  it('publishes a suggest-only agent’s plan as a suggestion and runs none of it', async () => {
    harness = new SagaHarness(plan, START, () => ({
      decision: 'suggest',
      determiningPolicies: ['autonomy:suggest-only'],
      reasons: ['planning-agent is suggest-only'],
    }));
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer(ok);

    expect(harness.commands()).toEqual([]);
    expect(harness.details('remediation_suggested')).toEqual([
      {
        schemaVersion: 1,
        correlationId: plan.correlationId,
        planId: plan.planId,
        taskId: plan.tasks[0]!.taskId,
        taskType: 'open_incident_ticket',
        decisionId: 'decision-1',
        reasons: ['planning-agent is suggest-only'],
      },
    ]);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('SUCCEEDED');
    expect(harness.learned).toEqual([]);
  });

  it('fails closed when the policy decision point cannot answer: nothing runs unauthorized', async () => {
    harness = new SagaHarness(plan, START, () => {
      throw new Error('AppConfig unreachable');
    });
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer(ok);

    expect(commandTypes(harness)).toEqual(['close_incident_ticket']);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('FAILED');
  });

  it('asks for approval with what, why and the tier, and runs the task once a person approves', async () => {
    harness = new SagaHarness(plan, START, reroutesNeedApproval());
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer((command) => (isApproval(command) ? { note: 'by ana: go ahead' } : ok(command)));

    const [requested] = harness.details('approval_requested');
    const reroute = plan.tasks[2]!;
    expect(parseDetail('approval_requested', requested)).toEqual({
      schemaVersion: 1,
      correlationId: plan.correlationId,
      planId: plan.planId,
      taskId: reroute.taskId,
      taskType: 'reroute_orders',
      parameters: reroute.parameters,
      costCents: reroute.costCents,
      risk: reroute.risk,
      decisionId: 'decision-3',
      determiningPolicies: ['reroutes-need-approval'],
      reasons: ['reroutes need a human'],
      tier: { index: 0, name: 'on-call', approvers: 'operators', timeoutSeconds: 900 },
      taskToken: expect.any(String) as unknown,
    });
    expect(decided(harness)).toEqual([
      expect.objectContaining({
        outcome: 'approved',
        tier: { index: 0, name: 'on-call' },
        note: 'by ana: go ahead',
      }),
    ]);
    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'reroute_orders',
    ]);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('SUCCEEDED');
  });

  it('compensates in reverse order when a person rejects, and records who and why', async () => {
    harness = new SagaHarness(plan, START, reroutesNeedApproval());
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer((command) =>
      isApproval(command) ? { error: 'ApprovalRejected', cause: 'by ana: too many orders' } : ok(command),
    );

    expect(decided(harness)).toEqual([
      expect.objectContaining({ outcome: 'rejected', note: 'by ana: too many orders' }),
    ]);
    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'revert_reroute',
      'resume_warehouse_intake',
      'close_incident_ticket',
    ]);
    expect(harness.details('remediation_failed')).toEqual([
      expect.objectContaining({ error: 'ApprovalRejected', cause: 'by ana: too many orders' }),
    ]);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('FAILED');
  });

  it('asks the next tier when a tier does not answer in time, and runs the task when the second tier approves', async () => {
    harness = new SagaHarness(plan, START, reroutesNeedApproval());
    await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    await harness.answer((command) => (isApproval(command) ? undefined : ok(command)));
    const firstAskedAt = harness.clock.now();

    await harness.advanceBy(900_000);
    await harness.answer((command) =>
      isApproval(command) ? { note: 'by duty manager: approved' } : ok(command),
    );

    const tiers = harness.details('approval_requested').map((d) => (d.tier as { name: string }).name);
    expect(tiers).toEqual(['on-call', 'duty-manager']);
    expect(decided(harness).map(({ outcome, tier }) => [outcome, tier.name])).toEqual([
      ['escalated', 'on-call'],
      ['approved', 'duty-manager'],
    ]);
    expect(harness.clock.now() - firstAskedAt).toBe(900_000);
    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'reroute_orders',
    ]);
  });

  it('at the end of an unanswered chain that ends in compensate, undoes what ran in reverse order', async () => {
    const executionArn = await leaveUnanswered('compensate');

    expect(decided(harness).map(({ outcome, tier, then }) => [outcome, tier.name, then])).toEqual([
      ['escalated', 'on-call', undefined],
      ['expired', 'duty-manager', 'compensate'],
    ]);
    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'revert_reroute',
      'resume_warehouse_intake',
      'close_incident_ticket',
    ]);
    expect(harness.details('remediation_failed')).toEqual([
      expect.objectContaining({ error: 'ApprovalExpired' }),
    ]);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('FAILED');
  });

  it('at the end of an unanswered chain that ends in deny, refuses the task and hands what ran to an operator', async () => {
    const executionArn = await leaveUnanswered('deny');

    expect(decided(harness).at(-1)).toMatchObject({ outcome: 'expired', then: 'deny' });
    // Nothing undone: the ticket and the pause stay for the operator the incident is escalated to.
    expect(commandTypes(harness)).toEqual(['open_incident_ticket', 'pause_warehouse_intake']);
    expect(harness.details('remediation_escalated')).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/no tier approved reroute_orders in time: denied/),
      }),
    ]);
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'ApprovalExpired',
    });
  });
});
