import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import type * as ApprovalRecorder from '../../lambdas/handlers/approval-recorder';
import { formatDecisionTrace } from '../../lambdas/domain/memory/trace-report';
import { eventFixture } from '../events/fixtures';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

const correlationId = 'warehouse#WH-ATL#2026-11-20T10:40:00Z';
const planId = `plan#${correlationId}`;

type Envelope = EventBridgeEvent<string, Record<string, unknown>>;

/** A fixture envelope (test/events/<detail-type>/<case>.json) at `time`, its detail changed by `detail`. */
const event = (
  detailType: 'approval_requested' | 'approval_decided',
  name: string,
  time: string,
  detail: Record<string, unknown> = {},
): Envelope => {
  const envelope = eventFixture(detailType, name) as unknown as Envelope;
  return { ...envelope, id: `${envelope.id}-${time}`, time, detail: { ...envelope.detail, ...detail } };
};

/** The approval recorder's handler itself on dynalite: the records it files, read back as the trace reads them. */
describe('approval recorder handler (dynalite)', () => {
  let dynamo: LocalDynamo;
  let run: typeof ApprovalRecorder.run;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startDynamo([pkSkTable('Episodic')]);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      EPISODIC_TABLE_NAME: 'Episodic',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_NAMESPACE: 'ProactiveAgents',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Loaded once its environment is set, as Lambda loads it.
    ({ run } = jest.requireActual<typeof ApprovalRecorder>('../../lambdas/handlers/approval-recorder'));
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    await dynamo.stop();
  });

  it("files who was asked, what was at stake and why, each lapse, and who answered, when and why, under the incident's entity", async () => {
    const events = [
      event('approval_requested', 'on-call', '2026-11-20T10:45:01Z'),
      event('approval_decided', 'rejected', '2026-11-20T10:50:01Z', {
        outcome: 'escalated',
        tier: { index: 0, name: 'on-call' },
        note: 'no answer within 300 s: the next tier is asked',
      }),
      event('approval_requested', 'on-call', '2026-11-20T10:50:02Z', {
        tier: { index: 1, name: 'duty-manager', approvers: 'ops-managers', timeoutSeconds: 300 },
      }),
      event('approval_decided', 'rejected', '2026-11-20T10:52:30Z'),
    ];

    for (const event of events) await run(event);
    // Delivered twice (EventBridge is at least once): the same item is written again, not a second record.
    await run(events[3]!);

    const records = await new DynamoEpisodicStore('Episodic', dynamo.client).history(
      'warehouse#WH-ATL',
      '2026-11-20T00:00:00Z',
      '2026-11-21T00:00:00Z',
    );
    expect(records.map((record) => [record.time, record.kind, record.data])).toEqual([
      [
        '2026-11-20T10:45:01Z',
        'approval',
        {
          stage: 'requested',
          planId: planId,
          taskId: 'task-3',
          taskType: 'reroute_orders',
          tier: 'on-call',
          approvers: 'ops-oncall',
          timeoutSeconds: 300,
          costCents: 4200,
          risk: 'high',
          decisionId: 'decision-7',
          reason: 'reroutes-need-approval; value at stake $12,400 exceeds $5,000',
        },
      ],
      [
        '2026-11-20T10:50:01Z',
        'approval',
        {
          stage: 'decided',
          planId: planId,
          taskId: 'task-3',
          taskType: 'reroute_orders',
          tier: 'on-call',
          outcome: 'escalated',
          reason: 'no answer within 300 s: the next tier is asked',
        },
      ],
      [
        '2026-11-20T10:50:02Z',
        'approval',
        expect.objectContaining({ stage: 'requested', tier: 'duty-manager', approvers: 'ops-managers' }),
      ],
      [
        '2026-11-20T10:52:30Z',
        'approval',
        {
          stage: 'decided',
          planId: planId,
          taskId: 'task-3',
          taskType: 'reroute_orders',
          tier: 'duty-manager',
          outcome: 'rejected',
          decidedBy: 'arn:aws:sts::123456789012:assumed-role/operator/dana',
          reason: 'peak hour, not now',
        },
      ],
    ]);
    expect(JSON.stringify(records)).not.toContain('secret-token');
    expect(formatDecisionTrace(correlationId, records).join('\n')).toContain(
      'approval rejected for task-3 reroute_orders by arn:aws:sts::123456789012:assumed-role/operator/dana (tier duty-manager)',
    );
  }, 60_000);

  it('refuses an event that breaks its contract, naming the field', async () => {
    const broken = event('approval_decided', 'rejected', '2026-11-20T10:52:30Z', { outcome: 'maybe' });

    await expect(run(broken)).rejects.toThrow(/outcome/);
  });
});
