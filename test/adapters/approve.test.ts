import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ApprovalRequestUnreadable,
  ApprovalTaskGone,
  NoPendingApproval,
  NoRemediationSaga,
  SeveralPendingApprovals,
} from '../../lambdas/adapters/approval-errors';
import {
  answerApproval,
  approvalTargetOf,
  pendingApprovals,
} from '../../lambdas/adapters/step-functions-approvals';

/**
 * `npm run approve` on AWS: Step Functions is the boundary, answered by aws-sdk-client-mock with histories shaped
 * as GetExecutionHistory returns them for the saga (statemachines/remediation-saga.asl.json).
 */
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const SAGA = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:RemediationSagaStateMachine9D1E6AC7-x1Y2z3`;
const OTHER = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:NightlyExport`;
const executionArn = (name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:RemediationSagaStateMachine9D1E6AC7-x1Y2z3:${name}`;
const INCIDENT = 'warehouse#WH-ATL#2026-11-20T10:25:00Z';
const OTHER_INCIDENT = 'warehouse#WH-DEN#2026-11-20T10:55:00Z';
const token = (n: number) => `AQCEAAAAKgAAAAMAAAAAAAAAA${String(n).padStart(4, '0')}${'x'.repeat(120)}`;

/** The PutEvents entry the saga's RequestApproval state builds (its Parameters, evaluated). */
function approvalParameters(correlationId: string, taskToken: string, tier = 0): string {
  return JSON.stringify({
    Entries: [
      {
        EventBusName: 'proactive-agents',
        Source: 'proactive.planning',
        DetailType: 'approval_requested',
        Detail: {
          schemaVersion: 1,
          correlationId,
          planId: `plan#${correlationId}`,
          taskId: `plan#${correlationId}#task-3`,
          taskType: 'reroute_orders',
          parameters: { fromWarehouseId: 'WH-ATL', since: '2026-11-20T08:25:00Z' },
          costCents: 2500,
          risk: 'medium',
          decisionId: `decision#${correlationId}#task-3`,
          determiningPolicies: ['reroutes-need-approval'],
          reasons: ['reroutes-need-approval'],
          tier: {
            index: tier,
            name: ['on-call', 'duty-manager'][tier],
            approvers: ['operators', 'duty-managers'][tier],
            timeoutSeconds: 900,
          },
          taskToken,
        },
      },
    ],
  });
}

/** A history in the order Step Functions records it; `newestFirst` gives what reverseOrder returns. */
class History {
  private readonly events: HistoryEvent[] = [];
  private at = Date.parse('2026-11-20T10:25:00Z');

  constructor() {
    this.add('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } });
    this.state('Task', 'Plan').task('lambda', 'invoke', '{}').done('Task', 'Plan');
  }

  state(type: string, name: string): this {
    return this.add(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: '{}' } });
  }

  done(type: string, name: string): this {
    return this.add(`${type}StateExited`, { stateExitedEventDetails: { name, output: '{}' } });
  }

  /** TaskScheduled, TaskStarted and, for a callback task, TaskSubmitted. */
  task(resourceType: string, resource: string, parameters: string): this {
    const names = { resourceType, resource };
    this.add('TaskScheduled', { taskScheduledEventDetails: { ...names, region: REGION, parameters } });
    this.add('TaskStarted', { taskStartedEventDetails: names });
    if (resource.endsWith('.waitForTaskToken'))
      this.add('TaskSubmitted', { taskSubmittedEventDetails: { ...names, output: '{"Entries":[{}]}' } });
    return this;
  }

  end(type: 'TaskSucceeded' | 'TaskFailed' | 'TaskTimedOut' | 'TaskSubmitFailed', resource: string): this {
    const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
    return this.add(type, { [key]: { resourceType: 'events', resource } });
  }

  /** Asked: the escalation tier's RequestApproval waits on its token. */
  asked(correlationId: string, taskToken: string, tier = 0): this {
    return this.state('Pass', 'SelectTier')
      .done('Pass', 'SelectTier')
      .state('Task', 'RequestApproval')
      .task('events', 'putEvents.waitForTaskToken', approvalParameters(correlationId, taskToken, tier));
  }

  newestFirst(): HistoryEvent[] {
    return [...this.events].reverse();
  }

  private add(type: string, details: Record<string, unknown>): this {
    const id = this.events.length + 1;
    this.at += 1000;
    this.events.push({
      id,
      previousEventId: id - 1,
      timestamp: new Date(this.at),
      type: type as HistoryEvent['type'],
      ...details,
    });
    return this;
  }
}

const pendingApproval = (correlationId: string, taskToken: string) =>
  new History().asked(correlationId, taskToken);
