import type { VirtualClock } from './clock';
import { LocalQueue, type LocalSqs } from './sqs';
import type { ResolvedTemplate } from './template';

/**
 * The template's SQS queues on the virtual clock, each with its visibility timeout, then their redrive policies
 * (a dead-letter queue exists once every queue does).
 */
export function createTemplateQueues(template: ResolvedTemplate, sqs: LocalSqs, clock: VirtualClock): void {
  const queues = template.resourcesOfType('AWS::SQS::Queue');
  for (const [logicalId, resource] of queues) {
    const visibility = Number(resource.Properties?.VisibilityTimeout ?? 30);
    sqs.add(
      new LocalQueue(
        template.physicalName(logicalId),
        template.arn(logicalId),
        template.queueUrl(logicalId),
        visibility,
        clock,
      ),
    );
  }
  for (const [logicalId, resource] of queues) {
    const redrive = template.resolve(resource.Properties?.RedrivePolicy) as
      { deadLetterTargetArn: string; maxReceiveCount: unknown } | undefined;
    if (!redrive) continue;
    const queue = sqs.byArnOrUrl(template.arn(logicalId));
    if (!queue) throw new Error(`queue ${logicalId}: not created from the template`);
    const deadLetterQueue = sqs.byArnOrUrl(redrive.deadLetterTargetArn);
    if (deadLetterQueue)
      queue.redrive = { deadLetterQueue, maxReceiveCount: Number(redrive.maxReceiveCount) };
  }
}
