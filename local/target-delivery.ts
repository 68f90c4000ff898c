import { randomUUID } from 'node:crypto';
import { eventIdOf, type DeliveryAccounting } from './accounting';
import type { Activity } from './activity';
import type { VirtualClock } from './clock';
import type { MetricIdentity } from './cloudwatch/metric-store';
import type { DeadLetterSink, RuleTarget } from './eventbridge/bus';
import {
  LambdaApiError,
  payloadTooLarge,
  type InvokeResult,
  type LocalFunction,
} from './lambda/local-function';
import { isExecutionName } from './stepfunctions/local-step-functions';
import type { AsyncInvokeConfig, DroppedDelivery, InvocationError } from './sandbox-options';
import type { LocalSqs, MessageAttribute, QueuedMessage } from './sqs';

/** The name an agent goes by in reports: its Powertools service name. */
export const consumerName = (fn: LocalFunction): string =>
  fn.config.environment.POWERTOOLS_SERVICE_NAME ?? fn.config.functionName;

/** What delivery reaches into: the sandbox's stand-ins, and where it records what became of each event. */
export interface DeliveryHost {
  readonly clock: VirtualClock;
  readonly activity: Activity;
  readonly sqs: LocalSqs;
  readonly accounting: DeliveryAccounting;
  /** Asynchronous invocation settings by function name (retries, on-failure destination). */
  readonly asyncConfigs: ReadonlyMap<string, AsyncInvokeConfig>;
  /** Each consumed queue's consumer (its event source mapping's function), by queue ARN. */
  readonly consumerOfQueue: ReadonlyMap<string, LocalFunction>;
  /** The function a name, ARN or `:$LATEST` ARN refers to. */
  functionNamed(reference: string): LocalFunction | undefined;
  startExecution(input: { stateMachineArn: string; input: string; name: string; traceHeader?: string }): void;
  /** Records one AWS metric sample at the current virtual time. */
  putMetric(metric: MetricIdentity, value: number): void;
  /** Function errors, in the order they happened (reports and tests read them). */
  readonly invocationErrors: InvocationError[];
  /** Dead-letter and on-failure records their queue refused (too large for SQS): AWS drops them, with a metric. */
  readonly droppedDeliveries: DroppedDelivery[];
}

/**
 * The name EventBridge gives an execution it starts: the event's id, `_`, and a UUID — 73 characters for an
 * EventBridge event id. AWS does not document the format; this is what a public report of such executions shows.
 * A definition that derives a name from `$$.Execution.Name` (an execution it starts, say) must fit its own suffix
 * into the 7 that remain of the 80 allowed. An id that cannot be part of a name (a replayed file's own ids) gets a UUID alone.
 */
function executionNameFor(eventId: string): string {
  const name = `${eventId}_${randomUUID()}`;
  return isExecutionName(name) ? name : randomUUID();
}

/** Lambda's asynchronous invocation defaults, where the template has no EventInvokeConfig. */
const DEFAULT_ASYNC_CONFIG: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

/**
 * Delivery to consumers as AWS does it, apart from the resources it delivers to: a rule's target (SQS
 * SendMessage, Lambda asynchronous invoke with retries and on-failure destination, StartExecution), a rule's
 * dead-letter record, Step Functions' synchronous invoke, and the results of event source mappings — each
 * counted in the accounting, and each failure kept (function errors, records a destination refused).
 */
export class TargetDelivery {
  constructor(private readonly host: DeliveryHost) {}

