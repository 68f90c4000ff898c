import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as path from 'node:path';
import { ensureAssembly } from '../../local/assembly';
import { drillNamed, runDrill, type DrillResult } from '../../local/drill';
import { poisonPillEvent } from '../../local/faults';
import type { Sandbox } from '../../local/sandbox';
import { loadTemplate } from '../../local/template';
import { readEventsFile } from './events-file';
import { assemblyDir, repoRoot } from './sandbox-fixture';

const walkthroughFile = path.join(repoRoot, 'scenarios', 'retail-walkthrough.ndjson');
const placedOrderIds = async () =>
  (await readEventsFile(walkthroughFile))
    .map((i) => i.raw as { 'detail-type': string; detail: { orderId: string } })
    .filter((e) => e['detail-type'] === 'order_placed')
    .map((e) => e.detail.orderId);

function services(): string[] {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  return loadTemplate(assemblyDir, { region: 'us-east-1', accountId: '123456789012', endpoint: '' })
    .resourcesOfType('AWS::Lambda::Function')
    .map(([, r]) => (r.Properties?.Environment as { Variables?: Record<string, unknown> }).Variables)
    .map((v) => v?.POWERTOOLS_SERVICE_NAME)
    .filter((s): s is string => typeof s === 'string');
}

async function scanAll(sandbox: Sandbox, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await sandbox.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return items;
}

/** The monitoring agent's effect: each order (and each of `extra`) counted once, in the window of its event time. */
async function expectCountedOnce(sandbox: Sandbox, extra: readonly string[] = []) {
  const table = sandbox.functionByService('monitoring-agent').config.environment.COUNTERS_TABLE_NAME!;
  const windows = (await scanAll(sandbox, table)).filter(
    (item) => String(item.sk).startsWith('w#') && String(item.pk).startsWith('warehouse#'),
  );
  const counted = windows.flatMap((w) => [...((w.placed as Set<string> | undefined) ?? [])]);
  expect(counted.length).toBe(new Set(counted).size);
  expect(new Set(counted)).toEqual(new Set([...(await placedOrderIds()), ...extra]));
}

/** Runs the drill as `npm run drill -- <name>` does, with `inspect` looking at the sandbox before it stops. */
const drill = (name: string, inspect?: (sandbox: Sandbox) => Promise<void>) =>
  runDrill(drillNamed(name), {
    assemblyDir,
    services: services(),
    ...(inspect === undefined ? {} : { inspect }),
  });

/** The four things every drill must show: its alarm, in time, the incidents closed, nothing lost. */
function expectVerdict(result: DrillResult) {
  expect(result.checks.map((c) => [c.name, c.passed, c.detail])).toEqual(
    result.checks.map((c) => [c.name, true, c.detail]),
  );
  expect(result.passed).toBe(true);
  expect(result.incidents.length).toBeGreaterThan(0);
  for (const incident of result.incidents) expect(incident.outcome).toMatch(/^(resolved|escalated)$/);
  for (const account of result.accounts) {
    expect({ consumer: account.consumer, lost: account.lost, pending: account.pending }).toEqual({
      consumer: account.consumer,
      lost: 0,
      pending: 0,
    });
    expect(account.processed + account.deadLettered).toBe(account.routed);
  }
}

/** The virtual minutes from the fault to the expected alarm. */
const responseMinutes = (result: DrillResult) => (result.alarmAt! - result.faultStart!) / 60_000;

