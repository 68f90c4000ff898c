import {
  DescribeReplayCommand,
  EventBridgeClient,
  PutEventsCommand,
  StartReplayCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../../local/sandbox';
import { consumersExcept, orderEvent, repoRoot, startSandbox, sagaStateMachineArn } from './sandbox-fixture';

const T0 = Date.parse('2026-11-20T10:36:00Z');

describe('the sandbox endpoint with the ordinary AWS SDK clients', () => {
  let sandbox: Sandbox;
  let events: EventBridgeClient;
  let sfn: SFNClient;
  /** The template's one archive. */
  const archiveArn = (): string => {
    const [name] = sandbox.eventsApi.archiveNames();
    if (name === undefined) throw new Error('the template declares no archive');
    return `arn:aws:events:us-east-1:123456789012:archive/${name}`;
  };

  beforeAll(async () => {
    // The fulfillment agent is down, so a saga waits on its command's task token until it is answered here.
    sandbox = await startSandbox(T0, { onlyConsumers: consumersExcept('fulfillment-agent') });
    const config = {
      endpoint: sandbox.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    };
    events = new EventBridgeClient(config);
    sfn = new SFNClient(config);
  });
  afterAll(async () => {
    events.destroy();
    sfn.destroy();
    await sandbox.stop();
  });

  it('TestEventPattern matches, misses, and rejects an invalid pattern with InvalidEventPatternException', async () => {
    const event = JSON.stringify(
      orderEvent('order_placed', '2026-11-20T10:00:00Z', { orderId: 'o1', total: 300 }),
    );
    const test = (pattern: unknown) =>
      events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: event }));
    expect(
      (await test({ source: ['retail.orders'], detail: { total: [{ numeric: ['>=', 300.0] }] } })).Result,
    ).toBe(true);
    expect((await test({ source: [{ prefix: 'billing.' }] })).Result).toBe(false);
    await expect(test({ source: [{ unknown: 1 }] })).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
    });
    await expect(
      events.send(new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event: '{"source":"a"}' })),
    ).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringMatching(/mandatory field id/),
    });
  });

  it('resumes a waiting saga with SendTaskSuccess and lists its history with GetExecutionHistory', async () => {
    // Nobody serves the command (the fulfillment agent is down): the saga waits on its task token.
    const spike = JSON.parse(
      readFileSync(
        path.join(repoRoot, 'test', 'events', 'order_cancellation_spike', 'warehouse.json'),
        'utf8',
      ),
    ) as { detail: { scope: { id: string }; correlationId: string; incidentKey: string } };
    spike.detail.scope.id = 'WH-GONE';
    spike.detail.correlationId = spike.detail.incidentKey = 'warehouse#WH-GONE#x';
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'proactive-agents',
            Source: 'proactive.monitoring',
            DetailType: 'order_cancellation_spike',
            Detail: JSON.stringify(spike.detail),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    await sandbox.settle();

    const command = sandbox.bus.archive.find((e) => e['detail-type'] === 'reroute_orders')!;
    const { taskToken } = command.detail as { taskToken: string };
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ reroutedCount: 0, manual: true }) }),
    );
    await sandbox.settle();

    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: sagaStateMachineArn(sandbox) }),
    );
    const executionArn = executions[0]!.executionArn!;
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = (history.events ?? []).map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toEqual(expect.arrayContaining(['TaskSubmitted', 'TaskSucceeded', 'ExecutionSucceeded']));
    // The task is closed: the SDK gets AWS's TaskTimedOut, as its own exception class.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'AQnever-minted', output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it('replays archived events with StartReplay, tagged with the replay name, within the archive retention', async () => {
    const cancellation = (orderId: string, time: Date) => ({
      EventBusName: 'proactive-agents',
      Source: 'retail.orders',
      DetailType: 'order_cancelled',
      Time: time,
      Detail: JSON.stringify({
        orderId,
        warehouseId: 'WH-SEA',
        region: 'us-west',
        reason: 'customer_request',
      }),
    });
    await events.send(
      new PutEventsCommand({
        Entries: [
          cancellation('o-replay', new Date(T0 + 60_000)),
          // Older than the archive's 30 days of retention: no longer in it.
          cancellation('o-too-old', new Date(sandbox.clock.now() - 31 * 86_400_000)),
        ],
      }),
    );
    await sandbox.settle();
    const before = sandbox.bus.archive.length;
    const replayed: { detail?: { orderId?: unknown } }[] = [];
    sandbox.bus.onEvent((e) => {
      if (e['replay-name'] === 'again') replayed.push(e as { detail?: { orderId?: unknown } });
    });
    await events.send(
      new StartReplayCommand({
        ReplayName: 'again',
        EventSourceArn: archiveArn(),
        EventStartTime: new Date(T0 - 40 * 86_400_000),
        EventEndTime: new Date(T0 + 90_000),
        Destination: { Arn: sandbox.bus.arn },
      }),
    );
    await sandbox.settle();
    // Of the two cancellations put above, only the one the archive still keeps (others of this file replay too).
    const ours = replayed.filter((e) => ['o-replay', 'o-too-old'].includes(String(e.detail?.orderId)));
    expect(ours).toEqual([
      expect.objectContaining({
        'detail-type': 'order_cancelled',
        'replay-name': 'again',
        detail: expect.objectContaining({ orderId: 'o-replay' }),
      }),
    ]);
    expect(sandbox.bus.archive.length).toBe(before);
    expect((await events.send(new DescribeReplayCommand({ ReplayName: 'again' }))).State).toBe('COMPLETED');
  });

  it('replays a spike and its command without starting a second saga or re-running the command', async () => {
    const stateMachineArn = sagaStateMachineArn(sandbox);
    const executions = async () =>
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
    const before = (await executions()).length;
    const replayed: { 'detail-type': string }[] = [];
    sandbox.bus.onEvent((e) => {
      if (e['replay-name'] === 'everything') replayed.push(e);
    });

    await events.send(
      new StartReplayCommand({
        ReplayName: 'everything',
        EventSourceArn: archiveArn(),
        EventStartTime: new Date(T0 - 3_600_000),
        EventEndTime: new Date(T0 + 3_600_000),
        Destination: { Arn: sandbox.bus.arn },
      }),
    );
    await sandbox.settle();

    expect(replayed.map((e) => e['detail-type'])).toEqual(
      expect.arrayContaining(['order_cancellation_spike', 'reroute_orders']),
    );
    // The saga's start rule skips events carrying `replay-name` (see the construct tests for every rule).
    expect(await executions()).toHaveLength(before);
  });
});
