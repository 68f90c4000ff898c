import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchOperatorDecisions } from '../../lambdas/adapters/cloudwatch-operator-decisions';
import { DynamoBudgetLedger } from '../../lambdas/adapters/dynamodb-budget-ledger';
import { DynamoIncidentReader } from '../../lambdas/adapters/dynamodb-incident-reader';
import { parseGovernanceConfigText } from '../../lambdas/domain/governance/governance-config';
import { operatorApi } from '../../lambdas/handlers/operator-routes';
import { DynamoWindowStore } from '../../lambdas/adapters/dynamodb-window-store';
import type { LocalDynamo } from './dynalite';
import { httpEvent, OPERATOR, startOperatorTables } from './operator-api-fixture';

const NOW = Date.parse('2026-11-20T13:00:00Z');
const NYC = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';
const NYC_AGAIN = 'warehouse#WH-NYC#2026-11-20T12:00:00Z';
const governance = parseGovernanceConfigText(
  readFileSync(path.resolve(__dirname, '..', '..', 'config', 'governance.json'), 'utf8'),
);

const context = { awsRequestId: 'req-1' } as Context;

/** The routes against dynalite (the sandbox's DynamoDB), with episodic records as the agents write them. */
const increment = (scope: string, windowStart: string, placed: string[], cancelled: string[]) => ({
  scope,
  windowStart,
  placedOrderIds: placed,
  cancelledOrderIds: cancelled,
});

