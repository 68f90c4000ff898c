import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { RemediationPlan } from '../../lambdas/domain/contracts/platform';
import { materializeTasks, validateDraft } from '../../lambdas/domain/planning/task-catalog';
import { eventFixture, spikeFixture } from '../events/fixtures';
import { SagaHarness, type Detail, type SentCommand } from './saga-harness';

const spike = spikeFixture();
const START = Date.parse('2026-11-20T10:41:00Z');
const SINCE = '2026-11-20T08:35:00.000Z';
const TASKS = {
  ticket: {
    taskType: 'open_incident_ticket',
    parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', severity: 'sev2' },
  },
  pause: { taskType: 'pause_warehouse_intake', parameters: { warehouseId: 'WH-NYC' } },
  reroute: { taskType: 'reroute_orders', parameters: { fromWarehouseId: 'WH-NYC', since: SINCE } },
  notify: {
    taskType: 'notify_customers',
    parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', since: SINCE, template: 'delivery_delay' },
  },
} as const;

/** A plan the planning agent would produce: validated and materialised by the task catalog itself. */
function planOf(...tasks: (typeof TASKS)[keyof typeof TASKS][]): RemediationPlan {
  const validation = validateDraft({ tasks }, spike);
  if (!validation.ok) throw new Error(validation.error);
  const planId = `plan#${spike.correlationId}`;
  return parseDetail('remediation_planned', {
    schemaVersion: 1,
    correlationId: spike.correlationId,
    planId,
    entity: 'warehouse#WH-NYC',
    summary: 'test plan',
    evidence: ['cancellation ratio at WH-NYC is 45.0% against a baseline of 4.8%'],
    planner: 'reasoner',
    tasks: materializeTasks(validation.tasks, { planId, correlationId: spike.correlationId }),
  });
}

const threeTasks = planOf(TASKS.ticket, TASKS.pause, TASKS.reroute);
const succeed = (command: SentCommand): Detail => ({ answeredFor: command.detail.taskId });
const commandTypes = (harness: SagaHarness) => harness.commands().map((c) => c.detailType);

