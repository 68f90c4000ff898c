import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { consumersExcept, orderEvent, repoRoot, startSandbox, sagaStateMachineArn } from './sandbox-fixture';

describe('the remediation saga in the sandbox when the fulfillment agent never answers', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  const ofType = (type: string) => events.filter((e) => e['detail-type'] === type);

  beforeAll(async () => {
    const spike = JSON.parse(
      readFileSync(
        path.join(repoRoot, 'test', 'events', 'order_cancellation_spike', 'warehouse.json'),
        'utf8',
      ),
    ) as EventEnvelope;
    // Every agent but the fulfillment agent: its commands reach no one, as when it is down.
    sandbox = await startSandbox(Date.parse(spike.time) - 600_000, {
      onlyConsumers: consumersExcept('fulfillment-agent'),
    });
    const order = orderEvent('order_placed', '2026-11-20T10:30:00Z', {
      orderId: 'o-1',
      customerId: 'c-1',
      warehouseId: 'WH-NYC',
      region: 'us-east',
      items: [{ sku: 'SKU-1', quantity: 1 }],
      total: 20,
    });
    await sandbox.replay([
      { raw: order, time: Date.parse(order.time as string) },
      { raw: spike, time: Date.parse(spike.time) },
    ]);
    events = [...sandbox.bus.archive];
  });
  afterAll(() => sandbox?.stop());

  it("times out the command after the plan's timeout on the virtual clock and reports the failure", () => {
    const [failed] = ofType('remediation_failed');
    expect(failed!.detail).toMatchObject({ stage: 'execution', error: 'States.Timeout' });
    const commandAt = Date.parse(ofType('reroute_orders')[0]!.time);
    expect(Date.parse(failed!.time) - commandAt).toBe(900_000);
  });

  it('sends the compensation, and escalates a compensation that is never answered instead of hiding it', () => {
    const reverts = ofType('revert_reroute');
    expect(reverts[0]!.detail).toMatchObject({ parameters: { fromWarehouseId: 'WH-NYC' } });
    expect(ofType('compensation_failed').map((e) => e.detail)).toEqual([
      expect.objectContaining({
        taskType: 'reroute_orders',
        compensationType: 'revert_reroute',
        error: 'States.Timeout',
      }),
    ]);
    // The walk goes on: the operations agent lifts the pause and closes the ticket the plan opened.
    expect(ofType('warehouse_intake_resumed')[0]!.detail).toMatchObject({
      warehouseId: 'WH-NYC',
      intake: 'open',
    });
    expect(ofType('incident_ticket_closed')[0]!.detail).toMatchObject({ wasOpen: true });
    const compensationFailure = ofType('remediation_failed').find(
      (e) => (e.detail as { stage: string }).stage === 'compensation',
    );
    expect(compensationFailure!.detail).toMatchObject({ error: 'CompensationFailed' });
    expect(ofType('remediation_escalated')[0]!.detail).toMatchObject({
      reason: expect.stringMatching(/^a compensation failed after its retries/),
    });
    expect(ofType('remediation_compensated')).toEqual([]);
    const [execution] = sandbox.sfn.listExecutions(sagaStateMachineArn(sandbox)).executions;
    expect(sandbox.sfn.describeExecution(execution!.executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'CompensationFailed',
    });
  });
});