  /** Delivers a rule's target input: SQS SendMessage, Lambda asynchronous invoke, or StartExecution. */
  dispatch(target: RuleTarget, input: string, eventId: string, traceHeader?: string): Promise<void> {
    const { host } = this;
    if (target.refused) {
      // A permission EventBridge lacks is not retried: the event goes to the target's DLQ at once.
      return Promise.reject(
        Object.assign(new Error(target.refused.errorMessage), {
          name: target.refused.errorCode,
          statusCode: 403,
        }),
      );
    }
    const service = target.arn.split(':')[2];
    const missing = (what: string) =>
      Promise.reject(
        // A target that does not exist is not retried: EventBridge sends the event to the DLQ at once.
        Object.assign(new Error(`no ${what} ${target.arn}`), {
          name: 'ResourceNotFoundException',
          statusCode: 404,
        }),
      );
    if (service === 'sqs') {
      const queue = host.sqs.byArnOrUrl(target.arn);
      if (!queue) return missing('queue');
      const consumer = host.consumerOfQueue.get(queue.arn);
      host.accounting.route(consumer ? consumerName(consumer) : queue.name, eventId);
      queue.send(input, {}, eventId, traceHeader);
      return Promise.resolve();
    }
    if (service === 'lambda') {
      const fn = host.functionNamed(target.arn);
      if (!fn) return missing('function');
      host.accounting.route(consumerName(fn), eventId);
      // Lambda refuses an oversized event at Invoke (413), before queuing it: EventBridge sees the refusal.
      const refused = payloadTooLarge(Buffer.byteLength(input, 'utf8'), 'Event');
      if (refused) return Promise.reject(refused);
      this.invokeAsync(fn, JSON.parse(input) as unknown, Date.now(), 0, traceHeader);
      return Promise.resolve();
    }
    if (service === 'states') {
      const machine = target.arn.slice(target.arn.lastIndexOf(':') + 1);
      host.accounting.route(machine, eventId);
      host.startExecution({
        stateMachineArn: target.arn,
        input,
        name: executionNameFor(eventId),
        ...(traceHeader ? { traceHeader } : {}),
      });
      host.accounting.delivered(machine, [eventId], { ids: [] });
      return Promise.resolve();
    }
    return Promise.reject(
      Object.assign(new Error(`the sandbox cannot deliver to ${target.arn}`), {
        name: 'UnsupportedTarget',
        statusCode: 400,
      }),
    );
  }

