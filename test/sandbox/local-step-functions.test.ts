import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import dynalite from 'dynalite';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../local/clock';
import { InvalidToken, TaskDoesNotExist, TaskTimedOut } from '../../local/stepfunctions/errors';
import type { MetricDatum, PutEventsEntry } from '../../local/stepfunctions/host';
import { LocalStepFunctions, type StepFunctionsHost } from '../../local/stepfunctions/local-step-functions';
import {
  EVENT_BUS_NAME,
  LEARNING_FUNCTION_ARN,
  PLANNING_FUNCTION_ARN,
  POLICY_FUNCTION_ARN,
  RECOVERY_WATCH_ARN,
  sagaDefinition,
} from './saga-harness';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const SAGA_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:RemediationSaga`;
const CORRELATION_ID = 'warehouse#WH-NYC#2026-11-20T10:35:00.000Z';
const START = Date.parse('2026-11-20T10:35:30.000Z');

const allowed = { decisionId: 'decision-1', determiningPolicies: ['planning-agent-remediates'], reasons: [] };

/** The envelope the EventBridge rule delivers to the saga. */
function spikeEvent(): Record<string, unknown> {
  return {
    version: '0',
    id: '6f1b7c52-2f0e-4f52-9a3e-0c2d7e6b1a11',
    'detail-type': 'order_cancellation_spike',
    source: 'proactive.monitoring',
    account: ACCOUNT,
    time: '2026-11-20T10:35:00Z',
    region: REGION,
    resources: [],
    detail: {
      schemaVersion: 1,
      correlationId: CORRELATION_ID,
      warehouseId: 'WH-NYC',
      region: 'us-east',
      scope: { type: 'warehouse', id: 'WH-NYC' },
      windowStart: '2026-11-20T10:30:00.000Z',
      windowEnd: '2026-11-20T10:35:00.000Z',
      cancellationRatio: 0.31,
      baselineRatio: 0.04,
    },
  };
}

function planFor(correlationId: string): Record<string, unknown> {
  return {
    planId: 'plan-0001',
    correlationId,
    entity: 'warehouse#WH-NYC',
    tasks: [
      {
        taskId: 'task-reroute-1',
        taskType: 'reroute_orders',
        parameters: { fromWarehouseId: 'WH-NYC', toWarehouseIds: ['WH-NJ', 'WH-PHL'], maxOrders: 250 },
        cost: 1200,
        risk: 0.2,
        slaSeconds: 900,
        timeoutSeconds: 300,
        idempotencyKey: 'plan-0001#task-reroute-1',
        compensation: {
          taskType: 'revert_reroute',
          parameters: { fromWarehouseIds: ['WH-NJ', 'WH-PHL'], toWarehouseId: 'WH-NYC' },
          idempotencyKey: 'plan-0001#task-reroute-1#compensation',
          timeoutSeconds: 120,
        },
      },
    ],
  };
}

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Harness {
  clock: VirtualClock;
  sfn: LocalStepFunctions;
  lambdaCalls: { functionArn: string; payload: unknown }[];
  published: PutEventsEntry[];
  /** Set to make the planning function fail with this error. */
  planningError?: Error;
  /** Detail-types whose PutEvents entries EventBridge rejects. */
  rejectedDetailTypes: Set<string>;
  /** PutMetricData requests the executions made. */
  metrics: { namespace: string; data: readonly MetricDatum[] }[];
}

let server: Server;
let dynamodb: DynamoDBClient;
let harness: Harness;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  dynamodb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: REGION,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});

afterAll(async () => {
  dynamodb.destroy();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  const clock = new VirtualClock(START);
  let eventIds = 0;
  const host: StepFunctionsHost = {
    clock,
    dynamodb,
    invokeLambda: (functionArn, payload) => {
      // The policy decision point allows every task here (test/sandbox/saga-governance.test.ts decides otherwise).
      if (functionArn === POLICY_FUNCTION_ARN) return Promise.resolve({ decision: 'allow', ...allowed });
      harness.lambdaCalls.push({ functionArn, payload });
      if (functionArn === LEARNING_FUNCTION_ARN)
        return Promise.resolve({ template: { action: 'unchanged' }, indexed: [] });
      if (harness.planningError) return Promise.reject(harness.planningError);
      const { spike } = payload as { spike: { correlationId: string } };
      return Promise.resolve(planFor(spike.correlationId));
    },
    putEvents: (entries): ReturnType<StepFunctionsHost['putEvents']> => {
      const results = entries.map((entry) => {
        if (entry.DetailType !== undefined && harness.rejectedDetailTypes.has(entry.DetailType)) {
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'The bus rejected the entry.' };
        }
        harness.published.push(entry);
        return { EventId: `event-${++eventIds}` };
      });
      return Promise.resolve({
        FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
        Entries: results,
      });
    },
    putMetricData: (namespace, data) => harness.metrics.push({ namespace, data }),
  };
  harness = {
    clock,
    sfn: new LocalStepFunctions(host, { region: REGION, accountId: ACCOUNT }),
    lambdaCalls: [],
    published: [],
    rejectedDetailTypes: new Set(),
    metrics: [],
  };
});

afterEach(async () => {
  await harness.sfn.close();
});

/** The recovery watch execution a remediated saga starts: named after the spike event that started the saga. */
const RECOVERY_WATCH_EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:RecoveryWatch:${String(spikeEvent().id)}-recovery`;

