import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';
import { DAY_S, declaredTimeToLive, epochSecondsOf, scanAll } from './time-to-live';

describe('DynamoEpisodicStore (dynalite)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoEpisodicStore;
  const record = {
    entity: 'warehouse#WH-A',
    time: '2026-11-20T08:05:00Z',
    kind: 'remediation_outcome',
    correlationId: 'warehouse#WH-A#2026-11-20T08:00:00Z',
    data: { outcome: 'succeeded', reroutedCount: 12 },
  };

  beforeAll(async () => {
    dynamo = await startDynamo([pkSkTable('Episodic')]);
    store = new DynamoEpisodicStore('Episodic', dynamo.client);
    await store.record(record);
  });
  afterAll(() => dynamo.stop());

  it('finds a record by entity and time range', async () => {
    expect(await store.history('warehouse#WH-A', '2026-11-20T08:00:00Z', '2026-11-20T08:05:00Z')).toEqual([
      record,
    ]);
    expect(await store.history('warehouse#WH-A', '2026-11-20T08:06:00Z', '2026-11-20T09:00:00Z')).toEqual([]);
  });

  it('stamps each record with the episodic table’s TTL attribute: 400 days after the record’s time, in epoch seconds', async () => {
    const ttl = declaredTimeToLive('episodic')!;

    const items = await scanAll(dynamo.client, 'Episodic');

    expect(items.map((item) => item[ttl])).toEqual([epochSecondsOf(record.time) + 400 * DAY_S]);
  });
});
