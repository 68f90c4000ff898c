import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { EventPublisher } from '../../adapters/event-publisher';

/** Logger, tracer and metrics of one function, created once per cold start (settings from POWERTOOLS_* env). */
export interface Observability {
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
}

export function createObservability(): Observability {
  return { logger: new Logger(), tracer: new Tracer(), metrics: new Metrics() };
}

/** Wraps a plain handler with the Powertools middlewares: traced, logged with context, metrics flushed. */
export function instrument<E, R>(
  run: (event: E, context: Context) => Promise<R>,
  { logger, tracer, metrics }: Observability,
) {
  // The response is not put in the trace: a subsegment travels as one UDP datagram of at most 64 KB, and a large
  // response (a page of 500 incidents, a plan) would lose the whole subsegment. Decisions have their own trace.
  return middy(run)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(countEventsIn(metrics));
}

/** `EventsIn`: the records of a batch (SQS), else 1 per invocation (an event, a task, a request). */
function countEventsIn(metrics: Metrics): middy.MiddlewareObj {
  return {
    before: (request) => {
      const records = (request.event as { Records?: unknown } | null)?.Records;
      metrics.addMetric('EventsIn', MetricUnit.Count, Array.isArray(records) ? records.length : 1);
    },
  };
}

/**
 * `EventsOut`: the entries EventBridge accepted from this client's PutEvents calls (a failed entry is not out).
 * Counted in the SDK's middleware stack, so every publisher built on the client is counted. Returns the client.
 */
function countEventsOut<C extends EventBridgeClient>(client: C, metrics: Metrics): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const entries = (result.output as { Entries?: { ErrorCode?: string }[] }).Entries;
      const accepted = Array.isArray(entries) ? entries.filter((entry) => !entry.ErrorCode).length : 0;
      if (accepted > 0) metrics.addMetric('EventsOut', MetricUnit.Count, accepted);
      return result;
    },
    { step: 'initialize', name: 'countEventsOut' },
  );
  return client;
}

/** The function's publisher on `busName`: its PutEvents traced, and the entries accepted counted (`EventsOut`). */
export function eventPublisher(busName: string, { tracer, metrics }: Observability): EventPublisher {
  return new EventPublisher(
    busName,
    countEventsOut(tracer.captureAWSv3Client(new EventBridgeClient({})), metrics),
  );
}
