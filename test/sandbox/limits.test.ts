import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Activity } from '../../local/activity';
import { ensureAssembly } from '../../local/assembly';
import { VirtualClock } from '../../local/clock';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import { LocalFunction, type InvokeResult } from '../../local/lambda/local-function';
import {
  LAMBDA_ASYNC_REQUEST_MAX_BYTES,
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  LAMBDA_SYNC_REQUEST_MAX_BYTES,
  LAMBDA_SYNC_RESPONSE_MAX_BYTES,
  PUT_EVENTS_MAX_REQUEST_BYTES,
  SQS_MAX_MESSAGE_BYTES,
  STATES_PAYLOAD_MAX_BYTES,
  jsonBytes,
} from '../../local/limits';
import { Sandbox } from '../../local/sandbox';
import { LocalQueue, SqsEventSourceMapping, type QueuedMessage } from '../../local/sqs';
import { LocalStepFunctions, type StepFunctionsHost } from '../../local/stepfunctions/local-step-functions';
import { loadTemplate, type CloudTemplate } from '../../local/template';
import { pkTable, startDynamo, type LocalDynamo } from '../adapters/dynalite';
import { assemblyDir, consumersExcept, repoRoot, sagaStateMachineArn, startSandbox } from './sandbox-fixture';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };
const T0 = Date.parse('2026-11-20T08:00:00Z');

/** `{"p":"xxx…"}` measuring exactly `bytes` UTF-8 bytes. */
const detailOf = (bytes: number): string => JSON.stringify({ p: 'x'.repeat(bytes - '{"p":""}'.length) });

/** A Lambda bundle on disk (a real worker-thread function, not a stand-in for one). */
function functionBundle(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'limits-fn-'));
  writeFileSync(path.join(dir, 'index.js'), source);
  return dir;
}

function localFunction(codeDir: string, name: string): LocalFunction {
  return new LocalFunction({
    functionName: name,
    functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    codeDir,
    handler: 'index.handler',
    timeoutSeconds: 30,
    memorySize: 256,
    environment: {},
  });
}