  /** Where the bus's rules put an event they could not deliver: the target's DLQ, with the FailedInvocations metric. */
  deadLetterSink(busName: string): DeadLetterSink {
    return (arn, event, reason) => {
      const dimensions = {
        EventBusName: busName,
        RuleName: reason.ruleArn.slice(reason.ruleArn.lastIndexOf('/') + 1),
      };
      this.host.putMetric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions }, 1);
      if (reason.deadLetterRefused !== undefined) {
        // The DLQ's policy refuses EventBridge too: AWS drops the event, counting it.
        this.host.putMetric(
          { namespace: 'AWS/Events', metricName: 'InvocationsFailedToBeSentToDlq', dimensions },
          1,
        );
        this.host.droppedDeliveries.push({
          destination: arn,
          eventId: event.id,
          reason: reason.deadLetterRefused,
          cause: `${reason.errorCode}: ${reason.errorMessage}`,
        });
        return;
      }
      this.sendOrDrop(arn, event.id, `${reason.errorCode}: ${reason.errorMessage}`, JSON.stringify(event), {
        RULE_ARN: { DataType: 'String', StringValue: reason.ruleArn },
        TARGET_ARN: { DataType: 'String', StringValue: reason.targetArn },
        ERROR_CODE: { DataType: 'String', StringValue: reason.errorCode },
        ERROR_MESSAGE: { DataType: 'String', StringValue: reason.errorMessage },
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(reason.retryAttempts) },
        ...(reason.exhaustedRetryCondition === undefined
          ? {}
          : {
              EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: reason.exhaustedRetryCondition },
            }),
      });
    };
  }

  /**
   * An event source mapping's batch result: the messages it did not report failed are delivered, the others
   * failed with the function's error or as batch item failures.
   */
  batchResult(
    fn: LocalFunction,
    result: InvokeResult,
    messages: readonly QueuedMessage[],
    failed: ReadonlySet<string>,
  ): void {
    this.noteResult(fn, result);
    const ids = (list: readonly QueuedMessage[]) =>
      list.map((m) => m.eventId ?? eventIdOf(m.body)).filter((id): id is string => id !== undefined);
    this.host.accounting.delivered(consumerName(fn), ids(messages.filter((m) => !failed.has(m.messageId))), {
      ids: ids(messages.filter((m) => failed.has(m.messageId))),
      error: result.ok ? 'reported as a batch item failure' : `${result.errorType}: ${result.errorMessage}`,
    });
  }

  /** Step Functions' Lambda invoke (RequestResponse): the function's result, or its error as Step Functions names it. */
  async invokeSync(functionArn: string, payload: unknown, traceHeader?: string): Promise<unknown> {
    const fn = this.host.functionNamed(functionArn);
    if (!fn)
      throw Object.assign(new Error(`Function not found: ${functionArn}`), {
        name: 'Lambda.ResourceNotFoundException',
      });
    let result: InvokeResult;
    try {
      result = await this.host.activity.track(() =>
        fn.invoke(
          payload,
          'RequestResponse',
          traceHeader === undefined ? undefined : { header: traceHeader },
        ),
      );
    } catch (error) {
      // Step Functions names Lambda's own refusals Lambda.<code>, as it does Lambda.ResourceNotFoundException.
      if (error instanceof LambdaApiError) throw Object.assign(error, { name: `Lambda.${error.name}` });
      throw error;
    }
    if (result.ok) return result.result;
    this.noteResult(fn, result);
    throw Object.assign(new Error(result.errorMessage), { name: result.errorType });
  }

  private noteResult(fn: LocalFunction, result: InvokeResult): void {
    if (!result.ok) {
      const dimensions = { FunctionName: fn.config.functionName };
      this.host.putMetric({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions }, 1);
      this.host.invocationErrors.push({
        functionName: fn.config.functionName,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
      });
    }
  }

  /**
   * Lambda's asynchronous invocation: on a function error, retries after one then two minutes (virtual time),
   * then sends the invocation record to the on-failure destination.
   */
  private invokeAsync(
    fn: LocalFunction,
    event: unknown,
    queuedAt: number,
    attempt = 0,
    traceHeader?: string,
  ): void {
    const { host } = this;
    const config = host.asyncConfigs.get(fn.config.functionName) ?? DEFAULT_ASYNC_CONFIG;
    host.activity.begin();
    void fn
      .invoke(event, 'Event', traceHeader === undefined ? undefined : { header: traceHeader })
      .then((result) => {
        const eventId = eventIdOf(JSON.stringify(event));
        const ids = eventId ? [eventId] : [];
        if (result.ok) {
          host.accounting.delivered(consumerName(fn), ids, { ids: [] });
          return;
        }
        host.accounting.delivered(consumerName(fn), [], {
          ids,
          error: `${result.errorType}: ${result.errorMessage}`,
        });
        this.noteResult(fn, result);
        if (attempt < config.maximumRetryAttempts) {
          host.clock.setTimer(host.clock.now() + (attempt + 1) * 60_000, () =>
            this.invokeAsync(fn, event, queuedAt, attempt + 1, traceHeader),
          );
          return;
        }
        if (!config.onFailureArn) return;
        this.sendOrDrop(
          config.onFailureArn,
          eventId,
          `${result.errorType}: ${result.errorMessage}`,
          JSON.stringify({
            version: '1.0',
            timestamp: host.clock.iso(),
            requestContext: {
              requestId: `${fn.config.functionName}-${queuedAt}`,
              functionArn: `${fn.config.functionArn}:$LATEST`,
              condition: 'RetriesExhausted',
              approximateInvokeCount: attempt + 1,
            },
            requestPayload: event,
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: { errorType: result.errorType, errorMessage: result.errorMessage },
          }),
        );
      })
      .catch((error: unknown) => {
        // Lambda refused the event at Invoke (dispatch checks the size first, so nothing reaches this today).
        if (!(error instanceof LambdaApiError)) throw error;
        host.droppedDeliveries.push({
          destination: fn.config.functionArn,
          reason: `${error.name}: ${error.message}`,
        });
      })
      .finally(() => host.activity.end());
  }

  /**
   * Sends a dead-letter or on-failure record; one its queue refuses (over SQS's message size) is dropped, as AWS
   * drops it, and kept in `droppedDeliveries` instead of failing the delivery that produced it.
   */
  private sendOrDrop(
    destination: string,
    eventId: string | undefined,
    cause: string,
    body: string,
    attributes?: Record<string, MessageAttribute>,
  ): void {
    try {
      this.host.sqs.byArnOrUrl(destination)?.send(body, attributes);
    } catch (error) {
      this.host.droppedDeliveries.push({
        destination,
        ...(eventId === undefined ? {} : { eventId }),
        reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        cause,
      });
    }
  }
}
