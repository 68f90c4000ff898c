import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../../local/sandbox';
import { repoRoot, startSandbox, sagaStateMachineArn } from './sandbox-fixture';

type Spike = {
  time: string;
  id: string;
  detail: Record<string, unknown> & {
    scope: { type: string; id: string };
    window: { start: string; end: string };
  };
};

const spikeAt = (
  warehouseId: string,
  windowStart: string,
  observedRatio: number,
  type = 'warehouse',
): Spike => {
  const spike = JSON.parse(
    readFileSync(path.join(repoRoot, 'test', 'events', 'order_cancellation_spike', 'warehouse.json'), 'utf8'),
  ) as Spike;
  const start = Date.parse(windowStart);
  const key = `${type}#${warehouseId}#${windowStart}`;
  spike.id = `spike-${key}`;
  spike.time = new Date(start + 7 * 60_000).toISOString();
  spike.detail = {
    ...spike.detail,
    scope: { type, id: warehouseId },
    window: { start: windowStart, end: new Date(start + 600_000).toISOString() },
    correlationId: key,
    incidentKey: key,
    observedRatio,
  };
  return spike;
};

describe('planning from memory in the sandbox, and the llm-throttle drill', () => {
  let sandbox: Sandbox;
  const events = () => sandbox.bus.archive;
  const planned = () => events().filter((e) => e['detail-type'] === 'remediation_planned');

  beforeAll(async () => {
    sandbox = await startSandbox(Date.parse('2026-11-20T10:00:00Z'));
  });
  afterAll(() => sandbox?.stop());

  const replay = async (spike: Spike) => {
    await sandbox.replay([{ raw: spike, time: Date.parse(spike.time) }]);
  };

  it('plans the first incident with the reasoner and learns a template from its success', async () => {
    await replay(spikeAt('WH-NYC', '2026-11-20T10:30:00Z', 0.45));
    const [plan] = planned();
    expect(plan!.detail).toMatchObject({ planner: 'reasoner' });
    expect((plan!.detail as { evidence: string[] }).evidence).toEqual(
      expect.arrayContaining([expect.stringMatching(/no procedural template .* \(procedural memory\)/)]),
    );
    expect(sandbox.bedrock.converseCalls).toBe(1);
  });

  it('reuses the template for a similar incident without calling the model, even while it is throttled', async () => {
    sandbox.bedrock.options.throttleConverse = true;
    await replay(spikeAt('WH-NYC', '2026-11-20T13:30:00Z', 0.38));
    const second = planned()[1]!;
    expect(second.detail).toMatchObject({ planner: 'template', templateId: expect.any(String) });
    expect(sandbox.bedrock.converseCalls).toBe(1);
    expect(events().filter((e) => e['detail-type'] === 'reroute_complete')).toHaveLength(2);
  });

  it('plans by the rule while the model is throttled, and says so in the evidence', async () => {
    // A region-wide spike: another family of incident, so no template applies and the model is needed.
    const spike = spikeAt('us-west', '2026-11-20T15:30:00Z', 0.4, 'region');
    spike.detail.contributors = [{ warehouseId: 'WH-SEA', cancelled: 30, expectedCancelled: 3 }];
    await replay(spike);
    expect(sandbox.bedrock.throttled).toBeGreaterThan(1);
    const plan = planned().find(
      (e) => (e.detail as { correlationId: string }).correlationId === 'region#us-west#2026-11-20T15:30:00Z',
    );
    expect(plan?.detail).toMatchObject({
      planner: 'rule',
      tasks: [
        expect.objectContaining({
          taskType: 'open_incident_ticket',
          parameters: { scopeType: 'region', scopeId: 'us-west', severity: 'sev1' },
        }),
        expect.objectContaining({
          taskType: 'rebalance_region',
          parameters: expect.objectContaining({ region: 'us-west', fromWarehouseIds: ['WH-SEA'] }),
        }),
      ],
    });
    expect((plan!.detail as { evidence: string[] }).evidence).toContainEqual(
      expect.stringMatching(
        /^reasoner unavailable \(Bedrock .* refused Converse: ThrottlingException: .*\): planned by the rule instead$/,
      ),
    );
    expect(events().filter((e) => e['detail-type'] === 'remediation_failed')).toEqual([]);
  });

  it('escalates a throttled incident that the rule cannot plan either; the saga reports it and nothing is lost', async () => {
    // A region spike naming no contributor: the rule has nothing to move away from.
    await replay(spikeAt('us-central', '2026-11-20T18:30:00Z', 0.4, 'region'));
    const failed = events().filter((e) => e['detail-type'] === 'remediation_failed');
    expect(failed.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        stage: 'planning',
        error: 'EscalationRequired',
        correlationId: 'region#us-central#2026-11-20T18:30:00Z',
      }),
    ]);
    expect(JSON.stringify(failed[0]!.detail)).toMatch(/the rule planner has no plan either/);
    const statuses = sandbox.sfn.listExecutions(sagaStateMachineArn(sandbox)).executions.map((e) => e.status);
    expect(statuses.sort()).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    for (const account of sandbox.accountingReport()) expect(account.lost).toBe(0);
  });
});
