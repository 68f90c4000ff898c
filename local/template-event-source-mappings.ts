import type { Activity } from './activity';
import type { VirtualClock } from './clock';
import type { InvokeResult, LocalFunction } from './lambda/local-function';
import { SqsEventSourceMapping, type LocalQueue, type LocalSqs, type QueuedMessage } from './sqs';
import type { ResolvedTemplate } from './template';

/** One of the template's event source mappings, polling its queue for its function. */
export interface TemplateMapping {
  readonly queue: LocalQueue;
  readonly fn: LocalFunction;
  readonly mapping: SqsEventSourceMapping;
}

/** What the mappings need of the sandbox: its queues and functions, and where each batch's result goes. */
export interface TemplateMappingsContext {
  readonly sqs: LocalSqs;
  /** The function a name or ARN refers to. */
  functionNamed(reference: string): LocalFunction | undefined;
  readonly region: string;
  readonly activity: Activity;
  readonly clock: VirtualClock;
  onResult(
    fn: LocalFunction,
    result: InvokeResult,
    messages: readonly QueuedMessage[],
    failed: ReadonlySet<string>,
  ): void;
}

/**
 * The template's SQS event source mappings (`AWS::Lambda::EventSourceMapping`) with their batch size, batching
 * window and batch item failures; a mapping whose queue or function the sandbox does not run is left out.
 */
export function createTemplateMappings(
  template: ResolvedTemplate,
  context: TemplateMappingsContext,
): TemplateMapping[] {
  const mappings: TemplateMapping[] = [];
  for (const [, resource] of template.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
    const p = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const queue = context.sqs.byArnOrUrl(String(p.EventSourceArn));
    const fn = context.functionNamed(String(p.FunctionName));
    if (!queue || !fn) continue;
    const mapping = new SqsEventSourceMapping(
      queue,
      fn,
      {
        batchSize: Number(p.BatchSize ?? 10),
        batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
        reportBatchItemFailures: ((p.FunctionResponseTypes ?? []) as string[]).includes(
          'ReportBatchItemFailures',
        ),
        region: context.region,
      },
      context.activity,
      context.clock,
      (result, messages, failed) => context.onResult(fn, result, messages, failed),
    );
    mappings.push({ queue, fn, mapping });
  }
  return mappings;
}
