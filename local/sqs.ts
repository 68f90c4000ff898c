import { createHash, randomUUID } from 'node:crypto';
import type { Activity } from './activity';
import type { ClockTimer, VirtualClock } from './clock';
import type { InvokeResult, LocalFunction } from './lambda/local-function';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES, SQS_MAX_MESSAGE_BYTES, jsonBytes } from './limits';
import { batchTrace } from './xray/lambda-segments';

export interface MessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Record<string, MessageAttribute>;
  readonly sentAt: number;
  /** The EventBridge event a rule delivered (kept so accounting need not parse the body again). */
  readonly eventId?: string;
  /** The `AWSTraceHeader` system attribute: the X-Ray trace the message travels on. */
  readonly traceHeader?: string;
  receiveCount: number;
  firstReceivedAt?: number | undefined;
  visibleAt: number;
  receiptHandle?: string | undefined;
  /** Wakes the consumers when the message becomes visible again; cancelled when it is deleted. */
  visibilityTimer?: ClockTimer | undefined;
}

/** An SQS API error, rendered as `{"__type": name, "message"}` by the endpoint. */
class SqsError extends Error {
  /** Every SQS error the sandbox raises is the caller's (HTTP 400): EventBridge does not retry a target's 4xx. */
  readonly statusCode = 400;

  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** A message's size as SQS counts it: the body plus each attribute's name, data type and value, in bytes. */
function messageSize(body: string, attributes: Record<string, MessageAttribute>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.DataType, 'utf8');
    size +=
      attribute.BinaryValue !== undefined
        ? Buffer.from(attribute.BinaryValue, 'base64').length
        : Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
  }
  return size;
}

