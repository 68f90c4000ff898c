import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchOperatorDecisions } from '../../lambdas/adapters/cloudwatch-operator-decisions';
import { DynamoBudgetLedger } from '../../lambdas/adapters/dynamodb-budget-ledger';
import { DynamoIncidentReader } from '../../lambdas/adapters/dynamodb-incident-reader';
import { DynamoWindowStore } from '../../lambdas/adapters/dynamodb-window-store';
import type { ApprovalDecided, ApprovalRequested } from '../../lambdas/domain/contracts/approvals';
import { parseGovernanceConfigText } from '../../lambdas/domain/governance/governance-config';
import { approvalRecord } from '../../lambdas/domain/memory/approval-record';
import { operatorApi } from '../../lambdas/handlers/operator-routes';
import { httpEvent, startOperatorTables } from './operator-api-fixture';
import type { LocalDynamo } from './dynalite';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const REGION = 'eu-west-1';
const SAGA = `arn:aws:states:${REGION}:123456789012:stateMachine:RemediationSaga`;
const executionArn = (name: string) =>
  `arn:aws:states:${REGION}:123456789012:execution:RemediationSaga:${name}`;
const token = (n: number) => `AQCEAAAAKgAAAAMAAAAAAAAAA${String(n).padStart(4, '0')}${'x'.repeat(120)}`;
const incident = (warehouse: string) => `warehouse#${warehouse}#2026-11-20T10:35:00Z`;
const ATL = incident('WH-ATL'); // asked, not answered: awaited
const DEN = incident('WH-DEN'); // asked and answered
const BOS = incident('WH-BOS'); // asked, and the remediation ended
const MIA = incident('WH-MIA'); // never asked
const SEA = incident('WH-SEA'); // asked, not answered, but its execution was stopped
const PDX = incident('WH-PDX'); // asked: the saga waits, and the trace has not recorded it yet

const requested = (correlationId: string, taskToken: string): ApprovalRequested => ({
  schemaVersion: 1,
  correlationId,
  planId: `plan#${correlationId}`,
  taskId: `plan#${correlationId}#task-3`,
  taskType: 'reroute_orders',
  parameters: { fromWarehouseId: 'WH-X', since: '2026-11-20T08:35:00Z' },
  costCents: 2500,
  risk: 'medium',
  decisionId: `decision#${correlationId}#task-3`,
  determiningPolicies: ['reroutes-need-approval'],
  reasons: ['reroutes-need-approval'],
  tier: { index: 0, name: 'on-call', approvers: 'operators', timeoutSeconds: 900 },
  taskToken,
});
const decided = (correlationId: string): ApprovalDecided => ({
  schemaVersion: 1,
  correlationId,
  planId: `plan#${correlationId}`,
  taskId: `plan#${correlationId}#task-3`,
  taskType: 'reroute_orders',
  outcome: 'approved',
  tier: { index: 0, name: 'on-call' },
  note: 'by ops: go',
});

/** An execution's history newest first, as GetExecutionHistory `reverseOrder` returns it, waiting on approval. */
function waitingHistory(detail: ApprovalRequested, stopped = false): HistoryEvent[] {
  const parameters = JSON.stringify({ Entries: [{ DetailType: 'approval_requested', Detail: detail }] });
  const names = { resourceType: 'events', resource: 'putEvents.waitForTaskToken' };
  const at = (minute: number) => new Date(Date.parse('2026-11-20T10:40:00Z') + minute * 60_000);
  const events: HistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
    {
      id: 2,
      type: 'TaskStateEntered',
      timestamp: at(1),
      stateEnteredEventDetails: { name: 'RequestApproval' },
    },
    {
      id: 3,
      type: 'TaskScheduled',
      timestamp: at(1),
      taskScheduledEventDetails: { ...names, region: REGION, parameters },
    },
    { id: 4, type: 'TaskStarted', timestamp: at(1), taskStartedEventDetails: names },
    { id: 5, type: 'TaskSubmitted', timestamp: at(1), taskSubmittedEventDetails: names },
  ];
  if (stopped) events.push({ id: 6, type: 'ExecutionAborted', timestamp: at(5) });
  return events.reverse();
}

const governance = parseGovernanceConfigText(
  readFileSync(path.resolve(__dirname, '..', '..', 'config', 'governance.json'), 'utf8'),
);