describe('the sandbox refuses what AWS refuses, and takes what AWS takes', () => {
  let sandbox: Sandbox;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let sfn: SFNClient;
  const envelopes = new Map<string, EventEnvelope>();

  beforeAll(async () => {
    // Only agents whose work stays small: the order book would store a megabyte order, the fulfillment agents act.
    sandbox = await startSandbox(T0, {
      onlyConsumers: consumersExcept('fulfillment-order-book', 'fulfillment-network', 'fulfillment-agent'),
    });
    sandbox.bus.onEvent((event) => envelopes.set(event.id, event));
    const config = { endpoint: sandbox.endpoint, region: REGION, credentials: CREDENTIALS };
    events = new EventBridgeClient(config);
    sqs = new SQSClient(config);
    sfn = new SFNClient(config);
  });
  afterAll(async () => {
    events.destroy();
    sqs.destroy();
    sfn.destroy();
    await sandbox.stop();
  });

  const put = (...entries: PutEventsRequestEntry[]) =>
    events.send(new PutEventsCommand({ Entries: entries }));
  /** An entry no rule matches: Source (12 bytes) and DetailType (5 bytes) add 17 bytes to the detail's. */
  const probe = (detailBytes: number, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
    Source: 'limits.probe',
    DetailType: 'probe',
    Detail: detailOf(detailBytes),
    EventBusName: sandbox.bus.name,
    ...extra,
  });
  const TOO_LARGE = {
    name: 'ValidationException',
    message: 'Total size of the entries in the request is over the limit.',
  };

  describe('EventBridge PutEvents', () => {
    it('takes an entry of exactly 1 MB and refuses the request one byte over', async () => {
      const limit = PUT_EVENTS_MAX_REQUEST_BYTES - 17;

      const accepted = await put(probe(limit));
      expect(accepted.FailedEntryCount).toBe(0);
      expect(accepted.Entries?.[0]?.EventId).toEqual(expect.any(String));
      await expect(put(probe(limit + 1))).rejects.toMatchObject(TOO_LARGE);
    });

    it('counts 14 bytes for Time only when the entry gives one', async () => {
      const withTime = { Time: new Date(T0) };

      await expect(put(probe(PUT_EVENTS_MAX_REQUEST_BYTES - 17, withTime))).rejects.toMatchObject(TOO_LARGE);
      expect((await put(probe(PUT_EVENTS_MAX_REQUEST_BYTES - 17 - 14, withTime))).FailedEntryCount).toBe(0);
    });

    it('counts UTF-8 bytes, not characters', async () => {
      // 3 bytes per '€': 349,517 of them, with `{"p":""}` and the 17 bytes of Source and DetailType, are 1 MB.
      const euros = (count: number) => JSON.stringify({ p: '€'.repeat(count) });
      const count = (PUT_EVENTS_MAX_REQUEST_BYTES - 17 - 8) / 3;

      expect((await put(probe(8, { Detail: euros(count) }))).FailedEntryCount).toBe(0);
      await expect(put(probe(8, { Detail: euros(count + 1) }))).rejects.toMatchObject(TOO_LARGE);
    });

    it("limits the request's total: entries that fit alone are refused together, none of them accepted", async () => {
      const quarter = PUT_EVENTS_MAX_REQUEST_BYTES / 4 - 17;
      const before = sandbox.bus.archive.length;

      await expect(
        put(probe(quarter), probe(quarter), probe(quarter), probe(quarter + 1)),
      ).rejects.toMatchObject(TOO_LARGE);
      expect(sandbox.bus.archive.length).toBe(before);
      const accepted = await put(probe(quarter), probe(quarter), probe(quarter), probe(quarter));
      expect(accepted.Entries?.map((e) => e.EventId)).toEqual([
        expect.any(String),
        expect.any(String),
        expect.any(String),
        expect.any(String),
      ]);
    });

    it('takes 10 entries and refuses 11', async () => {
      const entries = (count: number) => Array.from({ length: count }, () => probe(100));

      expect((await put(...entries(10))).FailedEntryCount).toBe(0);
      await expect(put(...entries(11))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('Member must have length less than or equal to 10'),
      });
    });
  });

  /**
   * Puts an event whose envelope, as a rule without InputPath delivers it, measures exactly `bytes`. The overhead of
   * the envelope is read from a probe with a detail-type of the same length that no rule matches.
   */
  async function putEnvelopeOf(
    bytes: number,
    source: string,
    detailType: string,
    detail: Record<string, unknown>,
  ): Promise<string> {
    const entry = (type: string, note: string): PutEventsRequestEntry => ({
      Source: source,
      DetailType: type,
      Detail: JSON.stringify({ ...detail, note }),
      EventBusName: sandbox.bus.name,
      Time: new Date(sandbox.clock.now()),
    });
    const probed = await put(entry(`${detailType.slice(0, -1)}~`, ''));
    const overhead = jsonBytes(envelopes.get(probed.Entries![0]!.EventId!));
    const sent = await put(entry(detailType, 'x'.repeat(bytes - overhead)));
    const eventId = sent.Entries![0]!.EventId!;
    expect(jsonBytes(envelopes.get(eventId))).toBe(bytes);
    return eventId;
  }

  const settleDeliveries = () => sandbox.drain(sandbox.clock.now() + 10_000);
  const droppedFor = (eventId: string) => sandbox.droppedDeliveries.filter((d) => d.eventId === eventId);

  describe('events delivered to targets', () => {
    const order = {
      orderId: 'ord-big',
      customerId: 'cust-big',
      warehouseId: 'WH-BOS',
      region: 'us-east',
      items: [{ sku: 'SKU-1', quantity: 1 }],
      total: 12.5,
    };

    it('an SQS target takes an event of exactly 1 MiB and refuses one byte more, which reaches no one', async () => {
      const agent = sandbox.functionByService('monitoring-agent');
      const invocations = agent.invocations;

      const fits = await putEnvelopeOf(SQS_MAX_MESSAGE_BYTES, 'retail.orders', 'order_placed', order);
      await settleDeliveries();
      expect(agent.invocations).toBe(invocations + 1);
      expect(droppedFor(fits)).toEqual([]);

      const over = await putEnvelopeOf(SQS_MAX_MESSAGE_BYTES + 1, 'retail.orders', 'order_placed', order);
      await settleDeliveries();
      expect(agent.invocations).toBe(invocations + 1);
      // Not retried (a 4xx); its dead-letter record, the event plus the failure, is too large for SQS as well.
      expect(droppedFor(over)).toEqual([
        expect.objectContaining({
          cause:
            'InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
          reason: expect.stringMatching(/^InvalidParameterValue: /),
        }),
      ]);
    });

    it('a Lambda target takes an event of exactly 1 MB (asynchronous invoke) and refuses one byte more', async () => {
      const callback = sandbox.functionByService('saga-callback');
      const invocations = callback.invocations;

      await putEnvelopeOf(LAMBDA_ASYNC_REQUEST_MAX_BYTES, 'proactive.fulfillment', 'reroute_complete', {});
      await settleDeliveries();
      expect(callback.invocations).toBe(invocations + 1);

      const over = await putEnvelopeOf(
        LAMBDA_ASYNC_REQUEST_MAX_BYTES + 1,
        'proactive.fulfillment',
        'reroute_complete',
        {},
      );
      await settleDeliveries();
      expect(callback.invocations).toBe(invocations + 1);
      // Both Lambda targets of reroute_complete refuse it: the saga callback and the consoles' live push.
      const refused = expect.objectContaining({
        cause: `RequestEntityTooLargeException: ${LAMBDA_ASYNC_REQUEST_MAX_BYTES + 1} byte payload is too large for the Event invocation type (limit ${LAMBDA_ASYNC_REQUEST_MAX_BYTES} bytes)`,
      });
      expect(droppedFor(over)).toEqual([refused, refused]);
    });

    it('a state machine target starts on an event of exactly 256 KiB; one byte more goes to the dead-letter queue', async () => {
      const sagaArn = sagaStateMachineArn(sandbox);
      const dlq = sandbox.sqs.all().find((q) => q.name.startsWith('BackboneDeadLetterQueue'))!;
      const started = () => sandbox.sfn.listExecutions(sagaArn).executions.length;
      const before = started();
      const spike = { correlationId: 'limits', warehouseId: 'WH-BOS', region: 'us-east' };

      await putEnvelopeOf(
        STATES_PAYLOAD_MAX_BYTES,
        'proactive.monitoring',
        'order_cancellation_spike',
        spike,
      );
      await settleDeliveries();
      expect(started()).toBe(before + 1);

      const over = await putEnvelopeOf(
        STATES_PAYLOAD_MAX_BYTES + 1,
        'proactive.monitoring',
        'order_cancellation_spike',
        spike,
      );
      await settleDeliveries();
      expect(started()).toBe(before + 1);
      const record = dlq.messages.find((m) => (JSON.parse(m.body) as EventEnvelope).id === over)!;
      expect(record.messageAttributes.ERROR_CODE?.StringValue).toBe('ValidationException');
      // Refused, not retried: no retry was made and no retry limit was reached.
      expect(record.messageAttributes.RETRY_ATTEMPTS?.StringValue).toBe('0');
      expect(record.messageAttributes.EXHAUSTED_RETRY_CONDITION).toBeUndefined();
      expect(record.messageAttributes.ERROR_MESSAGE?.StringValue).toMatch(
        /Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144/,
      );
    });
  });

  describe('SQS SendMessage', () => {
    it('takes a message of exactly 1 MiB, attributes included, and refuses one byte more', async () => {
      const QueueUrl = sandbox.deadLetterQueueOf('saga-callback').url;
      const send = (body: number, attribute?: string) =>
        sqs.send(
          new SendMessageCommand({
            QueueUrl,
            MessageBody: 'x'.repeat(body),
            ...(attribute === undefined
              ? {}
              : { MessageAttributes: { a: { DataType: 'String', StringValue: attribute } } }),
          }),
        );
      const refused = {
        name: 'InvalidParameterValue',
        message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      };

      await expect(send(SQS_MAX_MESSAGE_BYTES)).resolves.toMatchObject({ MessageId: expect.any(String) });
      await expect(send(SQS_MAX_MESSAGE_BYTES + 1)).rejects.toMatchObject(refused);
      // The attribute's name (1), data type (6) and value (1) count: 8 bytes.
      await expect(send(SQS_MAX_MESSAGE_BYTES - 8, 'v')).resolves.toMatchObject({
        MessageId: expect.any(String),
      });
      await expect(send(SQS_MAX_MESSAGE_BYTES - 7, 'v')).rejects.toMatchObject(refused);
    });
  });

  describe('Step Functions API', () => {
    const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
    const finished = async (executionArn: string) => {
      await sandbox.settle();
      return sfn.send(new DescribeExecutionCommand({ executionArn }));
    };

    it('StartExecution takes an input of exactly 256 KiB and refuses one byte more', async () => {
      sandbox.sfn.createStateMachine({
        stateMachineArn: machineArn('LimitsEcho'),
        name: 'LimitsEcho',
        definition: JSON.stringify({ StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }),
      });
      const start = (bytes: number) =>
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: machineArn('LimitsEcho'), input: detailOf(bytes) }),
        );

      const { executionArn } = await start(STATES_PAYLOAD_MAX_BYTES);
      expect((await finished(executionArn!)).status).toBe('SUCCEEDED');
      await expect(start(STATES_PAYLOAD_MAX_BYTES + 1)).rejects.toMatchObject({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
      });
    });

    it('SendTaskSuccess refuses an output over 256 KiB, the task waits on, and takes one of exactly 256 KiB', async () => {
      sandbox.sfn.createStateMachine({
        stateMachineArn: machineArn('LimitsCallback'),
        name: 'LimitsCallback',
        definition: JSON.stringify({
          StartAt: 'Ask',
          States: {
            Ask: {
              Type: 'Task',
              Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
              Parameters: {
                Entries: [
                  {
                    Source: 'limits.probe',
                    DetailType: 'callback',
                    EventBusName: sandbox.bus.name,
                    Detail: { 'token.$': '$$.Task.Token' },
                  },
                ],
              },
              End: true,
            },
          },
        }),
      });
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machineArn('LimitsCallback'), input: '{}' }),
      );
      await sandbox.settle();
      const { token: taskToken } = sandbox.sfn
        .pendingTaskTokens()
        .find((t) => t.executionArn === executionArn)!;

      await expect(
        sfn.send(new SendTaskSuccessCommand({ taskToken, output: detailOf(STATES_PAYLOAD_MAX_BYTES + 1) })),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("Value at 'output' failed to satisfy constraint"),
      });
      expect(sandbox.sfn.pendingTaskTokens().map((t) => t.token)).toContain(taskToken);
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: detailOf(STATES_PAYLOAD_MAX_BYTES) }));
      const execution = await finished(executionArn!);
      expect(execution.status).toBe('SUCCEEDED');
      expect(Buffer.byteLength(execution.output!)).toBe(STATES_PAYLOAD_MAX_BYTES);
    });
  });
});