const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** MD5 of message attributes, as SQS computes it (sorted names, length-prefixed fields). */
function md5OfMessageAttributes(attributes: Record<string, MessageAttribute>): string {
  const parts: Buffer[] = [];
  const field = (value: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    parts.push(length, value);
  };
  // By name in code-unit order, as the default sort orders keys.
  const byName = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, attribute] of byName) {
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      field(Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      field(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

/** Generous per-record room for an SQS event record's fields other than the body and message attributes. */
const RECORD_OVERHEAD_BYTES = 1024;

/**
 * How many of a batch's records fit one synchronous invocation (at least one: a single message is far below the
 * limit). Measured exactly only when a cheap upper bound (3 UTF-8 bytes per UTF-16 unit) says it might not fit.
 */
function recordsThatFit(records: readonly unknown[], messages: readonly QueuedMessage[]): number {
  const bound = messages.reduce((total, m) => {
    let chars = m.body.length;
    for (const [name, a] of Object.entries(m.messageAttributes)) {
      chars += name.length + a.DataType.length + (a.StringValue ?? a.BinaryValue ?? '').length;
    }
    return total + 3 * chars + RECORD_OVERHEAD_BYTES;
  }, 0);
  if (bound <= LAMBDA_SYNC_REQUEST_MAX_BYTES) return records.length;
  let bytes = jsonBytes({ Records: [] });
  for (let i = 0; i < records.length; i++) {
    bytes += jsonBytes(records[i]) + (i > 0 ? 1 : 0);
    if (bytes > LAMBDA_SYNC_REQUEST_MAX_BYTES) return Math.max(i, 1);
  }
  return records.length;
}

/** The message id a receipt handle (`<message id>#<receive count>`) names; a bare message id names itself. */
function messageIdOf(handle: string): string {
  const hash = handle.indexOf('#');
  return hash < 0 ? handle : handle.slice(0, hash);
}

/** One standard queue: visibility timeouts on the virtual clock, receive counts, redrive to a DLQ. */
export class LocalQueue {
  readonly messages: QueuedMessage[] = [];
  redrive?: { deadLetterQueue: LocalQueue; maxReceiveCount: number };
  private listeners: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly url: string,
    readonly visibilityTimeoutSeconds: number,
    private readonly clock: VirtualClock,
  ) {}

  onAvailable(listener: () => void): void {
    this.listeners.push(listener);
  }

  send(
    body: string,
    messageAttributes: Record<string, MessageAttribute> = {},
    eventId?: string,
    traceHeader?: string,
  ): QueuedMessage {
    if (body.length === 0)
      throw new SqsError('InvalidParameterValue', 'The request must contain the parameter MessageBody.');
    if (messageSize(body, messageAttributes) > SQS_MAX_MESSAGE_BYTES) {
      throw new SqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_MAX_MESSAGE_BYTES} bytes.`,
      );
    }
    const message: QueuedMessage = {
      messageId: randomUUID(),
      body,
      messageAttributes,
      sentAt: this.clock.now(),
      ...(eventId === undefined ? {} : { eventId }),
      ...(traceHeader === undefined ? {} : { traceHeader }),
      receiveCount: 0,
      visibleAt: this.clock.now(),
    };
    this.messages.push(message);
    this.notify();
    return message;
  }

  /** Receives up to `max` visible messages; those past `maxReceiveCount` move to the DLQ instead. */
  receive(max: number): QueuedMessage[] {
    const now = this.clock.now();
    const received: QueuedMessage[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.redrive && message.receiveCount >= this.redrive.maxReceiveCount) {
        this.remove(message.messageId);
        this.redrive.deadLetterQueue.adopt(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + this.visibilityTimeoutSeconds * 1000;
      message.receiptHandle = `${message.messageId}#${message.receiveCount}`;
      message.visibilityTimer?.cancel();
      message.visibilityTimer = this.clock.setTimer(message.visibleAt, () => this.notify());
      received.push(message);
    }
    return received;
  }

  /**
   * Undoes the receive of a message that was not handed to anyone (a batch cut to fit the invocation payload): it
   * is visible again at once and this receive does not count towards its redrive.
   */
  release(message: QueuedMessage): void {
    message.receiveCount--;
    if (message.receiveCount === 0) message.firstReceivedAt = undefined;
    message.receiptHandle = undefined;
    message.visibilityTimer?.cancel();
    message.visibilityTimer = undefined;
    message.visibleAt = this.clock.now();
  }

  /** Deletes by receipt handle (or message id). */
  delete(handle: string): void {
    this.remove(messageIdOf(handle));
  }

  changeVisibility(handle: string, seconds: number): void {
    const messageId = messageIdOf(handle);
    const message = this.messages.find((m) => m.messageId === messageId);
    if (!message)
      throw new SqsError('ReceiptHandleIsInvalid', `The receipt handle "${handle}" is not valid.`);
    message.visibleAt = this.clock.now() + seconds * 1000;
    message.visibilityTimer?.cancel();
    message.visibilityTimer = this.clock.setTimer(message.visibleAt, () => this.notify());
  }

  visibleCount(): number {
    const now = this.clock.now();
    return this.messages.filter((m) => m.visibleAt <= now).length;
  }

  private adopt(message: QueuedMessage): void {
    // A redriven message keeps its id, body, attributes and receive count, as SQS does.
    message.visibleAt = this.clock.now();
    message.visibilityTimer = undefined;
    this.messages.push(message);
    this.notify();
  }

  private remove(messageId: string): void {
    const index = this.messages.findIndex((m) => m.messageId === messageId);
    if (index < 0) return;
    const [removed] = this.messages.splice(index, 1);
    removed?.visibilityTimer?.cancel();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * An SQS event source mapping: polls the queue while the function is idle, invokes it with up to `batchSize`
 * records, deletes what succeeded and leaves failures (the whole batch, or the reported batch item failures)
 * to reappear after the visibility timeout.
 */
export class SqsEventSourceMapping {
  private running = false;
  private window: ClockTimer | undefined;
  batches = 0;

  constructor(
    private readonly queue: LocalQueue,
    private readonly fn: LocalFunction,
    private readonly options: {
      batchSize: number;
      /** MaximumBatchingWindowInSeconds: wait this long (virtual time) for a full batch. */
      batchingWindowSeconds: number;
      reportBatchItemFailures: boolean;
      region: string;
    },
    private readonly activity: Activity,
    private readonly clock: VirtualClock,
    private readonly onResult?: (
      result: InvokeResult,
      messages: readonly QueuedMessage[],
      failed: ReadonlySet<string>,
    ) => void,
  ) {
    queue.onAvailable(() => this.poll());
  }

  poll(force = false): void {
    if (this.running) return;
    const visible = this.queue.visibleCount();
    if (visible === 0) return;
    if (!force && visible < this.options.batchSize && this.options.batchingWindowSeconds > 0) {
      // Gather a batch: deliver when it is full or when the batching window closes, like Lambda's poller.
      this.window ??= this.clock.setTimer(
        this.clock.now() + this.options.batchingWindowSeconds * 1000,
        () => {
          this.window = undefined;
          this.poll(true);
        },
      );
      return;
    }
    this.window?.cancel();
    this.window = undefined;
    const messages = this.queue.receive(this.options.batchSize);
    if (messages.length === 0) return;
    this.running = true;
    this.activity.begin();
    void this.deliver(messages).finally(() => {
      this.running = false;
      this.activity.end();
      this.poll();
    });
  }

  private async deliver(received: QueuedMessage[]): Promise<void> {
    this.batches++;
    const records = received.map((m) => this.recordOf(m));
    // Lambda's poller sends a smaller batch rather than one over the synchronous payload limit: the rest wait.
    const kept = recordsThatFit(records, received);
    for (const message of received.slice(kept)) this.queue.release(message);
    const messages = received.slice(0, kept);
    const event = { Records: records.slice(0, kept) };
    // X-Ray: the invocation continues the first message's trace and links the others' (local/xray/lambda-segments.ts).
    const result = await this.fn.invoke(
      event,
      'RequestResponse',
      batchTrace(messages.map((m) => m.traceHeader)),
    );
    const failed = this.failedIds(result, messages);
    this.onResult?.(result, messages, failed);
    // Failed messages stay in the queue and become visible again after the visibility timeout.
    for (const message of messages) {
      if (!failed.has(message.messageId)) this.queue.delete(message.receiptHandle ?? message.messageId);
    }
  }

  private recordOf(m: QueuedMessage): Record<string, unknown> {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'AROAEXAMPLE:sandbox',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
        ...(m.traceHeader === undefined ? {} : { AWSTraceHeader: m.traceHeader }),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.messageAttributes).map(([name, a]) => [
          name,
          {
            dataType: a.DataType,
            stringValue: a.StringValue,
            binaryValue: a.BinaryValue,
            stringListValues: [],
            binaryListValues: [],
          },
        ]),
      ),
      md5OfBody: md5(m.body),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queue.arn,
      awsRegion: this.options.region,
    };
  }

  private failedIds(result: InvokeResult, messages: readonly QueuedMessage[]): Set<string> {
    const all = new Set(messages.map((m) => m.messageId));
    if (!result.ok) return all;
    const failed = new Set<string>();
    if (this.options.reportBatchItemFailures) {
      const response = result.result as { batchItemFailures?: { itemIdentifier?: string }[] } | null;
      for (const failure of response?.batchItemFailures ?? []) {
        // An unknown or empty identifier fails the whole batch, as Lambda does.
        if (!failure.itemIdentifier || !all.has(failure.itemIdentifier)) return all;
        failed.add(failure.itemIdentifier);
      }
    }
    return failed;
  }
}

