import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { repoRoot, startSandbox } from './sandbox-fixture';

describe('the remediation saga in the sandbox when the reroute fails', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  const ofType = (type: string) => events.filter((e) => e['detail-type'] === type);

  beforeAll(async () => {
    // A spike at a warehouse the fulfillment network does not know: the reroute command fails every attempt.
    const spike = JSON.parse(
      readFileSync(
        path.join(repoRoot, 'test', 'events', 'order_cancellation_spike', 'warehouse.json'),
        'utf8',
      ),
    ) as { time: string; detail: { scope: { id: string }; correlationId: string; incidentKey: string } };
    spike.detail.scope.id = 'WH-GONE';
    spike.detail.correlationId = spike.detail.incidentKey = 'warehouse#WH-GONE#2026-11-20T10:35:00Z';
    sandbox = await startSandbox(Date.parse(spike.time) - 1000);
    await sandbox.replay([{ raw: spike, time: Date.parse(spike.time) }]);
    events = sandbox.bus.archive;
  });
  afterAll(() => sandbox?.stop());

  it('times out the reroute on the virtual clock, reports the failure and compensates', () => {
    const [failed] = ofType('remediation_failed');
    expect(failed!.detail).toMatchObject({ stage: 'execution', error: 'States.Timeout' });
    const [revert] = ofType('revert_reroute');
    expect(revert!.detail).toMatchObject({ parameters: { fromWarehouseId: 'WH-GONE' } });
    expect(ofType('reroute_reverted')[0]!.detail).toMatchObject({ restoredCount: 0 });
    expect(ofType('remediation_compensated')[0]!.detail).toMatchObject({ reason: 'States.Timeout' });
    // The timeout is the plan's: 900 s after the command, in event time.
    const commandAt = Date.parse(ofType('reroute_orders')[0]!.time);
    expect(Date.parse(failed!.time) - commandAt).toBe(900_000);
  });

  it('ends the execution as compensated and keeps the failed command with its reason', () => {
    const [machine] = sandbox.sfn.listStateMachines().stateMachines;
    const [execution] = sandbox.sfn.listExecutions(machine!.stateMachineArn).executions;
    expect(sandbox.sfn.describeExecution(execution!.executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'RemediationCompensated',
    });
    const dlq = sandbox.deadLetterQueueOf('fulfillment-agent');
    expect(dlq.messages).toHaveLength(1);
    const record = JSON.parse(dlq.messages[0]!.body) as {
      requestContext: { condition: string; approximateInvokeCount: number };
      responsePayload: { errorType: string };
    };
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    expect(record.responsePayload.errorType).toBe('FulfillmentInputError');
  });
});
