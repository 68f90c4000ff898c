import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { sessionTagValue } from '../../lambdas/domain/governance/task-session';
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as path from 'node:path';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { incidentKpis } from '../../local/kpi';
import { formatTimeline } from '../../local/timeline';
import { decisionTraceReport } from '../../bin/decision-trace';
import { resolvedOutputs } from '../../local/last-run';
import { readEventsFile } from './events-file';
import { repoRoot, startSandbox, withWalkthroughNetwork } from './sandbox-fixture';

describe('the retail walk-through in the sandbox', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  let inputCount = 0;
  const ofType = (type: string) => events.filter((e) => e['detail-type'] === type);

  beforeAll(async () => {
    const inputs = await readEventsFile(path.join(repoRoot, 'scenarios', 'retail-walkthrough.ndjson'));
    inputCount = inputs.length;
    sandbox = await startSandbox(inputs[0]!.time - 120_000);
    await sandbox.replay(withWalkthroughNetwork(inputs));
    events = [...sandbox.bus.archive];
  });
  afterAll(() => sandbox?.stop());

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
    const [machine] = sandbox.sfn.listStateMachines().stateMachines;
    const executions = sandbox.sfn.listExecutions(machine!.stateMachineArn).executions;
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
