import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as path from 'node:path';
import { readEvents, type ReplayInput } from '../../local/cli-input';
import { parseFaults, poisonPillEvent } from '../../local/faults';
import { Sandbox } from '../../local/sandbox';
import { assemblyDir, repoRoot, withWalkthroughNetwork } from './sandbox-fixture';
import { ensureAssembly } from '../../local/assembly';

const walkthrough = () => readEvents(path.join(repoRoot, 'scenarios', 'retail-walkthrough.ndjson'), []);
/** The first hour of the walk-through: enough traffic for the stream drills, quick to replay. */
const firstHour = () => {
  const inputs = walkthrough();
  return inputs.filter((i) => i.time < inputs[0]!.time + 3_600_000);
};
const services = [
  'monitoring-agent',
  'planning-agent',
  'fulfillment-order-book',
  'fulfillment-agent',
  'saga-callback',
];

async function drill(specs: string[], inputs: ReplayInput[]): Promise<Sandbox> {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  const faults = parseFaults(specs, services);
  if (faults.poisonPill)
    inputs.push({ raw: poisonPillEvent(inputs[10]!.time), time: inputs[10]!.time, line: 0 });
  const sandbox = await Sandbox.start({
    assemblyDir,
    startTime: inputs[0]!.time - 120_000,
    faults: faults.sandbox,
  });
  await sandbox.replay(withWalkthroughNetwork(inputs));
  return sandbox;
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

/** Every routed event is processed or in a DLQ; nothing is lost or left waiting. */
function expectNothingLost(sandbox: Sandbox) {
  const report = sandbox.accountingReport();
  for (const account of report) {
    expect({ consumer: account.consumer, lost: account.lost, pending: account.pending }).toEqual({
      consumer: account.consumer,
      lost: 0,
      pending: 0,
    });
    expect(account.processed + account.deadLettered).toBe(account.routed);
  }
  return Object.fromEntries(report.map((a) => [a.consumer, a]));
}

/** The monitoring agent's effect: each order counted once, in the window of its event time. */
async function expectCountedOnce(sandbox: Sandbox, inputs: ReplayInput[]) {
  const table = sandbox.functionByService('monitoring-agent').config.environment.COUNTERS_TABLE_NAME!;
  const windows = (await scanAll(sandbox, table)).filter(
    (item) => String(item.sk).startsWith('w#') && String(item.pk).startsWith('warehouse#'),
  );
  const counted = windows.flatMap((w) => [...((w.placed as Set<string> | undefined) ?? [])]);
  const placed = inputs
    .map((i) => i.raw as { 'detail-type': string; detail: { orderId: string } })
    .filter((e) => e['detail-type'] === 'order_placed')
    .map((e) => e.detail.orderId);
  expect(counted.length).toBe(new Set(counted).size);
  expect(new Set(counted)).toEqual(new Set(placed));
}

describe('fault drills', () => {
  it('poison-pill: the pill ends in the order book DLQ with its reason; everything else is processed once', async () => {
    const inputs = firstHour();
    const sandbox = await drill(['poison-pill'], inputs);
    try {
      const accounts = expectNothingLost(sandbox);
      expect(accounts['fulfillment-order-book']).toMatchObject({
        deadLettered: 1,
        processed: inputs.length - 1,
      });
      const [kept] = sandbox.deadLetterQueueOf('fulfillment-order-book').messages;
      expect(JSON.parse(kept!.body)).toMatchObject({ id: 'poison-pill-0001' });
      expect(kept!.messageAttributes.errorMessage?.StringValue).toMatch(/Size of hashkey has exceeded/);
      // The monitoring agent can count it (its key is the window, not the order): it is not a poison there.
      expect(accounts['monitoring-agent']).toMatchObject({ deadLettered: 0, processed: inputs.length });
      await expectCountedOnce(sandbox, inputs);
    } finally {
      await sandbox.stop();
    }
  });

  it('duplicate-delivery: every delivery twice, every effect once — counters, order book and the reroute', async () => {
    const inputs = walkthrough();
    const sandbox = await drill(['duplicate-delivery'], inputs);
    try {
      const accounts = expectNothingLost(sandbox);
      expect(accounts['monitoring-agent']!.processed).toBe(inputs.length);
      await expectCountedOnce(sandbox, inputs);
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
    } finally {
      await sandbox.stop();
    }
  });

  it('lambda-timeout: hung invocations are killed and retried; each order is still counted once', async () => {
    const inputs = firstHour().slice(0, 200);
    const sandbox = await drill(['lambda-timeout=monitoring-agent'], inputs);
    try {
      const accounts = expectNothingLost(sandbox);
      expect(sandbox.invocationErrors.some((e) => e.errorType === 'Sandbox.Timedout')).toBe(true);
      expect(accounts['monitoring-agent']!.deliveries).toBeGreaterThan(
        accounts['fulfillment-order-book']!.deliveries,
      );
      // Each hang came after the work: its redelivery is acknowledged, nothing ends in the DLQ.
      expect(accounts['monitoring-agent']!.deadLettered).toBe(0);
      expect(sandbox.deadLetterQueueOf('monitoring-agent').messages).toEqual([]);
      await expectCountedOnce(sandbox, inputs);
    } finally {
      await sandbox.stop();
    }
  });

  it('slow-consumer: a slow agent still processes everything, once', async () => {
    const inputs = firstHour().slice(0, 300);
    const sandbox = await drill(['slow-consumer=monitoring'], inputs);
    try {
      expect(sandbox.functionByService('monitoring-agent').config.latencyPerRecordMs).toBe(20);
      const accounts = expectNothingLost(sandbox);
      expect(accounts['monitoring-agent']).toMatchObject({ processed: 300, deadLettered: 0 });
      await expectCountedOnce(sandbox, inputs);
    } finally {
      await sandbox.stop();
    }
  });
});