async function startSaga(): Promise<string> {
  harness.sfn.createStateMachine({
    stateMachineArn: SAGA_ARN,
    name: 'RemediationSaga',
    definition: sagaDefinition(),
  });
  // The recovery watch the saga starts once it has remediated: here it only records being started.
  harness.sfn.createStateMachine({
    stateMachineArn: RECOVERY_WATCH_ARN,
    name: 'RecoveryWatch',
    definition: JSON.stringify({ StartAt: 'Started', States: { Started: { Type: 'Succeed' } } }),
  });
  // Started as the bus's rule starts it: named as EventBridge names executions (73 characters).
  const { executionArn } = harness.sfn.startExecution({
    stateMachineArn: SAGA_ARN,
    input: JSON.stringify(spikeEvent()),
    name: `${String(spikeEvent().id)}_${randomUUID()}`,
  });
  await harness.sfn.whenSettled();
  return executionArn;
}

/** Moves the virtual clock one timer at a time, letting the executions react to each. */
async function advanceBy(ms: number): Promise<void> {
  const target = harness.clock.now() + ms;
  for (
    let next = harness.clock.nextTimerAt();
    next !== undefined && next <= target;
    next = harness.clock.nextTimerAt()
  ) {
    harness.clock.advanceTo(next);
    await harness.sfn.whenSettled();
  }
  harness.clock.advanceTo(target);
  await harness.sfn.whenSettled();
}

type Detail = Record<string, unknown>;

/** A callback command: its detail carries the task token. */
interface CallbackDetail extends Detail {
  taskToken: string;
}

/** The details the saga put on the bus with this detail-type, in order. */
function published<T extends Detail = Detail>(detailType: string): T[] {
  return harness.published
    .filter((entry) => entry.DetailType === detailType)
    .map((entry) => JSON.parse(entry.Detail ?? 'null') as T);
}

// The type parameter names the detail's shape for the test that reads it (the state machine publishes it).
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function firstPublished<T extends Detail = CallbackDetail>(detailType: string): T {
  const [first] = published<T>(detailType);
  if (!first) throw new Error(`Nothing was published with detail-type ${detailType}`);
  return first;
}

function detailTypes(): string[] {
  return harness.published.map((entry) => entry.DetailType ?? '');
}

/** What the saga asked the learning agent to learn (it writes the outcome to episodic memory). */
function learned(): unknown[] {
  return harness.lambdaCalls
    .filter((call) => call.functionArn === LEARNING_FUNCTION_ARN)
    .map((call) => call.payload);
}