const waitingOnReroute = () =>
  new History()
    .asked(OTHER_INCIDENT, token(90))
    .end('TaskSucceeded', 'putEvents.waitForTaskToken')
    .done('Task', 'RequestApproval')
    .state('Task', 'AnnounceApproval')
    .task('events', 'putEvents', '{}')
    .end('TaskSucceeded', 'putEvents')
    .done('Task', 'AnnounceApproval')
    .state('Task', 'RunTask')
    .task(
      'events',
      'putEvents.waitForTaskToken',
      '{"Entries":[{"DetailType":"reroute_orders","Detail":{}}]}',
    );

describe('npm run approve (Step Functions through aws-sdk-client-mock)', () => {
  const sfn = mockClient(SFNClient);
  const client = () =>
    new SFNClient({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const approve = { approve: true, by: 'alice', comment: 'stock checked at WH-CLT' };

  /** The saga and another state machine; the saga's running executions and their histories. */
  const given = (executions: Record<string, History>) => {
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { stateMachineArn: OTHER, name: 'NightlyExport', type: 'STANDARD', creationDate: new Date() },
        {
          stateMachineArn: SAGA,
          name: 'RemediationSagaStateMachine9D1E6AC7-x1Y2z3',
          type: 'STANDARD',
          creationDate: new Date(),
        },
      ],
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: SAGA }).resolves({
      executions: Object.keys(executions).map((name) => ({
        executionArn: executionArn(name),
        stateMachineArn: SAGA,
        name,
        status: 'RUNNING',
        startDate: new Date(),
      })),
    });
    for (const [name, history] of Object.entries(executions)) {
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: executionArn(name) })
        .resolves({ events: history.newestFirst() });
    }
  };

  beforeEach(() => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });

  it('resolves an incident to the token its pending approval waits on, and approves it with the note', async () => {
    given({ 'exec-atl': pendingApproval(INCIDENT, token(1)), 'exec-den': waitingOnReroute() });

    const answered = await answerApproval(client(), approvalTargetOf(INCIDENT), approve);

    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: token(1), output: JSON.stringify({ note: 'by alice: stock checked at WH-CLT' }) },
    ]);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    expect(answered).toMatchObject({
      outcome: 'approved',
      taskToken: token(1),
      approval: {
        executionName: 'exec-atl',
        request: { taskType: 'reroute_orders', tier: { name: 'on-call' } },
      },
    });
    // Only the saga's running executions are read, their histories newest first with the tasks' parameters.
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: SAGA, statusFilter: 'RUNNING' },
    ]);
    for (const call of sfn.commandCalls(GetExecutionHistoryCommand)) {
      expect(call.args[0].input).toMatchObject({ reverseOrder: true, includeExecutionData: true });
    }
  });

  it('rejects with SendTaskFailure ApprovalRejected and the note as the cause', async () => {
    given({ 'exec-atl': pendingApproval(INCIDENT, token(1)) });

    const answered = await answerApproval(client(), approvalTargetOf(INCIDENT), {
      approve: false,
      by: 'bob',
      comment: 'WH-CLT is short of staff',
    });

    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: token(1), error: 'ApprovalRejected', cause: 'by bob: WH-CLT is short of staff' },
    ]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(answered.outcome).toBe('rejected');
  });

  it('uses a task token as it is, without reading any execution', async () => {
    const answered = await answerApproval(client(), approvalTargetOf(token(7)), approve);

    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
      token(7),
    ]);
    expect(sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(0);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    expect(answered.approval).toBeUndefined();
  });

  it('fails when no approval is pending for the incident, listing those that are', async () => {
    given({ 'exec-den': pendingApproval(OTHER_INCIDENT, token(2)), 'exec-atl': waitingOnReroute() });

    const attempt = answerApproval(client(), approvalTargetOf(INCIDENT), approve);

    await expect(attempt).rejects.toThrow(NoPendingApproval);
    await expect(answerApproval(client(), approvalTargetOf(INCIDENT), approve)).rejects.toThrow(
      new RegExp(
        `no approval is pending for ${INCIDENT}; pending now:\\n  ${OTHER_INCIDENT}: reroute_orders .*exec-den.*${token(2)}`,
      ),
    );
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('does not count an approval already answered, nor one whose tier was retried and answered', async () => {
    const answered = new History()
      .asked(INCIDENT, token(3))
      .end('TaskFailed', 'putEvents.waitForTaskToken')
      .done('Task', 'RequestApproval')
      .state('Pass', 'AnnounceRejection');
    given({ 'exec-atl': answered });

    await expect(answerApproval(client(), approvalTargetOf(INCIDENT), approve)).rejects.toThrow(
      `no approval is pending for ${INCIDENT}, nor for any other incident`,
    );
  });

  it('finds the approval of a retried RequestApproval attempt (its first PutEvents failed)', async () => {
    const retried = new History()
      .asked(INCIDENT, token(4))
      .end('TaskSubmitFailed', 'putEvents.waitForTaskToken')
      .task('events', 'putEvents.waitForTaskToken', approvalParameters(INCIDENT, token(5)));
    given({ 'exec-atl': retried });

    const pending = await pendingApprovals(client());

    expect(pending.map((approval) => approval.taskToken)).toEqual([token(5)]);
  });

  it('fails when several executions wait on an approval for the incident, naming each', async () => {
    given({
      'exec-1': pendingApproval(INCIDENT, token(11)),
      'exec-2': new History().asked(INCIDENT, token(12), 1),
    });

    const attempt = answerApproval(client(), approvalTargetOf(INCIDENT), approve);

    await expect(attempt).rejects.toThrow(SeveralPendingApprovals);
    await expect(answerApproval(client(), approvalTargetOf(INCIDENT), approve)).rejects.toThrow(
      /2 approvals are pending .*answer one by its token:\n .*tier 1 on-call.*exec-1.*\n .*tier 2 duty-manager.*exec-2/s,
    );
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('says why when Step Functions no longer waits on the token (TaskTimedOut, TaskDoesNotExist)', async () => {
    sfn
      .on(SendTaskSuccessCommand, { taskToken: token(20) })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }))
      .on(SendTaskSuccessCommand, { taskToken: token(21) })
      .rejects(new TaskDoesNotExist({ message: 'Task does not exist anymore', $metadata: {} }));

    const timedOut = answerApproval(client(), approvalTargetOf(token(20)), approve);
    const unknown = answerApproval(client(), approvalTargetOf(token(21)), approve);

    await expect(timedOut).rejects.toThrow(ApprovalTaskGone);
    await expect(timedOut).rejects.toMatchObject({
      reason: 'TaskTimedOut',
      message: expect.stringMatching(/already answered.*tier lapsed/),
    });
    await expect(unknown).rejects.toMatchObject({ reason: 'TaskDoesNotExist', message: /it is unknown/ });
  });

  it('fails when no state machine is the saga', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });

    await expect(answerApproval(client(), approvalTargetOf(INCIDENT), approve)).rejects.toThrow(
      NoRemediationSaga,
    );
  });

  it('names the field of an approval request that breaks its contract', async () => {
    const broken = new History()
      .state('Task', 'RequestApproval')
      .task(
        'events',
        'putEvents.waitForTaskToken',
        approvalParameters(INCIDENT, token(1)).replace('"timeoutSeconds":900', '"timeoutSeconds":"soon"'),
      );
    given({ 'exec-atl': broken });

    const reading = pendingApprovals(client());

    await expect(reading).rejects.toThrow(ApprovalRequestUnreadable);
    await expect(reading).rejects.toThrow(
      /exec-atl waits on an approval whose request is unreadable at detail\.tier\.timeoutSeconds: /,
    );
  });

  it('reads a long history only back to its latest task', async () => {
    const history = pendingApproval(INCIDENT, token(1)).newestFirst();
    const requests: GetExecutionHistoryCommandInput[] = [];
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { stateMachineArn: SAGA, name: 'RemediationSaga', type: 'STANDARD', creationDate: new Date() },
      ],
    });
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: executionArn('exec-atl'),
          stateMachineArn: SAGA,
          name: 'exec-atl',
          status: 'RUNNING',
          startDate: new Date(),
        },
      ],
    });
    // Pages of 3 events, newest first; the rest of the history is never asked for.
    sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
      requests.push({ ...input }); // the paginator reuses its input object
      const from = Number(input.nextToken ?? 0);
      return { events: history.slice(from, from + 3), nextToken: String(from + 3) };
    });

    await answerApproval(client(), approvalTargetOf(INCIDENT), approve);

    expect(requests.map((r) => r.nextToken)).toEqual([undefined, '3']);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
      token(1),
    ]);
  });

  it('tells a task token from a correlation id', () => {
    expect(approvalTargetOf(INCIDENT)).toEqual({ kind: 'incident', correlationId: INCIDENT });
    expect(approvalTargetOf('0f8fad5b-d9cb-469f-a165-70867728950e')).toMatchObject({ kind: 'incident' });
    expect(approvalTargetOf(token(1))).toEqual({ kind: 'token', taskToken: token(1) });
  });
});
