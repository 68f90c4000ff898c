import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

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
  return middy(run)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