describe('LocalStepFunctions running the remediation saga', () => {
  it('resumes the reroute through its task token and records the outcome when the fulfillment agent succeeds', async () => {
    const executionArn = await startSaga();

    expect(harness.lambdaCalls).toEqual([
      {
        functionArn: PLANNING_FUNCTION_ARN,
        payload: { spike: spikeEvent().detail, spikeEventId: spikeEvent().id, executionId: executionArn },
      },
    ]);
    expect(detailTypes()).toEqual(['remediation_planned', 'reroute_orders']);
    expect(harness.published[0]).toMatchObject({
      EventBusName: EVENT_BUS_NAME,
      Source: 'proactive.planning',
      // The optimized integration appends the execution's ARN and its state machine's to every entry.
      Resources: [executionArn, SAGA_ARN],
    });
    expect(published('remediation_planned')[0]).toEqual(planFor(CORRELATION_ID));
    const reroute = firstPublished('reroute_orders');
    const [pending] = harness.sfn.pendingTaskTokens();
    expect(reroute).toEqual({
      schemaVersion: 1,
      correlationId: CORRELATION_ID,
      planId: 'plan-0001',
      taskId: 'task-reroute-1',
      idempotencyKey: 'plan-0001#task-reroute-1',
      parameters: { fromWarehouseId: 'WH-NYC', toWarehouseIds: ['WH-NJ', 'WH-PHL'], maxOrders: 250 },
      taskToken: pending?.token,
    });
    expect(pending).toEqual({
      token: expect.any(String),
      executionArn,
      stateName: 'RunTask',
      deadline: START + 300_000,
    });
    expect(harness.sfn.describeExecution(executionArn).status).toBe('RUNNING');

    await advanceBy(42_000);
    harness.sfn.sendTaskSuccess(reroute.taskToken, JSON.stringify({ reroutedOrders: 212, assignments: 3 }));
    await harness.sfn.whenSettled();

    const described = harness.sfn.describeExecution(executionArn);
    expect(described).toMatchObject({ status: 'SUCCEEDED', stopDate: new Date(START + 42_000) });
    expect(JSON.parse(described.output ?? 'null')).toMatchObject({
      run: {
        index: 1,
        count: 1,
        answers: { taskType: 'reroute_orders', answer: { reroutedOrders: 212, assignments: 3 } },
      },
    });
    expect(harness.sfn.pendingTaskTokens()).toEqual([]);
    expect(harness.sfn.runningExecutions()).toBe(0);
    expect(learned()).toEqual([
      {
        spike: spikeEvent().detail,
        plan: planFor(CORRELATION_ID),
        outcome: 'succeeded',
        time: '2026-11-20T10:36:12.000Z',
        // The spike's time: the learning agent reports the time to resolution (a KPI) from it.
        spikeAt: spikeEvent().time,
        // The answers of the plan's tasks, newest first: `{}` ends the stack.
        answers: {
          taskId: 'task-reroute-1',
          taskType: 'reroute_orders',
          answer: { reroutedOrders: 212, assignments: 3 },
          previous: {},
        },
      },
    ]);
    // Remediated: the recovery watch is started (states:startExecution), named after the saga, with what it
    // measures an hour later.
    const watch = harness.sfn.describeExecution(RECOVERY_WATCH_EXECUTION);
    expect(harness.metrics).toEqual([]); // a watch started: nothing for the RecoveryWatchNotStarted alarm
    expect(watch.status).toBe('SUCCEEDED');
    expect(JSON.parse(watch.input ?? 'null')).toEqual({
      correlationId: CORRELATION_ID,
      scope: { type: 'warehouse', id: 'WH-NYC' },
      baselineRatio: 0.04,
      resolvedAt: '2026-11-20T10:36:12.000Z',
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: executionArn,
    });
  });

  it('finishes the remediation when the recovery watch cannot be started, keeping the error and reporting it to the alarms', async () => {
    harness.sfn.createStateMachine({
      stateMachineArn: SAGA_ARN,
      name: 'RemediationSaga',
      definition: sagaDefinition(),
    });
    // No recovery watch machine: StartExecution answers StateMachineDoesNotExist.
    const { executionArn } = harness.sfn.startExecution({
      stateMachineArn: SAGA_ARN,
      input: JSON.stringify(spikeEvent()),
    });
    await harness.sfn.whenSettled();
    const reroute = firstPublished('reroute_orders');
    harness.sfn.sendTaskSuccess(reroute.taskToken, JSON.stringify({ reroutedOrders: 212 }));
    await harness.sfn.whenSettled();

    const described = harness.sfn.describeExecution(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toMatchObject({
      recoveryWatchError: { Error: 'StepFunctions.StateMachineDoesNotExistException' },
    });
    // One datapoint for the RecoveryWatchNotStarted alarm: the KPI of this incident will never be measured.
    expect(harness.metrics).toEqual([
      {
        namespace: 'ProactiveAgents',
        data: [
          {
            MetricName: 'RecoveryWatchesNotStarted',
            Dimensions: [{ Name: 'service', Value: 'remediation-saga' }],
            Value: 1,
          },
        ],
      },
    ]);
  });

  it('compensates the reroute and fails with RemediationCompensated when the fulfillment agent reports a failure', async () => {
    const executionArn = await startSaga();
    const reroute = firstPublished('reroute_orders');

    harness.sfn.sendTaskFailure(reroute.taskToken, 'RerouteFailed', 'No warehouse has capacity left.');
    await harness.sfn.whenSettled();
    // Nothing was remediated: no recovery watch.
    expect(() => harness.sfn.describeExecution(RECOVERY_WATCH_EXECUTION)).toThrow(/does not exist/i);

    expect(detailTypes()).toEqual([
      'remediation_planned',
      'reroute_orders',
      'remediation_failed',
      'revert_reroute',
    ]);
    expect(published('remediation_failed')[0]).toEqual({
      schemaVersion: 1,
      correlationId: CORRELATION_ID,
      planId: 'plan-0001',
      stage: 'execution',
      error: 'RerouteFailed',
      cause: 'No warehouse has capacity left.',
    });
    const revert = firstPublished('revert_reroute');
    expect(revert).toMatchObject({
      taskId: 'task-reroute-1',
      idempotencyKey: 'plan-0001#task-reroute-1#compensation',
      parameters: { fromWarehouseIds: ['WH-NJ', 'WH-PHL'], toWarehouseId: 'WH-NYC' },
    });
    expect(revert.taskToken).not.toBe(reroute.taskToken);
    expect(harness.sfn.pendingTaskTokens()).toEqual([
      { token: revert.taskToken, executionArn, stateName: 'RunCompensation', deadline: START + 120_000 },
    ]);

    harness.sfn.sendTaskSuccess(revert.taskToken, JSON.stringify({ revertedOrders: 0 }));
    await harness.sfn.whenSettled();

    expect(published('remediation_compensated')).toEqual([
      {
        schemaVersion: 2,
        correlationId: CORRELATION_ID,
        planId: 'plan-0001',
        failedTaskId: 'task-reroute-1',
        reason: 'RerouteFailed',
        compensations: [{ taskId: 'task-reroute-1', taskType: 'reroute_orders', outcome: 'compensated' }],
      },
    ]);
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'RemediationCompensated',
      cause: 'The remediation failed or timed out; its completed tasks were compensated.',
    });
    expect(learned()).toEqual([
      expect.objectContaining({
        outcome: 'compensated',
        failure: { Error: 'RerouteFailed', Cause: 'No warehouse has capacity left.' },
      }),
    ]);
  });

  it('times the reroute out on the virtual clock and compensates it', async () => {
    const executionArn = await startSaga();

    await advanceBy(299_000);
    expect(detailTypes()).toEqual(['remediation_planned', 'reroute_orders']);

    await advanceBy(2_000);
    expect(detailTypes()).toEqual([
      'remediation_planned',
      'reroute_orders',
      'remediation_failed',
      'revert_reroute',
    ]);
    expect(published('remediation_failed')[0]).toMatchObject({ stage: 'execution', error: 'States.Timeout' });
    const reroute = firstPublished('reroute_orders');
    expect(() => harness.sfn.sendTaskSuccess(reroute.taskToken, '{}')).toThrow(TaskTimedOut);
    const timedOut = harness.sfn
      .getExecutionHistory(executionArn)
      .events.find((e) => e.type === 'TaskTimedOut');
    expect(timedOut).toMatchObject({
      timestamp: new Date(START + 300_000),
      taskTimedOutEventDetails: {
        resourceType: 'events',
        resource: 'putEvents.waitForTaskToken',
        error: 'States.Timeout',
      },
    });

    const revert = firstPublished('revert_reroute');
    harness.sfn.sendTaskSuccess(revert.taskToken, JSON.stringify({ revertedOrders: 0 }));
    await harness.sfn.whenSettled();

    expect(published('remediation_compensated')[0]).toMatchObject({ reason: 'States.Timeout' });
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'RemediationCompensated',
      stopDate: new Date(START + 301_000),
    });
  });

  it('retries the compensation 5 s after it times out (its Retry), with a fresh token each time', async () => {
    const executionArn = await startSaga();
    const reroute = firstPublished('reroute_orders');
    harness.sfn.sendTaskFailure(reroute.taskToken, 'RerouteFailed', 'boom');
    await harness.sfn.whenSettled();

    // Timed out at 120 s; the retry waits IntervalSeconds (5) on the virtual clock.
    await advanceBy(124_000);
    expect(published<CallbackDetail>('revert_reroute')).toHaveLength(1);
    await advanceBy(1_000);

    const reverts = published<CallbackDetail>('revert_reroute');
    expect(reverts).toHaveLength(2);
    expect(reverts[1]?.taskToken).not.toBe(reverts[0]?.taskToken);
    expect(harness.sfn.pendingTaskTokens()).toEqual([
      expect.objectContaining({
        token: reverts[1]?.taskToken,
        stateName: 'RunCompensation',
        deadline: START + 245_000,
      }),
    ]);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('RUNNING');
  });

  it('reports a planning failure and fails with PlanningFailed when the planning Lambda errors', async () => {
    harness.planningError = new NamedError('ContractViolation', 'detail.correlationId: Required');

    const executionArn = await startSaga();

    expect(harness.lambdaCalls).toHaveLength(1); // ContractViolation is not in the Retry list
    expect(detailTypes()).toEqual(['remediation_failed']);
    const failure = firstPublished<Detail>('remediation_failed');
    expect(failure).toMatchObject({
      schemaVersion: 1,
      correlationId: CORRELATION_ID,
      stage: 'planning',
      error: 'ContractViolation',
    });
    expect(JSON.parse(String(failure.cause))).toMatchObject({
      errorType: 'ContractViolation',
      errorMessage: 'detail.correlationId: Required',
    });
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'PlanningFailed',
      cause: 'The planning agent produced no valid plan; nothing was executed.',
    });
  });

  it('fails the announcement with EventBridge.FailedEntry when the bus rejects the entry', async () => {
    harness.rejectedDetailTypes.add('remediation_planned');

    const executionArn = await startSaga();
    // Sent again after 1, 2 and 4 s (its Retry), on the virtual clock; then reported.
    expect(detailTypes()).toEqual([]);
    await advanceBy(7_000);

    expect(detailTypes()).toEqual(['remediation_failed']);
    expect(published('remediation_failed')[0]).toMatchObject({
      stage: 'planning',
      error: 'EventBridge.FailedEntry',
    });
    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'PlanningFailed',
    });
  });

  it('lists the history events in order, stamped with the virtual clock', async () => {
    const executionArn = await startSaga();
    const reroute = firstPublished('reroute_orders');
    await advanceBy(42_000);
    harness.sfn.sendTaskSuccess(reroute.taskToken, JSON.stringify({ reroutedOrders: 212 }));
    await harness.sfn.whenSettled();

    const { events } = harness.sfn.getExecutionHistory(executionArn);

    const task = ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited'];
    const pass = ['PassStateEntered', 'PassStateExited'];
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      ...task,
      ...task,
      ...pass, // StartTasks
      ...pass, // SelectTask
      ...task, // AuthorizeTask: the policy decision point
      'ChoiceStateEntered', // Authorized
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      ...pass, // TaskDone
      'ChoiceStateEntered', // MoreTasks
      'ChoiceStateExited',
      ...task, // Learn
      ...task, // WatchRecovery
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.previousEventId)).toEqual(events.map((_, i) => i));
    expect(
      events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name),
    ).toEqual(['Plan', 'AnnouncePlan', 'AuthorizeTask', 'RunTask', 'Learn', 'WatchRecovery']);
    const times = events.map((e) => e.timestamp?.getTime() ?? Number.NaN);
    expect(times[0]).toBe(START);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.find((e) => e.type === 'TaskSubmitted')?.timestamp).toEqual(new Date(START));
    expect(events.at(-1)?.timestamp).toEqual(new Date(START + 42_000));

    const scheduled = events
      .filter((e) => e.type === 'TaskScheduled')
      .map((e) => e.taskScheduledEventDetails);
    expect(scheduled[0]).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: REGION,
      timeoutInSeconds: 90,
    });
    expect(JSON.parse(scheduled[0]?.parameters ?? '{}')).toMatchObject({
      FunctionName: PLANNING_FUNCTION_ARN,
    });
    expect(JSON.parse(scheduled[2]?.parameters ?? '{}')).toMatchObject({
      FunctionName: POLICY_FUNCTION_ARN,
      Payload: { agent: 'planning-agent', task: { taskType: 'reroute_orders' } },
    });
    expect(scheduled[3]).toMatchObject({
      resourceType: 'events',
      resource: 'putEvents.waitForTaskToken',
      timeoutInSeconds: 300,
    });
    const planned = events.find((e) => e.type === 'TaskSucceeded')?.taskSucceededEventDetails?.output;
    expect(JSON.parse(planned ?? '{}')).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe(
      harness.sfn.describeExecution(executionArn).output,
    );
  });
});