describe('the operator API finds approvals through the decision trace (dynalite; Step Functions mocked)', () => {
  let dynamo: LocalDynamo;
  let app: ReturnType<typeof operatorApi>;
  const sfn = mockClient(SFNClient);
  afterAll(() => sfn.restore());

  beforeAll(async () => {
    const started = await startOperatorTables();
    dynamo = started.dynamo;
    const { episodic } = started;
    for (const [n, id] of [ATL, DEN, BOS, MIA, SEA, PDX].entries()) {
      await episodic.record({
        entity: id.slice(0, id.lastIndexOf('#')),
        time: '2026-11-20T10:40:00Z',
        kind: 'plan',
        correlationId: id,
        data: {
          planId: `plan#${id}`,
          planner: 'rule',
          summary: 'plan',
          executionId: executionArn(`run-${n}`),
        },
      });
    }
    for (const id of [ATL, DEN, BOS, SEA]) {
      await episodic.record(approvalRecord(requested(id, token(1)), '2026-11-20T10:41:00Z'));
    }
    await episodic.record(approvalRecord(decided(DEN), '2026-11-20T10:42:00Z'));
    await episodic.record({
      entity: 'warehouse#WH-BOS',
      time: '2026-11-20T10:50:00Z',
      kind: 'remediation_outcome',
      correlationId: BOS,
      data: { outcome: 'compensated', planId: `plan#${BOS}` },
    });
    app = operatorApi({
      incidents: new DynamoIncidentReader('episodic', dynamo.client),
      windows: new DynamoWindowStore('counters', dynamo.client),
      sfn: new SFNClient({ region: REGION }),
      stateMachineArn: SAGA,
      governance: () => Promise.resolve(governance),
      budgets: new DynamoBudgetLedger('budgets', dynamo.client),
      agents: ['planning-agent'],
      decisions: new CloudWatchOperatorDecisions(
        new CloudWatchClient({ region: REGION }),
        'ProactiveAgents',
        'x',
      ),
      overrideRateThreshold: 0.25,
      now: () => Date.parse('2026-11-20T11:00:00Z'),
    });
  });
  afterAll(() => dynamo.stop());

  beforeEach(() => {
    sfn.reset();
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: executionArn('run-0') })
      .resolves({ events: waitingHistory(requested(ATL, token(10))) })
      .on(GetExecutionHistoryCommand, { executionArn: executionArn('run-4') })
      .resolves({ events: waitingHistory(requested(SEA, token(14)), true) })
      .on(GetExecutionHistoryCommand, { executionArn: executionArn('run-5') })
      .resolves({ events: waitingHistory(requested(PDX, token(15))) })
      .on(ListStateMachinesCommand)
      .resolves({
        stateMachines: [
          { stateMachineArn: SAGA, name: 'RemediationSaga', type: 'STANDARD', creationDate: new Date() },
        ],
      })
      .on(ListExecutionsCommand)
      .resolves({
        executions: [
          {
            executionArn: executionArn('run-5'),
            stateMachineArn: SAGA,
            name: 'run-5',
            status: 'RUNNING',
            startDate: new Date(),
          },
        ],
      })
      .on(SendTaskSuccessCommand)
      .resolves({});
  });

  const call = async (method: string, rawPath: string, body?: string) => {
    const result = await app.resolve(httpEvent(method, rawPath, body) as never, {} as Context);
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
  };
  const historiesRead = () =>
    sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.executionArn);

  it('lists the approvals awaited, reading only the histories of executions whose trace has one unanswered', async () => {
    const { status, body } = await call('GET', '/approvals');

    expect(status).toBe(200);
    expect(body.approvals).toEqual([
      expect.objectContaining({ id: ATL, executionArn: executionArn('run-0'), taskType: 'reroute_orders' }),
    ]);
    // ATL and SEA (stopped while it waited: left out); not DEN (answered), BOS (ended), MIA or PDX (nothing asked
    // in their traces), and no listing of every running execution.
    expect(historiesRead().sort()).toEqual([executionArn('run-0'), executionArn('run-4')]);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
    expect(sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(0);
  });

  it("answers an incident's approval with the token from its own execution's history alone", async () => {
    const { status } = await call('POST', `/approvals/${encodeURIComponent(ATL)}`, '{"decision":"approve"}');

    expect(status).toBe(200);
    expect(historiesRead()).toEqual([executionArn('run-0')]);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
      token(10),
    ]);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
  });

  it('reads the execution its plan names when the trace has not recorded the approval yet, and still answers it', async () => {
    const { status } = await call('POST', `/approvals/${encodeURIComponent(PDX)}`, '{"decision":"approve"}');

    expect(status).toBe(200);
    expect(historiesRead()).toEqual([executionArn('run-5')]);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
      token(15),
    ]);
  });

  it('answers an approval already answered from its own history, and an ended incident without reading any', async () => {
    sfn.on(GetExecutionHistoryCommand, { executionArn: executionArn('run-1') }).resolves({ events: [] });
    const again = await call('POST', `/approvals/${encodeURIComponent(DEN)}`, '{"decision":"approve"}');
    expect(again.status).toBe(404);
    expect(historiesRead()).toEqual([executionArn('run-1')]);

    const ended = await call('POST', `/approvals/${encodeURIComponent(BOS)}`, '{"decision":"approve"}');
    expect(ended.status).toBe(404);
    expect(historiesRead()).toEqual([executionArn('run-1')]);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('reads every running saga only for an incident its trace has not recorded at all', async () => {
    const unrecorded = 'warehouse#WH-NEW#2026-11-20T10:55:00.000Z';
    const { status } = await call(
      'POST',
      `/approvals/${encodeURIComponent(unrecorded)}`,
      '{"decision":"approve"}',
    );

    // The running saga (PDX's) waits on another incident: nothing to answer.
    expect(status).toBe(404);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1);
    expect(historiesRead()).toEqual([executionArn('run-5')]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});