/** The queues of the template, and the SQS JSON-protocol operations the SDK sends. */
export class LocalSqs {
  private readonly byUrl = new Map<string, LocalQueue>();
  private readonly byArn = new Map<string, LocalQueue>();

  add(queue: LocalQueue): void {
    this.byUrl.set(queue.url, queue);
    this.byArn.set(queue.arn, queue);
  }

  byArnOrUrl(reference: string): LocalQueue | undefined {
    return (
      this.byArn.get(reference) ??
      this.byUrl.get(reference) ??
      [...this.byUrl.values()].find((q) => q.name === reference)
    );
  }

  all(): LocalQueue[] {
    return [...this.byUrl.values()];
  }

  private queue(url: unknown): LocalQueue {
    const queue = typeof url === 'string' ? this.byArnOrUrl(url) : undefined;
    if (!queue)
      throw new SqsError(
        'AWS.SimpleQueueService.NonExistentQueue',
        `The specified queue does not exist: ${String(url)}`,
      );
    return queue;
  }

  /** `traceHeader`: the request's `X-Amzn-Trace-Id`, the message's `AWSTraceHeader` unless it sets its own. */
  handleApiRequest(operation: string, body: Record<string, unknown>, traceHeader?: string): unknown {
    switch (operation) {
      case 'SendMessage': {
        const attributes = (body.MessageAttributes ?? {}) as Record<string, MessageAttribute>;
        const system = body.MessageSystemAttributes as
          { AWSTraceHeader?: { StringValue?: string } } | undefined;
        const message = this.queue(body.QueueUrl).send(
          typeof body.MessageBody === 'string' ? body.MessageBody : '',
          attributes,
          undefined,
          system?.AWSTraceHeader?.StringValue ?? traceHeader,
        );
        return {
          MessageId: message.messageId,
          MD5OfMessageBody: md5(message.body),
          ...(Object.keys(attributes).length > 0
            ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) }
            : {}),
        };
      }
      case 'ReceiveMessage': {
        const queue = this.queue(body.QueueUrl);
        const messages = queue.receive(Number(body.MaxNumberOfMessages ?? 1));
        return {
          Messages: messages.map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            Body: m.body,
            MD5OfBody: md5(m.body),
            Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
            ...(Object.keys(m.messageAttributes).length > 0
              ? {
                  MessageAttributes: m.messageAttributes,
                  MD5OfMessageAttributes: md5OfMessageAttributes(m.messageAttributes),
                }
              : {}),
          })),
        };
      }
      case 'DeleteMessage':
        this.queue(body.QueueUrl).delete(String(body.ReceiptHandle));
        return {};
      case 'ChangeMessageVisibility':
        this.queue(body.QueueUrl).changeVisibility(
          String(body.ReceiptHandle),
          Number(body.VisibilityTimeout),
        );
        return {};
      case 'GetQueueUrl': {
        const queue = this.queue(body.QueueName);
        return { QueueUrl: queue.url };
      }
      case 'ListQueues':
        return { QueueUrls: this.all().map((q) => q.url) };
      case 'GetQueueAttributes': {
        const queue = this.queue(body.QueueUrl);
        return {
          Attributes: {
            QueueArn: queue.arn,
            ApproximateNumberOfMessages: String(queue.visibleCount()),
            ApproximateNumberOfMessagesNotVisible: String(queue.messages.length - queue.visibleCount()),
            VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          },
        };
      }
      default:
        throw new SqsError('InvalidAction', `The sandbox does not implement SQS ${operation}.`);
    }
  }
}