describe('LocalStepFunctions task tokens', () => {
  it('throws TaskDoesNotExist for a token no task waits on, and InvalidToken for a malformed one', async () => {
    const executionArn = await startSaga();
    const reroute = firstPublished('reroute_orders');

    expect(() => harness.sfn.sendTaskSuccess('AQunknown-token', '{}')).toThrow(TaskDoesNotExist);
    expect(() => harness.sfn.sendTaskSuccess('', '{}')).toThrow(InvalidToken);
    await expect(
      harness.sfn.handleApiRequest('AWSStepFunctions.SendTaskSuccess', {
        taskToken: 'AQunknown-token',
        output: '{}',
      }),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    expect(() => harness.sfn.sendTaskSuccess(reroute.taskToken, 'not json')).toThrow(
      expect.objectContaining({ name: 'InvalidOutput' }),
    );

    harness.sfn.sendTaskSuccess(reroute.taskToken, '{}');
    // Answered twice: the task is closed, which AWS answers with TaskTimedOut.
    expect(() => harness.sfn.sendTaskSuccess(reroute.taskToken, '{}')).toThrow(TaskTimedOut);
    await harness.sfn.whenSettled();
    expect(harness.sfn.describeExecution(executionArn).status).toBe('SUCCEEDED');
  });

  it('fails a callback task with States.HeartbeatTimeout when heartbeats stop', async () => {
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:HeartbeatProbe`;
    harness.sfn.createStateMachine({
      stateMachineArn: arn,
      name: 'HeartbeatProbe',
      definition: JSON.stringify({
        StartAt: 'AwaitWorker',
        States: {
          AwaitWorker: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
            Parameters: {
              Entries: [
                {
                  EventBusName: EVENT_BUS_NAME,
                  Source: 'test',
                  DetailType: 'work',
                  Detail: { 'token.$': '$$.Task.Token' },
                },
              ],
            },
            TimeoutSeconds: 3600,
            HeartbeatSeconds: 60,
            Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.error', Next: 'WorkerLost' }],
            Next: 'Done',
          },
          WorkerLost: { Type: 'Pass', End: true },
          Done: { Type: 'Succeed' },
        },
      }),
    });
    const { executionArn } = harness.sfn.startExecution({ stateMachineArn: arn, input: '{"job":7}' });
    await harness.sfn.whenSettled();
    const { token } = firstPublished<{ token: string }>('work');
    expect(harness.sfn.pendingTaskTokens()[0]?.deadline).toBe(START + 60_000);

    await advanceBy(50_000);
    harness.sfn.sendTaskHeartbeat(token);
    expect(harness.sfn.pendingTaskTokens()[0]?.deadline).toBe(START + 110_000);
    await advanceBy(50_000);
    expect(harness.sfn.describeExecution(executionArn).status).toBe('RUNNING');
    await advanceBy(15_000);

    const described = harness.sfn.describeExecution(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '{}')).toEqual({
      job: 7,
      error: { Error: 'States.HeartbeatTimeout', Cause: expect.stringContaining('60 s') },
    });
    expect(() => harness.sfn.sendTaskHeartbeat(token)).toThrow(TaskTimedOut);
    const timedOut = harness.sfn
      .getExecutionHistory(executionArn)
      .events.find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.timestamp).toEqual(new Date(START + 110_000));
  });
});

describe('LocalStepFunctions time', () => {
  it('runs Wait states on the virtual clock', async () => {
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:WaitProbe`;
    harness.sfn.createStateMachine({
      stateMachineArn: arn,
      name: 'WaitProbe',
      definition: JSON.stringify({
        StartAt: 'Cooldown',
        States: {
          Cooldown: { Type: 'Wait', SecondsPath: '$.cooldownSeconds', Next: 'Stamp' },
          Stamp: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, End: true },
        },
      }),
    });
    const { executionArn } = harness.sfn.startExecution({
      stateMachineArn: arn,
      input: '{"cooldownSeconds":3600}',
    });
    await harness.sfn.whenSettled();
    expect(harness.sfn.describeExecution(executionArn).status).toBe('RUNNING');

    await advanceBy(3_600_000);

    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: JSON.stringify({ at: new Date(START + 3_600_000).toISOString() }),
    });
    const types = harness.sfn.getExecutionHistory(executionArn).events.map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('times the execution out on the virtual clock when the machine sets TimeoutSeconds', async () => {
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:TimeoutProbe`;
    harness.sfn.createStateMachine({
      stateMachineArn: arn,
      name: 'TimeoutProbe',
      definition: JSON.stringify({
        TimeoutSeconds: 60,
        StartAt: 'Forever',
        States: { Forever: { Type: 'Wait', Seconds: 86_400, End: true } },
      }),
    });
    const { executionArn } = harness.sfn.startExecution({ stateMachineArn: arn });
    await harness.sfn.whenSettled();

    await advanceBy(61_000);

    expect(harness.sfn.describeExecution(executionArn)).toMatchObject({
      status: 'TIMED_OUT',
      stopDate: new Date(START + 60_000),
    });
    expect(harness.sfn.getExecutionHistory(executionArn).events.at(-1)?.type).toBe('ExecutionTimedOut');
  });
});

describe('LocalStepFunctions JSON API', () => {
  it('answers AWS request shapes with AWS response shapes and error codes', async () => {
    harness.sfn.createStateMachine({
      stateMachineArn: SAGA_ARN,
      name: 'RemediationSaga',
      definition: sagaDefinition(),
    });

    const started = (await harness.sfn.handleApiRequest('AWSStepFunctions.StartExecution', {
      stateMachineArn: SAGA_ARN,
      name: 'spike-1',
      input: JSON.stringify(spikeEvent()),
    })) as { executionArn: string; startDate: number };
    await harness.sfn.whenSettled();

    expect(started).toEqual({
      executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:RemediationSaga:spike-1`,
      startDate: START / 1000,
    });
    const reroute = firstPublished('reroute_orders');
    await expect(
      harness.sfn.handleApiRequest('AWSStepFunctions.SendTaskSuccess', {
        taskToken: reroute.taskToken,
        output: '{}',
      }),
    ).resolves.toEqual({});
    await harness.sfn.whenSettled();
    await expect(
      harness.sfn.handleApiRequest('AWSStepFunctions.DescribeExecution', {
        executionArn: started.executionArn,
      }),
    ).resolves.toMatchObject({ status: 'SUCCEEDED', startDate: START / 1000, stopDate: START / 1000 });
    const page = (await harness.sfn.handleApiRequest('AWSStepFunctions.GetExecutionHistory', {
      executionArn: started.executionArn,
      maxResults: 5,
      reverseOrder: true,
    })) as { events: { type: string; timestamp: number }[]; nextToken?: string };
    expect(page.events).toHaveLength(5);
    expect(page.events[0]).toMatchObject({ type: 'ExecutionSucceeded', timestamp: START / 1000 });
    expect(page.nextToken).toEqual(expect.any(String));
    await expect(
      harness.sfn.handleApiRequest('AWSStepFunctions.ListExecutions', { stateMachineArn: SAGA_ARN }),
    ).resolves.toMatchObject({ executions: [{ name: 'spike-1', status: 'SUCCEEDED' }] });

    await expect(
      harness.sfn.handleApiRequest('AWSStepFunctions.DescribeExecution', {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:RemediationSaga:missing`,
      }),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(
      harness.sfn.handleApiRequest('AWSStepFunctions.StartExecution', {
        stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Missing`,
      }),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(harness.sfn.handleApiRequest('AWSStepFunctions.SendTaskSuccess', {})).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