describe('the generic executor: one saga definition runs every task of any validated plan', () => {
  let harness: SagaHarness;
  afterEach(() => harness.close());

  it('runs the tasks in order, each through its own command and token, and learns from all their answers', async () => {
    harness = new SagaHarness(threeTasks, START);
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));

    // Each command waits for its answer before the next is sent, within its own timeout.
    const deadlines: number[] = [];
    await harness.answer((command) => {
      deadlines.push((harness.sfn.pendingTaskTokens()[0]?.deadline ?? Number.NaN) - START);
      return succeed(command);
    });

    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'reroute_orders',
    ]);
    expect(deadlines).toEqual(threeTasks.tasks.map((task) => task.timeoutSeconds * 1000));
    const sent = harness.commands().map((c) => c.detail);
    expect(
      sent.map(({ taskId, idempotencyKey, parameters }) => ({ taskId, idempotencyKey, parameters })),
    ).toEqual(
      threeTasks.tasks.map(({ taskId, idempotencyKey, parameters }) => ({
        taskId,
        idempotencyKey,
        parameters,
      })),
    );
    expect(new Set(sent.map((d) => d.taskToken)).size).toBe(3);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('SUCCEEDED');
    expect(harness.learned).toEqual([
      expect.objectContaining({
        outcome: 'succeeded',
        answers: {
          taskId: threeTasks.tasks[2]!.taskId,
          taskType: 'reroute_orders',
          answer: { answeredFor: threeTasks.tasks[2]!.taskId },
          previous: {
            taskId: threeTasks.tasks[1]!.taskId,
            taskType: 'pause_warehouse_intake',
            answer: { answeredFor: threeTasks.tasks[1]!.taskId },
            previous: {
              taskId: threeTasks.tasks[0]!.taskId,
              taskType: 'open_incident_ticket',
              answer: { answeredFor: threeTasks.tasks[0]!.taskId },
              previous: {},
            },
          },
        },
      }),
    ]);
    expect(harness.details('remediation_compensated')).toEqual([]);
  });

  // A failure at step k: the k commands in order, then the compensations of tasks k..1 in reverse order (the
  // failed task's too: a no-op, and a tombstone for a late command, when it never applied).
  it.each([
    [1, ['close_incident_ticket']],
    [2, ['resume_warehouse_intake', 'close_incident_ticket']],
    [3, ['revert_reroute', 'resume_warehouse_intake', 'close_incident_ticket']],
  ])('a failure at step %i of 3 compensates the tasks up to it in reverse order', async (step, reverse) => {
    harness = new SagaHarness(threeTasks, START);
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    const failing = threeTasks.tasks[step - 1]!;

    await harness.answer((command) =>
      command.detail.taskId === failing.taskId && command.detailType === failing.taskType
        ? { error: 'AgentFailed', cause: `step ${step} failed` }
        : succeed(command),
    );

    const forward = threeTasks.tasks.slice(0, step).map((task) => task.taskType);
    expect(commandTypes(harness)).toEqual([...forward, ...reverse]);
    const compensations = harness
      .commands()
      .slice(step)
      .map((c) => c.detail);
    const undone = threeTasks.tasks.slice(0, step).reverse();
    expect(
      compensations.map(({ taskId, idempotencyKey, parameters }) => ({ taskId, idempotencyKey, parameters })),
    ).toEqual(
      undone.map((task) => {
        if (!('compensation' in task)) throw new Error('every task of this plan is reversible');
        return {
          taskId: task.taskId,
          idempotencyKey: task.compensation.idempotencyKey,
          parameters: task.compensation.parameters,
        };
      }),
    );
    expect(harness.details('remediation_failed')).toEqual([
      expect.objectContaining({ stage: 'execution', error: 'AgentFailed', cause: `step ${step} failed` }),
    ]);
    const [compensated] = harness.details('remediation_compensated');
    expect(parseDetail('remediation_compensated', compensated)).toEqual({
      schemaVersion: 2,
      correlationId: spike.correlationId,
      planId: threeTasks.planId,
      failedTaskId: failing.taskId,
      reason: 'AgentFailed',
      compensations: undone.map((task) => ({
        taskId: task.taskId,
        taskType: task.taskType,
        outcome: 'compensated',
      })),
    });
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'RemediationCompensated',
    });
    expect(harness.learned).toEqual([expect.objectContaining({ outcome: 'compensated' })]);
  });

  it('times a task out after its own timeout on the virtual clock, then compensates back to the first task', async () => {
    harness = new SagaHarness(threeTasks, START);
    await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    // The pause is never answered.
    await harness.answer((command) =>
      command.detailType === 'pause_warehouse_intake' ? undefined : succeed(command),
    );
    const pause = threeTasks.tasks[1]!;

    await harness.advanceBy(pause.timeoutSeconds * 1000 - 1_000);
    expect(commandTypes(harness)).toEqual(['open_incident_ticket', 'pause_warehouse_intake']);
    await harness.advanceBy(1_000);
    await harness.answer(succeed);

    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'resume_warehouse_intake',
      'close_incident_ticket',
    ]);
    expect(harness.details('remediation_failed')[0]).toMatchObject({ error: 'States.Timeout' });
  });

  it('skips an irreversible task in the reverse walk and says so', async () => {
    const plan = planOf(TASKS.ticket, TASKS.notify, TASKS.reroute);
    harness = new SagaHarness(plan, START);
    await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));

    await harness.answer((command) =>
      command.detailType === 'reroute_orders'
        ? { error: 'RerouteNotPlannable', cause: 'no warehouse serves us-east' }
        : succeed(command),
    );

    expect(commandTypes(harness)).toEqual([
      'open_incident_ticket',
      'notify_customers',
      'reroute_orders',
      'revert_reroute',
      'close_incident_ticket',
    ]);
    // RerouteNotPlannable asks an operator first, then compensates as any failure.
    expect(harness.details('remediation_escalated')[0]).toMatchObject({
      reason: 'no warehouse serves us-east',
    });
    expect(harness.details('remediation_compensated')[0]!.compensations).toEqual([
      { taskId: plan.tasks[2]!.taskId, taskType: 'reroute_orders', outcome: 'compensated' },
      { taskId: plan.tasks[1]!.taskId, taskType: 'notify_customers', outcome: 'irreversible' },
      { taskId: plan.tasks[0]!.taskId, taskType: 'open_incident_ticket', outcome: 'compensated' },
    ]);
  });

  it('retries a transient error with the same idempotency key and a fresh token, then goes on', async () => {
    harness = new SagaHarness(threeTasks, START);
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    let contended = 0;

    await harness.answer((command) =>
      command.detailType === 'reroute_orders' && contended++ === 0
        ? { error: 'CapacityContended', cause: 'another reroute reserved first' }
        : succeed(command),
    );
    // The retry waits its backoff on the virtual clock.
    await harness.advanceBy(10_000);
    await harness.answer(succeed);

    const reroutes = harness.commands().filter((c) => c.detailType === 'reroute_orders');
    expect(reroutes).toHaveLength(2);
    expect(reroutes[1]!.detail.idempotencyKey).toBe(reroutes[0]!.detail.idempotencyKey);
    expect(reroutes[1]!.detail.taskToken).not.toBe(reroutes[0]!.detail.taskToken);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('SUCCEEDED');
  });

  it('escalates a compensation that fails after its retries: compensation_failed, an operator asked, never silent', async () => {
    harness = new SagaHarness(threeTasks, START);
    const executionArn = await harness.start(eventFixture('order_cancellation_spike', 'warehouse'));
    const reroute = threeTasks.tasks[2]!;

    const fail = (command: SentCommand) =>
      command.detailType === 'reroute_orders' || command.detailType === 'revert_reroute'
        ? { error: 'OrdersTableUnavailable', cause: `${command.detailType} could not write` }
        : succeed(command);
    await harness.answer(fail);
    // Each retry of the compensation gets a fresh token; answer them all the same way.
    for (let i = 0; i < 5; i++) {
      await harness.advanceBy(60_000);
      await harness.answer(fail);
    }

    const reverts = harness.commands().filter((c) => c.detailType === 'revert_reroute');
    expect(reverts).toHaveLength(5); // the first attempt and four retries, each with the same key
    expect(new Set(reverts.map((c) => c.detail.idempotencyKey))).toEqual(
      new Set(['compensation' in reroute ? reroute.compensation.idempotencyKey : '']),
    );
    const [failed] = harness.details('compensation_failed');
    expect(parseDetail('compensation_failed', failed)).toEqual({
      schemaVersion: 1,
      correlationId: spike.correlationId,
      planId: threeTasks.planId,
      taskId: reroute.taskId,
      taskType: 'reroute_orders',
      compensationType: 'revert_reroute',
      idempotencyKey: 'compensation' in reroute ? reroute.compensation.idempotencyKey : '',
      error: 'OrdersTableUnavailable',
      cause: 'revert_reroute could not write',
    });
    // The walk goes on, so everything else is undone; the remediation is reported failed, not compensated.
    expect(commandTypes(harness).slice(-2)).toEqual(['resume_warehouse_intake', 'close_incident_ticket']);
    expect(harness.details('remediation_compensated')).toEqual([]);
    const failures = harness.details('remediation_failed');
    expect(failures.map((d) => [d.stage, d.error])).toEqual([
      ['execution', 'OrdersTableUnavailable'],
      ['compensation', 'CompensationFailed'],
    ]);
    expect(JSON.parse(String(failures[1]!.cause))).toEqual([
      { taskId: reroute.taskId, taskType: 'reroute_orders', outcome: 'failed' },
      { taskId: threeTasks.tasks[1]!.taskId, taskType: 'pause_warehouse_intake', outcome: 'compensated' },
      { taskId: threeTasks.tasks[0]!.taskId, taskType: 'open_incident_ticket', outcome: 'compensated' },
    ]);
    const [escalated] = harness.details('remediation_escalated');
    expect(parseDetail('remediation_escalated', escalated)).toMatchObject({
      planId: threeTasks.planId,
      scope: { type: 'warehouse', id: 'WH-NYC' },
      reason: expect.stringMatching(/^a compensation failed after its retries/),
    });
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'CompensationFailed',
    });
  });
});