describe('operator API routes', () => {
  let dynamo: LocalDynamo;
  let app: ReturnType<typeof operatorApi>;
  const call = async (method: string, rawPath: string, body?: string, caller?: string | null) => {
    const result = await app.resolve(
      httpEvent(method, rawPath, body, caller === null ? null : (caller ?? OPERATOR)) as never,
      context,
    );
    return {
      status: result.statusCode,
      contentType: result.headers?.['content-type'],
      body: JSON.parse(result.body ?? 'null'),
    };
  };

  beforeAll(async () => {
    const started = await startOperatorTables();
    dynamo = started.dynamo;
    const { episodic } = started;
    const plan = (correlationId: string, time: string, summary: string) =>
      episodic.record({
        entity: 'warehouse#WH-NYC',
        time,
        kind: 'plan',
        correlationId,
        data: {
          planId: `plan#${correlationId}`,
          planner: 'rule',
          summary,
          tasks: ['open_incident_ticket', 'reroute_orders'],
          validatedTasks: [
            { taskId: `plan#${correlationId}#task-1`, taskType: 'open_incident_ticket' },
            { taskId: `plan#${correlationId}#task-2`, taskType: 'reroute_orders' },
          ],
          evidence: ['cancellation ratio at WH-NYC is 71.4% against a baseline of 5.1%'],
        },
      });
    await plan(NYC, '2026-11-20T10:40:00Z', 'first');
    await plan(NYC_AGAIN, '2026-11-20T12:05:00Z', 'again');
    for (const task of [2, 1]) {
      await episodic.record({
        entity: 'warehouse#WH-NYC',
        time: '2026-11-20T12:05:04Z',
        kind: 'policy_decision',
        correlationId: NYC_AGAIN,
        discriminator: `decision-${3 - task}`,
        data: { taskId: `plan#${NYC_AGAIN}#task-${task}`, decision: 'allow', determiningPolicies: ['p'] },
      });
    }
    await episodic.record({
      entity: 'warehouse#WH-NYC',
      time: '2026-11-20T10:45:00Z',
      kind: 'remediation_outcome',
      correlationId: NYC,
      data: { outcome: 'succeeded', planId: `plan#${NYC}` },
    });
    const ledger = new DynamoBudgetLedger('budgets', dynamo.client);
    await ledger.reserve('planning-agent', '2026-11-20', 5_000_000, 20_000_000);
    // The monitoring agent's counters of WH-NYC: quiet, then the spike; and another warehouse's, not to be read.
    const windows = new DynamoWindowStore('counters', dynamo.client);
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    await windows.add([
      increment('warehouse#WH-NYC', '2026-11-20T08:30:00Z', ids('early', 20), []),
      increment('warehouse#WH-NYC', '2026-11-20T10:30:00Z', ids('a', 20), ids('a', 1)),
      increment('warehouse#WH-NYC', '2026-11-20T10:35:00Z', ids('b', 20), ids('b', 9)),
      increment('warehouse#WH-NYC', '2026-11-20T12:40:00Z', ids('late', 5), []),
      increment('warehouse#WH-BOS', '2026-11-20T10:35:00Z', ids('c', 20), ids('c', 1)),
    ]);
    app = operatorApi({
      incidents: new DynamoIncidentReader('episodic', dynamo.client),
      windows,
      // No route under test here reaches Step Functions (the sandbox test answers approvals).
      sfn: new SFNClient({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1' }),
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:RemediationSaga',
      governance: () => Promise.resolve(governance),
      budgets: ledger,
      agents: ['planning-agent', 'monitoring-agent'],
      // CloudWatch is mocked at the AWS boundary (the sandbox test reads the metrics the function emitted).
      decisions: new CloudWatchOperatorDecisions(
        new CloudWatchClient({ region: 'eu-west-1' }),
        'ProactiveAgents',
        'operator-api',
      ),
      overrideRateThreshold: 0.25,
      now: () => NOW,
    });
  });
  afterAll(() => dynamo.stop());
  const cloudwatch = mockClient(CloudWatchClient);
  afterAll(() => cloudwatch.restore());

  it('lists the incidents of episodic memory newest first, with where each stands', async () => {
    const { status, body } = await call('GET', '/incidents');

    expect(status).toBe(200);
    expect(body.incidents).toEqual([
      expect.objectContaining({ id: NYC_AGAIN, status: 'planned', summary: 'again', planner: 'rule' }),
      expect.objectContaining({
        id: NYC,
        status: 'succeeded',
        openedAt: '2026-11-20T10:40:00Z',
        updatedAt: '2026-11-20T10:45:00Z',
        tasks: ['open_incident_ticket', 'reroute_orders'],
      }),
    ]);
    expect((await call('GET', '/incidents?limit=1')).body.incidents).toHaveLength(1);
  });

  it('answers a bad limit with a problem naming the query field', async () => {
    const { status, contentType, body } = await call('GET', '/incidents?limit=0');

    expect({ status, contentType }).toEqual({ status: 400, contentType: 'application/problem+json' });
    expect(body).toMatchObject({
      type: 'urn:proactive-agents:problem:validation',
      title: 'The request is invalid',
      status: 400,
      instance: '/incidents',
      errors: [{ field: 'limit', pointer: '/limit' }],
    });
  });

  it("shows an incident's timeline: plan, evidence, policy decisions in task order", async () => {
    const { status, body } = await call('GET', `/incidents/${encodeURIComponent(NYC_AGAIN)}/timeline`);

    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: NYC_AGAIN,
      plan: {
        planId: `plan#${NYC_AGAIN}`,
        tasks: [{ taskType: 'open_incident_ticket' }, { taskType: 'reroute_orders' }],
      },
      evidence: ['cancellation ratio at WH-NYC is 71.4% against a baseline of 5.1%'],
      traceId: null,
      traceQuery: `annotation.correlationId = "${NYC_AGAIN}"`,
    });
    expect(body.policyDecisions.map((d: { taskId: string }) => d.taskId)).toEqual([
      `plan#${NYC_AGAIN}#task-1`,
      `plan#${NYC_AGAIN}#task-2`,
    ]);
    expect(body).not.toHaveProperty('saga');
  });

  it('answers an unknown incident with a 404 problem', async () => {
    const { status, body } = await call(
      'GET',
      `/incidents/${encodeURIComponent('warehouse#WH-XX#2026-01-01T00:00:00Z')}/timeline`,
    );

    expect(status).toBe(404);
    expect(body).toMatchObject({ title: 'No such incident', detail: expect.stringContaining('WH-XX') });
  });

  it('lists agents with their autonomy level, budget burn and the KPIs each is held to', async () => {
    const { body } = await call('GET', '/agents');

    expect(body.agents).toEqual([
      {
        name: 'planning-agent',
        autonomy: 'autonomous',
        autonomySource: 'configured',
        kpis: [
          {
            agent: 'planning-agent',
            id: 'time-to-resolution',
            description: expect.stringContaining('within this many minutes of its spike'),
            target: 30,
            unit: 'minutes',
            metric: { name: 'TimeToResolution', reportedBy: 'learning-agent', unit: 'Seconds' },
          },
        ],
        budget: {
          period: '2026-11-20',
          spentMicroUsd: 5_000_000,
          ceilingMicroUsd: 20_000_000,
          spentUsd: 5,
          ceilingUsd: 20,
          burn: 0.25,
        },
      },
      {
        name: 'monitoring-agent',
        autonomy: 'revoked',
        autonomySource: 'default',
        kpis: [
          {
            agent: 'monitoring-agent',
            id: 'ratio-back-to-baseline',
            description: expect.stringContaining('In the hour after an incident is resolved'),
            target: 2,
            unit: 'times the baseline ratio',
            metric: { name: 'RatioAfterResolution', reportedBy: 'recovery-watch', unit: 'None' },
          },
        ],
      },
    ]);
  });

  it('refuses an approval answer that breaks its contract, naming each field', async () => {
    const { status, contentType, body } = await call(
      'POST',
      `/approvals/${encodeURIComponent(NYC_AGAIN)}`,
      JSON.stringify({ decision: 'maybe', approver: 'me' }),
    );

    expect({ status, contentType }).toEqual({ status: 400, contentType: 'application/problem+json' });
    expect(body.errors).toEqual([
      { field: 'decision', pointer: '/decision', detail: expect.stringContaining('approve') },
      { field: 'approver', pointer: '/approver', detail: expect.any(String) },
    ]);
    expect(body.detail).toMatch(/^decision: .* \(and 1 more\)$/);
  });

  it('refuses a body that is not JSON, and a request without an IAM identity', async () => {
    const notJson = await call('POST', `/approvals/${encodeURIComponent(NYC)}`, '{decision');
    const anonymous = await call(
      'POST',
      `/approvals/${encodeURIComponent(NYC)}`,
      JSON.stringify({ decision: 'approve' }),
      null,
    );

    expect(notJson).toMatchObject({ status: 400, body: { errors: [{ field: '(body)' }] } });
    expect(anonymous).toMatchObject({
      status: 403,
      body: { type: 'urn:proactive-agents:problem:no-identity' },
    });
  });

  it('shows the cancellation ratio of an incident’s scope per window, two hours on either side of its opening', async () => {
    const { status, body } = await call('GET', `/incidents/${encodeURIComponent(NYC)}/ratio`);

    expect(status).toBe(200);
    expect(body).toEqual({
      incidentId: NYC,
      scope: 'warehouse#WH-NYC',
      openedAt: '2026-11-20T10:35:00Z',
      from: '2026-11-20T08:35:00Z',
      to: '2026-11-20T12:35:00Z',
      // 08:30 and 12:40 are outside the four hours; WH-BOS is another scope.
      windows: [
        { start: '2026-11-20T10:30:00Z', placed: 20, cancelled: 1, ratio: 0.05 },
        { start: '2026-11-20T10:35:00Z', placed: 20, cancelled: 9, ratio: 0.45 },
      ],
    });
  });

  it('answers a ratio of something that is not an incident key with a 404 problem', async () => {
    for (const id of ['nothing', 'store#1#2026-11-20T10:35:00Z', 'warehouse#WH-NYC#yesterday']) {
      const { status, contentType } = await call('GET', `/incidents/${encodeURIComponent(id)}/ratio`);
      expect({ id, status, contentType }).toEqual({
        id,
        status: 404,
        contentType: 'application/problem+json',
      });
    }
  });

  it('shows the override rate per hour and over the hours asked for, with the alarm threshold', async () => {
    // Two pages, as GetMetricData pages its results: decisions and overrides of the operator API's metrics.
    const hour = (h: number) => new Date(Date.UTC(2026, 10, 20, h));
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'decisions', Timestamps: [hour(10)], Values: [4] },
          { Id: 'overrides', Timestamps: [hour(10)], Values: [1] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'decisions', Timestamps: [hour(12)], Values: [2] },
          { Id: 'overrides', Timestamps: [], Values: [] },
        ],
      });

    const { status, body } = await call('GET', '/override-rate?hours=4');

    expect(status).toBe(200);
    expect(body).toEqual({
      hours: [
        { start: '2026-11-20T10:00:00.000Z', decisions: 4, overrides: 1, rate: 0.25 },
        { start: '2026-11-20T11:00:00.000Z', decisions: 0, overrides: 0, rate: null },
        { start: '2026-11-20T12:00:00.000Z', decisions: 2, overrides: 0, rate: 0 },
        { start: '2026-11-20T13:00:00.000Z', decisions: 0, overrides: 0, rate: null },
      ],
      decisions: 6,
      overrides: 1,
      rate: 1 / 6,
      threshold: 0.25,
    });
    // Both pages were read (the SDK's paginator sends one input object, its NextToken updated in place).
    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      StartTime: hour(10),
      EndTime: hour(14),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: ['decisions', 'overrides'].map((id) => ({
        Id: id,
        MetricStat: {
          Metric: {
            Namespace: 'ProactiveAgents',
            MetricName: id === 'decisions' ? 'OperatorDecisions' : 'OperatorOverrides',
            Dimensions: [{ Name: 'service', Value: 'operator-api' }],
          },
          Period: 3600,
          Stat: 'Sum',
        },
        ReturnData: true,
      })),
    });
  });

  it('answers hours out of range with a problem naming the query field', async () => {
    const { status, body } = await call('GET', '/override-rate?hours=169');

    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: 'hours' })]);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const { status, contentType, body } = await call('GET', '/nothing-here');

    expect({ status, contentType }).toEqual({ status: 404, contentType: 'application/problem+json' });
    expect(body).toMatchObject({
      title: 'No such route',
      detail: 'the operator API has no route GET /nothing-here',
    });
  });
});
