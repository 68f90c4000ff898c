import { Tracer } from '@aws-lambda-powertools/tracer';
import { getNamespace, Segment } from 'aws-xray-sdk-core';
import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { TracedEpisodicStore } from '../../lambdas/adapters/traced-episodic-store';
import { reasoningRecord, TRACE_METADATA_MAX_BYTES } from '../../lambdas/domain/memory/decision-trace';
import type { EpisodicRecord } from '../../lambdas/domain/memory/episodic';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

interface RecordedSubsegment {
  name: string;
  annotations?: Record<string, unknown>;
  metadata?: Record<string, Record<string, unknown>>;
  fault?: boolean;
  subsegments?: RecordedSubsegment[];
}

/**
 * The decision trace as X-Ray metadata: the Powertools Tracer of a Lambda function (tracing on), with the X-Ray
 * SDK's own segment standing in for the one Lambda creates; records go to DynamoDB on dynalite.
 */
describe('TracedEpisodicStore', () => {
  let dynamo: LocalDynamo;
  let tracer: Tracer;
  const saved = process.env.AWS_EXECUTION_ENV;
  const correlationId = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';
  const base = { entity: 'warehouse#WH-NYC', time: '2026-11-20T10:40:00Z', correlationId };

  beforeAll(async () => {
    dynamo = await startDynamo([pkSkTable('Episodic')]);
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs20.x';
    tracer = new Tracer({ serviceName: 'planning-agent', enabled: true });
  });
  afterAll(async () => {
    process.env.AWS_EXECUTION_ENV = saved;
    await dynamo.stop();
  });

  /** Records inside a fresh function segment; answers the segment's subsegments. */
  const traced = async (store: TracedEpisodicStore, record: EpisodicRecord) => {
    const segment = new Segment('planning-agent');
    let failure: unknown;
    await getNamespace().runPromise(async () => {
      tracer.setSegment(segment);
      await store.record(record).catch((error: unknown) => (failure = error));
    });
    return { subsegments: (segment.subsegments ?? []) as unknown as RecordedSubsegment[], failure };
  };

  it('puts each record in a subsegment: correlation id and kind as annotations, the record as metadata', async () => {
    const inner = new DynamoEpisodicStore('Episodic', dynamo.client);
    const record = reasoningRecord(base, {
      attempt: 1,
      outcome: 'accepted',
      draft: {
        tasks: [{ taskType: 'reroute_orders', parameters: { fromWarehouseId: 'WH-NYC' } }],
        usage: { modelId: 'model', inputTokens: 812, outputTokens: 40 },
        costMicroUsd: 1_012,
      },
    });

    const { subsegments, failure } = await traced(new TracedEpisodicStore(inner, tracer), record);

    expect(failure).toBeUndefined();
    expect(subsegments).toHaveLength(1);
    expect(subsegments[0]).toMatchObject({
      name: '### episodic reasoning',
      annotations: { correlationId, recordKind: 'reasoning' },
      metadata: { ['decision-trace']: { reasoning: record } },
    });
    expect(await inner.history('warehouse#WH-NYC', '2026-11-20T10:40:00Z', '2026-11-20T10:40:00Z')).toEqual([
      expect.objectContaining({ kind: 'reasoning', discriminator: 'attempt-1', data: record.data }),
    ]);
  });

  it('bounds the metadata to what a segment document holds, while memory keeps the larger record', async () => {
    const inner = new DynamoEpisodicStore('Episodic', dynamo.client);
    const record = reasoningRecord(base, {
      attempt: 2,
      outcome: 'rejected',
      error: 'x'.repeat(50_000),
    });

    const { subsegments } = await traced(new TracedEpisodicStore(inner, tracer), record);

    const metadata = subsegments[0]!.metadata!['decision-trace']!.reasoning;
    expect(Buffer.byteLength(JSON.stringify(metadata), 'utf8')).toBeLessThanOrEqual(TRACE_METADATA_MAX_BYTES);
    expect(JSON.stringify(metadata)).toMatch(/characters kept\]/);
    const [stored] = await inner
      .history('warehouse#WH-NYC', '2026-11-20T10:40:00Z', '2026-11-20T10:40:00Z')
      .then((records) => records.filter((r) => r.discriminator === 'attempt-2'));
    expect(stored?.data.error).toBe('x'.repeat(50_000));
  });

  it('marks the subsegment as failed and rethrows when the write fails', async () => {
    const store = new TracedEpisodicStore(new DynamoEpisodicStore('NoSuchTable', dynamo.client), tracer);

    const { subsegments, failure } = await traced(
      store,
      reasoningRecord(base, { attempt: 1, outcome: 'declined' }),
    );

    expect(failure).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(subsegments[0]).toMatchObject({ name: '### episodic reasoning', fault: true });
  });
});