describe('readiness drills (npm run drill): alarm, response time, resolution, nothing lost', () => {
  it('slow-consumer: the monitoring stream backs up, its queue-age alarm fires within 20 minutes, then clears', async () => {
    const result = await drill('slow-consumer', async (sandbox) => {
      expect(sandbox.deadLetterQueueOf('monitoring-agent').messages).toEqual([]);
      await expectCountedOnce(sandbox);
    });
    expectVerdict(result);
    expect(responseMinutes(result)).toBeGreaterThan(5); // older than five minutes cannot be seen sooner
    expect(responseMinutes(result)).toBeLessThanOrEqual(20);
    const queueAge = result.transitions.filter((t) =>
      t.logicalId.startsWith('OperationsMonitoringAgentQueueAge'),
    );
    // It may flap while the backlog hovers at the threshold; it ends OK once the stream has caught up.
    expect(queueAge.map((t) => t.to)).toContain('ALARM');
    expect(queueAge.at(-1)!.to).toBe('OK');
  }, 600_000);

  it('poison-pill: the order book DLQ alarm fires within 15 minutes; the pill is kept with its reason', async () => {
    const result = await drill('poison-pill', async (sandbox) => {
      const [kept] = sandbox.deadLetterQueueOf('fulfillment-order-book').messages;
      expect(JSON.parse(kept!.body)).toMatchObject({ id: 'poison-pill-0001' });
      expect(kept!.messageAttributes.errorMessage?.StringValue).toMatch(/Size of hashkey has exceeded/);
      // And announced once on the bus, by the order book as the fulfillment context, naming the pill only.
      const announced = sandbox.bus.archive.filter((e) => e['detail-type'] === 'agent_error');
      expect(announced).toEqual([
        expect.objectContaining({
          source: 'proactive.fulfillment',
          detail: expect.objectContaining({
            agent: 'fulfillment-order-book',
            eventId: 'poison-pill-0001',
            eventDetailType: 'order_placed',
            reason: expect.stringMatching(/Size of hashkey has exceeded/),
          }),
        }),
      ]);
      expect(JSON.stringify(announced)).not.toContain('cust-poison');
      // The monitoring agent counts the pill too (its key is the window, not the order): it is no poison there.
      const pill = poisonPillEvent(0).detail as { orderId: string };
      await expectCountedOnce(sandbox, [pill.orderId]);
    });
    expectVerdict(result);
    expect(responseMinutes(result)).toBeLessThanOrEqual(15);
    const book = result.accounts.find((a) => a.consumer === 'fulfillment-order-book')!;
    expect(book.deadLettered).toBe(1);
    expect(result.accounts.find((a) => a.consumer === 'monitoring-agent')!.deadLettered).toBe(0);
  }, 600_000);

  it('llm-rate-limit: the model-throttle alarm fires within 10 minutes of the spike; the rule planner resolves', async () => {
    const result = await drill('llm-rate-limit', (sandbox) => {
      expect(sandbox.bedrock.throttled).toBeGreaterThan(0);
      const plans = sandbox.bus.archive.filter((e) => e['detail-type'] === 'remediation_planned');
      expect(plans.length).toBeGreaterThan(0);
      for (const plan of plans) expect((plan.detail as { planner: string }).planner).not.toBe('reasoner');
      // The functions' EMF records reached the sandbox's CloudWatch, one namespace, dimension `service`.
      expect(sandbox.cloudwatch.store.keys()).toEqual(
        expect.arrayContaining([
          'ProactiveAgents|ModelCalls|service=planning-agent',
          'ProactiveAgents|ModelThrottles|service=planning-agent',
          'ProactiveAgents|EventsOut|service=fulfillment-agent',
          'ProactiveAgents|EventsIn|service=monitoring-agent',
          'ProactiveAgents|PolicyDecisions|decision=allow,service=policy-agent',
        ]),
      );
      expect(sandbox.cloudwatch.rejectedRecords).toEqual([]);
      return Promise.resolve();
    });
    expectVerdict(result);
    expect(responseMinutes(result)).toBeLessThanOrEqual(10);
  }, 600_000);

  it('lambda-timeout: the monitoring agent errors alarm fires within 10 minutes; each order is counted once', async () => {
    const result = await drill('lambda-timeout', async (sandbox) => {
      expect(sandbox.invocationErrors.some((e) => e.errorType === 'Sandbox.Timedout')).toBe(true);
      expect(sandbox.deadLetterQueueOf('monitoring-agent').messages).toEqual([]);
      await expectCountedOnce(sandbox);
    });
    expectVerdict(result);
    expect(responseMinutes(result)).toBeLessThanOrEqual(10);
  }, 600_000);

  it('duplicate-delivery: every delivery twice, every effect once, and no one is paged', async () => {
    const result = await drill('duplicate-delivery', async (sandbox) => {
      await expectCountedOnce(sandbox);
      // Each command was delivered twice; each reroute answered with the same stored result, moving orders once.
      const completes = sandbox.bus.archive.filter((e) => e['detail-type'] === 'reroute_complete');
      const byIncident = new Map<string, unknown[]>();
      for (const e of completes) {
        const { taskToken: _token, ...detail } = e.detail as { correlationId: string; taskToken: string };
        byIncident.set(detail.correlationId, [...(byIncident.get(detail.correlationId) ?? []), detail]);
      }
      expect(byIncident.size).toBe(2);
      let moved = 0;
      for (const answers of byIncident.values()) {
        expect(answers.length).toBeGreaterThanOrEqual(2);
        for (const answer of answers) expect(answer).toEqual(answers[0]);
        moved += (answers[0] as { reroutedCount: number }).reroutedCount;
      }
      const orders = await scanAll(
        sandbox,
        sandbox.functionByService('fulfillment-agent').config.environment.ORDERS_TABLE_NAME!,
      );
      expect(orders.filter((o) => o.reroutedBy !== undefined)).toHaveLength(moved);
    });
    expectVerdict(result);
    expect(result.transitions.filter((t) => t.to === 'ALARM')).toEqual([]);
  }, 600_000);
});
