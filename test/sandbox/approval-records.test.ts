import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import type { Sandbox } from '../../local/sandbox';
import { eventFixture } from '../events/fixtures';
import { startSandbox } from './sandbox-fixture';

/**
 * The approval recorder from the template: the rule on the saga's approval events, the function's bundle and its
 * grant on episodic memory, in the sandbox. The saga itself is left out: the events are put as it puts them.
 */
describe('approval records in the sandbox', () => {
  let sandbox: Sandbox | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox(Date.parse('2026-11-20T10:45:00Z'), {
      onlyConsumers: ['approval-recorder'],
    });
  }, 120_000);

  afterAll(() => sandbox?.stop());

  it("files the request and the answer the saga announces in the incident's decision trace", async () => {
    const requested = eventFixture('approval_requested', 'on-call');
    const decided = eventFixture('approval_decided', 'rejected');

    sandbox!.put(requested);
    sandbox!.put(decided);
    await sandbox!.settle();

    const table = sandbox!.functionByService('approval-recorder').config.environment.EPISODIC_TABLE_NAME!;
    const records = await new DynamoEpisodicStore(table, sandbox!.dynamodb).incidentRecords(
      'warehouse#WH-ATL',
      'warehouse#WH-ATL#2026-11-20T10:40:00Z',
    );
    expect(
      records.map((record) => [record.time, record.kind, record.data.stage, record.data.outcome]),
    ).toEqual([
      ['2026-11-20T10:45:01Z', 'approval', 'requested', undefined],
      ['2026-11-20T10:52:30Z', 'approval', 'decided', 'rejected'],
    ]);
    expect(records[1]!.data).toMatchObject({
      decidedBy: 'arn:aws:sts::123456789012:assumed-role/operator/dana',
      reason: 'peak hour, not now',
    });
    expect(sandbox!.invocationErrors).toEqual([]);
  }, 60_000);
});