describe('Step Functions state data (States.DataLimitExceeded)', () => {
  const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:big-result`;
  let sfn: LocalStepFunctions;
  let dynamodb: DynamoDBClient;
  let resultBytes = 0;
  const invocations: unknown[] = [];

  beforeAll(() => {
    // The function is the task's counterpart, not what is under test: it answers with a result of `resultBytes`.
    dynamodb = new DynamoDBClient({ region: REGION, credentials: CREDENTIALS });
    const host: StepFunctionsHost = {
      clock: new VirtualClock(T0),
      dynamodb,
      invokeLambda: (_arn, payload) => {
        invocations.push(payload);
        return Promise.resolve({ b: 'y'.repeat(resultBytes - '{"b":""}'.length) });
      },
      putEvents: () => Promise.resolve({ FailedEntryCount: 0, Entries: [] }),
    };
    sfn = new LocalStepFunctions(host, { region: REGION, accountId: ACCOUNT });
  });
  afterAll(async () => {
    await sfn.close();
    dynamodb.destroy();
  });

  let machines = 0;
  async function run(states: Record<string, unknown>, input: unknown) {
    const name = `Limits${++machines}`;
    const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
    sfn.createStateMachine({
      stateMachineArn,
      name,
      definition: JSON.stringify({ StartAt: 'First', States: states }),
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn, input: JSON.stringify(input) });
    await sfn.whenSettled();
    return sfn.describeExecution(executionArn);
  }
  const DATA_LIMIT = 'States.DataLimitExceeded';

  it('fails on a task result over 256 KiB, retried by no Retry and caught by no States.ALL', async () => {
    const states = {
      First: {
        Type: 'Task',
        Resource: FUNCTION_ARN,
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3, IntervalSeconds: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        ResultPath: null,
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    };
    resultBytes = STATES_PAYLOAD_MAX_BYTES;
    expect(await run(states, {})).toMatchObject({ status: 'SUCCEEDED', output: '{}' });

    // ResultPath discards the result, yet the connector's output is measured.
    resultBytes = STATES_PAYLOAD_MAX_BYTES + 1;
    invocations.length = 0;
    expect(await run(states, {})).toMatchObject({
      status: 'FAILED',
      error: DATA_LIMIT,
      cause: `The state/task '${FUNCTION_ARN}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    });
    expect(invocations).toHaveLength(1);
  });

  it("fails on a state's output over 256 KiB when ResultPath merges two payloads that each fit", async () => {
    const states = { First: { Type: 'Task', Resource: FUNCTION_ARN, ResultPath: '$.r', End: true } };
    const input = { a: 'x'.repeat(150_000) };
    resultBytes = 100;
    // The output is the input with `,"r":<result>` added: resultBytes + 5 more bytes.
    const mergedBytes = (result: number) => jsonBytes(input) + ',"r":'.length + result;
    resultBytes = STATES_PAYLOAD_MAX_BYTES - mergedBytes(0);
    expect(mergedBytes(resultBytes)).toBe(STATES_PAYLOAD_MAX_BYTES);

    expect(await run(states, input)).toMatchObject({ status: 'SUCCEEDED' });
    resultBytes += 1;
    expect(await run(states, input)).toMatchObject({
      status: 'FAILED',
      error: DATA_LIMIT,
      cause:
        "The state/task 'First' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });

  it("fails on a task's input over 256 KiB after Parameters, before the task is called", async () => {
    const states = {
      First: {
        Type: 'Task',
        Resource: FUNCTION_ARN,
        Parameters: { 'one.$': '$.a', 'twos.$': '$.a' },
        End: true,
      },
    };
    // {"one":"…","twos":"…"}: 20 bytes around the two copies (one more character of `a` adds two bytes).
    const inputOf = (copyBytes: number) => ({ a: 'x'.repeat(copyBytes) });
    const fits = (STATES_PAYLOAD_MAX_BYTES - 20) / 2;
    expect(jsonBytes({ one: inputOf(fits).a, twos: inputOf(fits).a })).toBe(STATES_PAYLOAD_MAX_BYTES);
    resultBytes = 100;

    invocations.length = 0;
    expect(await run(states, inputOf(fits))).toMatchObject({ status: 'SUCCEEDED' });
    expect(invocations).toHaveLength(1);
    invocations.length = 0;
    expect(await run(states, inputOf(fits + 1))).toMatchObject({
      status: 'FAILED',
      error: DATA_LIMIT,
      cause: expect.stringMatching(/^The state\/task 'First' has an input with a size exceeding/),
    });
    expect(invocations).toHaveLength(0);
  });

  it('checks the states of a Map iteration, and the Map state that gathers them', async () => {
    const states = {
      First: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          StartAt: 'Double',
          States: { Double: { Type: 'Pass', Parameters: { 'x.$': '$', 'yy.$': '$' }, End: true } },
        },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    };
    // An iteration's output {"x":"…","yy":"…"} is 16 bytes around two copies of the item; the Map's [that], 18.
    const item = (copyBytes: number) => 'x'.repeat(copyBytes);
    const fits = (STATES_PAYLOAD_MAX_BYTES - 18) / 2;
    expect(jsonBytes([{ x: item(fits), yy: item(fits) }])).toBe(STATES_PAYLOAD_MAX_BYTES);

    expect(await run(states, { items: [item(fits)] })).toMatchObject({ status: 'SUCCEEDED' });
    // One character more: the iteration's output still fits, the Map's does not (and its Catch does not help).
    expect(await run(states, { items: [item(fits + 1)] })).toMatchObject({
      status: 'FAILED',
      error: DATA_LIMIT,
      cause:
        "The state/task 'First' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
    // Two more: the iteration's own output is over, and the iteration fails first.
    expect(await run(states, { items: [item(fits + 2)] })).toMatchObject({
      status: 'FAILED',
      error: DATA_LIMIT,
      cause:
        "The state/task 'Double' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });
});

describe('Lambda invocation payloads', () => {
  let fn: LocalFunction;
  let codeDir: string;

  beforeAll(() => {
    codeDir = functionBundle(
      "exports.handler = async (event) => (event.respond ? { p: 'x'.repeat(event.respond - 8) } : { ok: true });",
    );
    fn = localFunction(codeDir, 'limits-payloads');
  });
  afterAll(async () => {
    await fn.close();
    rmSync(codeDir, { recursive: true, force: true });
  });

  const eventOf = (bytes: number) => JSON.parse(detailOf(bytes)) as unknown;

  it('takes a synchronous request of exactly 6 MB and refuses one byte more', async () => {
    await expect(fn.invoke(eventOf(LAMBDA_SYNC_REQUEST_MAX_BYTES))).resolves.toEqual({
      ok: true,
      result: { ok: true },
    });
    await expect(fn.invoke(eventOf(LAMBDA_SYNC_REQUEST_MAX_BYTES + 1))).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      statusCode: 413,
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
  });

  it('takes an asynchronous request of exactly 1 MB and refuses one byte more', async () => {
    await expect(fn.invoke(eventOf(LAMBDA_ASYNC_REQUEST_MAX_BYTES), 'Event')).resolves.toMatchObject({
      ok: true,
    });
    await expect(fn.invoke(eventOf(LAMBDA_ASYNC_REQUEST_MAX_BYTES + 1), 'Event')).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: '1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)',
    });
  });

  it('returns a synchronous response of exactly 6 MB + 100 bytes and fails one byte more', async () => {
    const answer = await fn.invoke({ respond: LAMBDA_SYNC_RESPONSE_MAX_BYTES });
    expect(answer.ok).toBe(true);
    expect(jsonBytes((answer as Extract<InvokeResult, { ok: true }>).result)).toBe(
      LAMBDA_SYNC_RESPONSE_MAX_BYTES,
    );
    await expect(fn.invoke({ respond: LAMBDA_SYNC_RESPONSE_MAX_BYTES + 1 })).resolves.toEqual({
      ok: false,
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage:
        'Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('an SQS event source mapping sends a smaller batch rather than one over 6 MB, and the rest follows', async () => {
    const clock = new VirtualClock(T0);
    const activity = new Activity();
    const queue = new LocalQueue(
      'limits-buffer',
      `arn:aws:sqs:${REGION}:${ACCOUNT}:limits-buffer`,
      'url',
      30,
      clock,
    );
    for (let i = 0; i < 7; i++) queue.send('x'.repeat(1_000_000));
    const batches: QueuedMessage[][] = [];
    const mapping = new SqsEventSourceMapping(
      queue,
      fn,
      { batchSize: 10, batchingWindowSeconds: 0, reportBatchItemFailures: false, region: REGION },
      activity,
      clock,
      (_result, messages) => batches.push([...messages]),
    );

    mapping.poll();
    await activity.settled();

    // Six records of ~1 MB fit 6,291,456 bytes, seven do not; no message is counted as received twice.
    expect(batches.map((batch) => batch.length)).toEqual([6, 1]);
    expect(queue.messages).toEqual([]);
    expect(batches.flat().map((m) => m.receiveCount)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('Lambda environment variables', () => {
  const FUNCTION = 'SagaCallbackFunction008283F2';
  let dir: string | undefined;

  beforeAll(() => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /**
   * A copy of the cloud assembly (its bundles linked) in which the function's variables measure `bytes`, as Lambda
   * measures them: the compact JSON of the resolved map, queue URLs as AWS spells them.
   */
  function assemblyWithEnvironmentOf(bytes: number): string {
    const copy = mkdtempSync(path.join(tmpdir(), 'limits-assembly-'));
    dir = copy;
    const templateFile = readdirSync(assemblyDir).find((file) => file.endsWith('.template.json'))!;
    for (const entry of readdirSync(assemblyDir)) {
      if (entry.startsWith('asset.')) symlinkSync(path.join(assemblyDir, entry), path.join(copy, entry));
    }
    const resolved = loadTemplate(assemblyDir, {
      region: REGION,
      accountId: ACCOUNT,
      endpoint: `https://sqs.${REGION}.amazonaws.com`,
    });
    const template = structuredClone(resolved.template) as CloudTemplate & {
      Resources: Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
    };
    const variables = template.Resources[FUNCTION]!.Properties.Environment.Variables;
    const measure = (pad: string) =>
      jsonBytes(
        Object.fromEntries(
          Object.entries(resolved.resolve({ ...variables, LIMITS_PAD: pad }) as Record<string, unknown>).map(
            ([k, v]) => [k, String(v)],
          ),
        ),
      );
    variables.LIMITS_PAD = 'x'.repeat(bytes - measure(''));
    expect(measure(variables.LIMITS_PAD as string)).toBe(bytes);
    writeFileSync(path.join(copy, templateFile), JSON.stringify(template));
    return copy;
  }

  it('creates a function whose variables measure exactly 4 KB', async () => {
    const sandbox = await Sandbox.start({
      assemblyDir: assemblyWithEnvironmentOf(LAMBDA_ENVIRONMENT_MAX_BYTES),
    });
    try {
      expect(sandbox.functionByService('saga-callback').config.environment.LIMITS_PAD).toEqual(
        expect.any(String),
      );
    } finally {
      await sandbox.stop();
    }
  });

  it("refuses the template when a function's variables exceed 4 KB, naming the function", async () => {
    await expect(
      Sandbox.start({ assemblyDir: assemblyWithEnvironmentOf(LAMBDA_ENVIRONMENT_MAX_BYTES + 1) }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(
        new RegExp(
          `^${FUNCTION}: Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit\\. String measured: \\{"POWERTOOLS_SERVICE_NAME":"saga-callback"`,
        ),
      ),
    });
  });
});

describe('DynamoDB item size (400 KB)', () => {
  const TABLE = 'limits';
  const MAX = 409_600;
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynamo([pkTable(TABLE)]);
    client = dynamo.client;
  });
  afterAll(() => dynamo.stop());

  /** `{pk: <one character>, p: <padding>}`: names and values add up to `bytes` (4 bytes besides the padding). */
  const item = (pk: string, bytes: number): Record<string, AttributeValue> => ({
    pk: { S: pk },
    p: { S: 'x'.repeat(bytes - 4) },
  });
  const stored = async (pk: string) =>
    (
      await client.send(
        new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }),
      )
    ).Item;
  const PUT_WORDING = {
    name: 'ValidationException',
    message: 'Item size has exceeded the maximum allowed size',
  };
  const UPDATE_WORDING = 'Item size to update has exceeded the maximum allowed size';

  it('PutItem takes an item of exactly 400 KB and refuses one byte more', async () => {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: item('a', MAX) }));
    expect(await stored('a')).toBeDefined();
    await expect(
      client.send(new PutItemCommand({ TableName: TABLE, Item: item('b', MAX + 1) })),
    ).rejects.toMatchObject(PUT_WORDING);
  });

  it('counts strings in UTF-8 bytes, as DynamoDB does', async () => {
    // 136,532 euros are 409,596 bytes (but 136,532 UTF-16 units): with the 4 other bytes, exactly 400 KB.
    const euros = (pk: string, count: number) => ({ pk: { S: pk }, p: { S: '€'.repeat(count) } });
    await client.send(new PutItemCommand({ TableName: TABLE, Item: euros('c', 136_532) }));
    await expect(
      client.send(new PutItemCommand({ TableName: TABLE, Item: euros('d', 136_533) })),
    ).rejects.toMatchObject(PUT_WORDING);
  });

  it('UpdateItem refuses an update that would grow the item past 400 KB', async () => {
    const update = (pk: string, bytes: number) =>
      client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: pk } },
          UpdateExpression: 'SET p = :p',
          ExpressionAttributeValues: { ':p': item(pk, bytes).p! },
        }),
      );
    await update('e', MAX);
    await expect(update('f', MAX + 1)).rejects.toMatchObject({
      name: 'ValidationException',
      message: UPDATE_WORDING,
    });
  });

  it('BatchWriteItem refuses a batch holding an item over 400 KB', async () => {
    const batch = (pk: string, bytes: number) =>
      client.send(
        new BatchWriteItemCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: item(pk, bytes) } }] } }),
      );
    await expect(batch('g', MAX)).resolves.toMatchObject({ UnprocessedItems: {} });
    await expect(batch('h', MAX + 1)).rejects.toMatchObject(PUT_WORDING);
  });

  it('TransactWriteItems refuses an oversized Put up front and applies nothing', async () => {
    const transact = (bytes: number, pks: [string, string]) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: item(pks[0], 10) } },
            { Put: { TableName: TABLE, Item: item(pks[1], bytes) } },
          ],
        }),
      );
    await transact(MAX, ['i', 'j']);
    expect(await stored('j')).toBeDefined();
    // A Put's size is known from the request: a plain ValidationException, not a cancelled transaction.
    await expect(transact(MAX + 1, ['k', 'l'])).rejects.toMatchObject(PUT_WORDING);
    expect(await stored('k')).toBeUndefined();
  });

  it('TransactWriteItems cancels on an Update that would grow the item past 400 KB', async () => {
    const transact = (pk: string, bytes: number) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: TABLE,
                Key: { pk: { S: pk } },
                UpdateExpression: 'SET p = :p',
                ExpressionAttributeValues: { ':p': item(pk, bytes).p! },
              },
            },
          ],
        }),
      );
    await transact('m', MAX);
    expect(await stored('m')).toBeDefined();
    await expect(transact('n', MAX + 1)).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ValidationError', Message: UPDATE_WORDING }],
    });
    expect(await stored('n')).toBeUndefined();
  });
});
