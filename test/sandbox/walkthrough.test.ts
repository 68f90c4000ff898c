import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { sessionTagValue } from '../../lambdas/domain/governance/task-session';
import { PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as path from 'node:path';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { recoveryHour } from '../../lambdas/domain/operator/kpis';
import { incidentKpis } from '../../local/kpi';
import { formatTimeline } from '../../local/timeline';
import { decisionTraceReport } from '../../bin/decision-trace';
import { resolvedOutputs } from '../../local/last-run';
import { readEventsFile } from './events-file';
import { connect, operatorRoleArn, presignedAs, until, type SocketAttempt } from './live-socket';
import { repoRoot, startSandbox, withWalkthroughNetwork, sagaStateMachineArn } from './sandbox-fixture';
import { apiRequest } from './signed-request';

/** A connection the connections table still lists, but API Gateway no longer has (its $disconnect was lost). */
const STALE_CONNECTION = 'Stale0connectio=';

describe('the retail walk-through in the sandbox', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  let inputCount = 0;
  // The push channel: the stage's URL, the refused attempts, the console's connection and the connections table.
  let liveUrl: string;
  let refused: Record<'unsigned' | 'badSecret' | 'asFunction', SocketAttempt>;
  let consoleSocket: SocketAttempt;
  let connectionsTable: string;
  const ofType = (type: string) => events.filter((e) => e['detail-type'] === type);

  beforeAll(async () => {
    const inputs = await readEventsFile(path.join(repoRoot, 'scenarios', 'retail-walkthrough.ndjson'));
    inputCount = inputs.length;
    sandbox = await startSandbox(inputs[0]!.time - 120_000);
    // A console connected to the WebSocket API as on AWS (a URL presigned with the operator role's key), refused
    // attempts, and a stale connection in the table, before the walk-through runs.
    const [stage] = sandbox.webSocketApis!.stages;
    liveUrl = stage!.url;
    const operatorKey = sandbox.sts.accessKeyFor(operatorRoleArn(sandbox))!;
    refused = {
      unsigned: await connect(liveUrl),
      badSecret: await connect(await presignedAs(liveUrl, operatorKey, 'not-the-secret')),
      asFunction: await connect(
        await presignedAs(
          liveUrl,
          sandbox.functionByService('saga-callback').config.environment.AWS_ACCESS_KEY_ID!,
        ),
      ),
    };
    consoleSocket = await connect(await presignedAs(liveUrl, operatorKey));
    connectionsTable = sandbox.functionByService('live-push').config.environment.CONNECTIONS_TABLE_NAME!;
    await sandbox.dynamodb.send(
      new PutItemCommand({
        TableName: connectionsTable,
        Item: {
          pk: { S: STALE_CONNECTION },
          connectedAt: { S: '2026-11-20T09:00:00.000Z' },
          caller: { S: 'gone' },
        },
      }),
    );
    await sandbox.replay(withWalkthroughNetwork(inputs));
    events = [...sandbox.bus.archive];
  });
  afterAll(() => sandbox?.stop());

  const connectionIds = async () => {
    const { Items = [] } = await sandbox.dynamodb.send(new ScanCommand({ TableName: connectionsTable }));
    return Items.map((item) => unmarshall(item) as { pk: string; caller: string });
  };

  it('pushes each platform event to a console connected by a presigned WebSocket URL, reroute_complete included', async () => {
    // Refused before $connect's function: no signature, a wrong secret, a role without execute-api:Invoke on it.
    expect(refused.unsigned).toEqual({ open: false, status: 403, body: { message: 'Forbidden' } });
    expect(refused.badSecret).toMatchObject({
      open: false,
      status: 403,
      body: { message: expect.stringMatching(/^The request signature we calculated does not match/) },
    });
    const apiId = liveUrl.split('/').at(-2)!;
    expect(refused.asFunction).toEqual({
      open: false,
      status: 403,
      body: {
        message: expect.stringMatching(
          new RegExp(
            `^User: arn:aws:iam::123456789012:role/\\S+ is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:${apiId}/live/\\$connect$`,
          ),
        ),
      },
    });
    if (!consoleSocket.open) throw new Error(`the console was refused: ${JSON.stringify(consoleSocket)}`);

    // Every event of the push rule's sources arrived, once, in the frame the console reads.
    const rule = sandbox.template
      .resourcesOfType('AWS::Events::Rule')
      .map(([, resource]) => sandbox.template.resolve(resource.Properties) as Record<string, unknown>)
      .find((p) =>
        (p.Targets as { Arn: string }[]).some(
          (t) => t.Arn === sandbox.functionByService('live-push').config.functionArn,
        ),
      )!;
    const sources = (rule.EventPattern as { source: string[] }).source;
    const pushed = events.filter((e) => sources.includes(e.source)).map((e) => e.id);
    const frames = await until(() =>
      consoleSocket.open && consoleSocket.frames.length >= pushed.length ? consoleSocket.frames : undefined,
    );
    const messages = (
      frames as { kind: string; message: { id: string; detailType: string; correlationId?: string } }[]
    ).map((frame) => {
      expect(frame.kind).toBe('platform');
      return frame.message;
    });
    expect(messages.map((m) => m.id).sort()).toEqual([...pushed].sort());
    expect(messages.filter((m) => m.detailType === 'reroute_complete').map((m) => m.correlationId)).toEqual(
      ofType('reroute_complete').map((e) => (e.detail as { correlationId: string }).correlationId),
    );
    expect(pushed.length).toBeGreaterThan(10);

    // A message from the console: the API has no route for it (nor $default), so API Gateway answers Forbidden.
    consoleSocket.socket.send(JSON.stringify({ action: 'subscribe' }));
    const answer = await until(() => consoleSocket.open && consoleSocket.frames[pushed.length]);
    expect(answer).toEqual({
      message: 'Forbidden',
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });

    // The stale connection answered 410 Gone and was forgotten; the console's stays, recorded with its caller.
    const connected = await connectionIds();
    expect(connected).toEqual([expect.objectContaining({ caller: operatorRoleArn(sandbox) })]);
    const connectionId = connected[0]!.pk;
    expect((answer as { connectionId: string }).connectionId).toBe(connectionId);

    // The management API: GET describes the connection, DELETE closes it, $disconnect forgets it, POST then is Gone.
    const at = `/execute-api/${apiId}/live/@connections/${encodeURIComponent(connectionId)}`;
    const base = sandbox.endpoint;
    const described = await apiRequest(base, 'GET', at);
    const asOperatorRole = await apiRequest(base, 'DELETE', at, {
      signer: {
        accessKeyId: sandbox.sts.accessKeyFor(operatorRoleArn(sandbox))!,
        secretAccessKey: 'sandbox',
      },
    });
    const deleted = await apiRequest(base, 'DELETE', at);
    const closeCode = await consoleSocket.closed;
    await until(async () => ((await connectionIds()).length === 0 ? true : undefined));
    const gone = await apiRequest(base, 'POST', at, { body: { late: true } });

    expect(described).toMatchObject({
      status: 200,
      body: {
        connectedAt: expect.any(String),
        identity: { sourceIp: '127.0.0.1' },
        lastActiveAt: expect.any(String),
      },
    });
    expect(asOperatorRole).toMatchObject({
      status: 403,
      body: {
        message: expect.stringContaining('is not authorized to perform: execute-api:ManageConnections'),
      },
    });
    expect(deleted.status).toBe(204);
    expect(closeCode).toBe(1000);
    expect(gone).toMatchObject({ status: 410, body: { message: expect.stringContaining(connectionId) } });
  });

  it('detects one cancellation spike per incident, at WH-NYC, soon after each starts', () => {
    const spikes = ofType('order_cancellation_spike');
    expect(spikes).toHaveLength(2);
    spikes.forEach((spike, index) => {
      const detail = spike.detail as {
        scope: { type: string; id: string };
        observedRatio: number;
        baselineRatio: number;
      };
      expect(detail.scope).toEqual({ type: 'warehouse', id: 'WH-NYC' });
      expect(detail.observedRatio).toBeGreaterThan(4 * detail.baselineRatio);
      const start = Date.parse(['2026-11-20T10:30:00Z', '2026-11-20T12:00:00Z'][index]!);
      expect(Date.parse(spike.time)).toBeGreaterThanOrEqual(start);
      expect(Date.parse(spike.time)).toBeLessThanOrEqual(start + 15 * 60_000);
    });
  });

  it('plans the first incident with the reasoner and reuses the learned template for the second', () => {
    const plans = ofType('remediation_planned').map(
      (e) => e.detail as { planner: string; evidence: string[] },
    );
    expect(plans.map((p) => p.planner)).toEqual(['reasoner', 'template']);
    expect(plans[0]!.evidence.join('\n')).toMatch(/no procedural template .*\(procedural memory\)/);
    const second = plans[1]!.evidence.join('\n');
    expect(second).toMatch(/1 remediation\(s\) of warehouse#WH-NYC in the last 30 days: 1 succeeded/);
    expect(second).toMatch(/reused procedural template/);
    expect(second).toMatch(/similar past incident/);
  });

  it('plans a ticket, an intake pause and a reroute, each with cost, risk, SLA, timeout, idempotency key and compensation', () => {
    const [planned] = ofType('remediation_planned');
    const plan = planned!.detail as {
      correlationId: string;
      tasks: Record<string, unknown>[];
      evidence: string[];
    };
    expect(plan.correlationId).toBe(
      (ofType('order_cancellation_spike')[0]!.detail as { correlationId: string }).correlationId,
    );
    expect(plan.tasks.map((task) => task.taskType)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'reroute_orders',
    ]);
    expect(plan.tasks[2]).toMatchObject({
      taskType: 'reroute_orders',
      parameters: { fromWarehouseId: 'WH-NYC' },
      risk: 'medium',
      compensation: { taskType: 'revert_reroute' },
    });
    for (const task of plan.tasks) {
      for (const field of ['costCents', 'slaSeconds', 'timeoutSeconds', 'idempotencyKey', 'compensation'])
        expect(task).toHaveProperty(field);
    }
    expect(plan.evidence.join(' ')).toMatch(/cancellation ratio at WH-NYC/);
  });

  it('reroutes the open orders of WH-NYC to warehouses serving their regions, within capacity', async () => {
    const [complete] = ofType('reroute_complete');
    const detail = complete!.detail as {
      fromWarehouseId: string;
      idempotencyKey: string;
      reroutedCount: number;
      totalCost: number;
      destinations: { warehouseId: string; orders: number; cost: number }[];
      assignmentsRef: { tableName: string; key: string };
    };
    expect(detail.fromWarehouseId).toBe('WH-NYC');
    expect(detail.reroutedCount).toBeGreaterThan(100);
    expect(detail.destinations.map((d) => d.warehouseId)).not.toContain('WH-NYC');
    expect(detail.destinations.reduce((sum, d) => sum + d.orders, 0)).toBe(detail.reroutedCount);
    expect(detail.destinations.reduce((sum, d) => sum + d.cost, 0)).toBe(detail.totalCost);

    // The claim check leads to the full assignment, and the order book agrees with it: each moved order now
    // sits at its new warehouse, marked with the reroute.
    const orders = sandbox.functionByService('fulfillment-agent').config.environment.ORDERS_TABLE_NAME!;
    // The journal's key: the reroute's idempotency key as the task session's `journal` tag carries it.
    expect(detail.assignmentsRef).toEqual({
      tableName: orders,
      key: `reroute#${sessionTagValue(detail.idempotencyKey, 'journal')}`,
    });
    const { assignments } = await new DynamoOrderBook(orders, sandbox.dynamodb).recordedPlan(
      detail.idempotencyKey,
    );
    expect(assignments).toHaveLength(detail.reroutedCount);
    expect(assignments.reduce((sum, a) => sum + a.cost, 0)).toBe(detail.totalCost);
    const moved = assignments.slice(0, 20);
    for (const assignment of moved) {
      const { Items = [] } = await sandbox.dynamodb.send(
        new QueryCommand({
          TableName: orders,
          KeyConditionExpression: 'orderId = :id',
          ExpressionAttributeValues: { ':id': { S: assignment.orderId } },
        }),
      );
      expect(unmarshall(Items[0]!)).toMatchObject({
        warehouseId: assignment.toWarehouseId,
        previousWarehouseId: 'WH-NYC',
      });
    }
  });

  it('runs the saga to success and records the outcome in episodic memory', async () => {
    const executions = sandbox.sfn.listExecutions(sagaStateMachineArn(sandbox)).executions;
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const episodic = sandbox.functionByService('planning-agent').config.environment.EPISODIC_TABLE_NAME!;
    const { Items = [] } = await sandbox.dynamodb.send(new ScanCommand({ TableName: episodic }));
    const records = Items.map((item) => unmarshall(item));
    // Written by the learning agent (the only writer): redacted, with its TTL.
    const outcomes = records.filter((record) => record.kind === 'remediation_outcome');
    expect(outcomes.map((record) => JSON.parse(String(record.detail)) as unknown)).toEqual([
      expect.objectContaining({
        outcome: 'succeeded',
        tasks: 'open_incident_ticket>pause_warehouse_intake>reroute_orders',
      }),
      expect.objectContaining({
        outcome: 'succeeded',
        tasks: 'open_incident_ticket>pause_warehouse_intake>reroute_orders',
      }),
    ]);
    for (const record of outcomes) expect(record.expiresAt).toEqual(expect.any(Number));
    expect(records).toEqual(
      expect.arrayContaining([expect.objectContaining({ pk: 'warehouse#WH-NYC', kind: 'plan' })]),
    );
  });

  it("reports each remediated incident's time to resolution as the KPI metric the stack alarms on", () => {
    // The learning agent's EMF metric (its Learn task, once the saga has rerouted), read from the sandbox's
    // CloudWatch, against the same KPI measured independently from the bus archive (spike to reroute_complete).
    const metric = {
      namespace: 'ProactiveAgents',
      metricName: 'TimeToResolution',
      dimensions: { service: 'learning-agent' },
    };
    const first = Date.parse(events[0]!.time);
    const hours = Math.ceil((sandbox.clock.now() - first) / 3_600_000) + 1;
    const start = Math.floor(first / 60_000) * 60_000;
    const samples = sandbox.cloudwatch.store.statistic(metric, 'SampleCount', start, hours * 3_600_000);
    const slowest = sandbox.cloudwatch.store.statistic(metric, 'Maximum', start, hours * 3_600_000);
    const resolved = incidentKpis(events).filter((kpi) => kpi.outcome === 'resolved');

    expect(resolved).toHaveLength(2);
    expect(samples).toBe(resolved.length);
    const slowestFromArchive = Math.max(resolved[0]!.minutesToResolution!, resolved[1]!.minutesToResolution!);
    // The Learn task starts just after reroute_complete is published: within a minute of it.
    expect(slowest! / 60).toBeGreaterThanOrEqual(slowestFromArchive);
    expect(slowest! / 60).toBeLessThan(slowestFromArchive + 1);
  });

  it("measures the hour after each remediation as the monitoring agent's KPI metric, as counted from the archive", () => {
    // The saga starts a recovery watch once it has remediated; an hour (of virtual time) later its check reads the
    // window counters. Its metric, from the sandbox's CloudWatch, against the same hour counted from the bus archive.
    const watch = sandbox.sfn
      .listStateMachines()
      .stateMachines.find((machine) => machine.name.startsWith('RecoveryWatch'))!;
    const runs = sandbox.sfn.listExecutions(watch.stateMachineArn).executions.map((execution) => {
      const described = sandbox.sfn.describeExecution(execution.executionArn);
      const input = JSON.parse(described.input ?? '{}') as {
        scope: { type: string; id: string };
        baselineRatio: number;
        resolvedAt: string;
      };
      return { status: described.status, input };
    });
    expect(runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);

    const fromArchive = runs.map(({ input }) => {
      const { fromMs, toMs } = recoveryHour(Date.parse(input.resolvedAt), 5);
      const inHour = (event: EventEnvelope) =>
        Date.parse(event.time) >= fromMs &&
        Date.parse(event.time) < toMs &&
        (event.detail as { warehouseId?: string }).warehouseId === input.scope.id;
      const placed = new Set(
        ofType('order_placed')
          .filter(inHour)
          .map((event) => (event.detail as { orderId: string }).orderId),
      );
      const cancelled = ofType('order_cancelled').filter(
        (event) => inHour(event) && placed.has((event.detail as { orderId: string }).orderId),
      ).length;
      return cancelled / placed.size / Math.max(input.baselineRatio, 0.01);
    });
    const metric = {
      namespace: 'ProactiveAgents',
      metricName: 'RatioAfterResolution',
      dimensions: { service: 'recovery-watch' },
    };
    const start = Math.floor(Date.parse(events[0]!.time) / 3_600_000) * 3_600_000;
    const span = Math.ceil((sandbox.clock.now() - start) / 3_600_000 + 1) * 3_600_000;
    expect(sandbox.cloudwatch.store.statistic(metric, 'SampleCount', start, span)).toBe(2);
    expect(sandbox.cloudwatch.store.statistic(metric, 'Maximum', start, span)).toBeCloseTo(
      Math.max(fromArchive[0]!, fromArchive[1]!),
      12,
    );
    expect(sandbox.cloudwatch.store.statistic(metric, 'Minimum', start, span)).toBeCloseTo(
      Math.min(fromArchive[0]!, fromArchive[1]!),
      12,
    );
    // Both scopes are back under 2× their baseline: the KPI's alarm stays quiet.
    expect(fromArchive.every((multiple) => multiple > 0 && multiple <= 2)).toBe(true);
  });

  it('loses nothing: every input is on the bus, no DLQ holds a message, no invocation failed', () => {
    expect(ofType('order_placed').length + ofType('order_cancelled').length).toBe(inputCount);
    expect(sandbox.rejectedInputs).toEqual([]);
    expect(
      sandbox.sqs
        .all()
        .filter((q) => q.messages.length > 0)
        .map((q) => q.name),
    ).toEqual([]);
    expect(sandbox.invocationErrors).toEqual([]);
  });

  it('prints a timeline from the network and the first orders to reroute_complete', () => {
    const lines = formatTimeline(events);
    expect(lines[0]).toMatch(/warehouse_updated +first event: warehouse WH-NYC/);
    expect(lines[1]).toMatch(/… 5 warehouse_updated, 1,929 order_placed, 111 order_cancelled/);
    const order = [
      'order_cancellation_spike',
      'remediation_planned',
      'open_incident_ticket',
      'incident_ticket_opened',
      'pause_warehouse_intake',
      'warehouse_intake_paused',
      'reroute_orders',
      'reroute_complete',
    ].map((type) => lines.findIndex((line) => line.includes(type)));
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(lines.find((line) => line.includes('reroute_complete'))).toMatch(
      /rerouted \d+ orders away from WH-NYC/,
    );
  });

  it('keeps the decision trace of each incident: the model call of the first, none for the template of the second', async () => {
    const table = resolvedOutputs(sandbox.template).EpisodicTableName!;
    const [first, second] = ofType('order_cancellation_spike').map(
      (e) => (e.detail as { correlationId: string }).correlationId,
    );

    const report = async (correlationId: string) =>
      (await decisionTraceReport(sandbox.dynamodb, { correlationId, table })).join('\n');

    const reasoned = await report(first!);
    const reused = await report(second!);

    expect(reasoned).toMatch(/Plan — .* — by reasoner: plan#warehouse#WH-NYC#/);
    expect(reasoned).toMatch(
      /Model call 1 — .* — accepted\n {2}model .* · tokens \d+ in \/ \d+ out · cost \$\d/,
    );
    expect(reasoned).toContain('→ tool call reroute_orders');
    expect(reasoned).toMatch(/Policy decisions\n.* open_incident_ticket on .*: ALLOW/);
    expect(reused).toMatch(/Plan — .* — by template \(template .*\)/);
    expect(reused).toContain('No model call: the plan needed none.');
  });
});
