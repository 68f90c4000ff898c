import type { LocalSqs } from '../sqs';
import type { LocalStepFunctions } from '../stepfunctions/local-step-functions';
import type { MetricSampler } from './local-cloudwatch';

/**
 * AWS/SQS as CloudWatch reports it once a minute per queue: `ApproximateNumberOfMessagesVisible` and
 * `ApproximateAgeOfOldestMessage` (seconds). A message received three times or more without being deleted no
 * longer counts for the age ("moved to the back of the queue", per the SQS metrics documentation), so one
 * poison message does not hold a queue's age up while its redrive runs.
 */
export function queueMetrics(sqs: LocalSqs): MetricSampler {
  return (time, put) => {
    for (const queue of sqs.all()) {
      const dimensions = { QueueName: queue.name };
      let visible = 0;
      let oldest = Infinity;
      for (const message of queue.messages) {
        if (message.visibleAt <= time) visible++;
        if (message.receiveCount < 3 && message.sentAt < oldest) oldest = message.sentAt;
      }
      put({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions }, visible);
      put(
        { namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions },
        oldest === Infinity ? 0 : Math.max(0, Math.floor((time - oldest) / 1000)),
      );
    }
  };
}

/** AWS/States `ExecutionsFailed` and `ExecutionsTimedOut`, each at the execution's stop time. */
export function executionMetrics(sfn: LocalStepFunctions): MetricSampler {
  const counted = new Set<string>();
  return (_time, put) => {
    for (const machine of sfn.listStateMachines().stateMachines) {
      for (const execution of sfn.listExecutions(machine.stateMachineArn).executions) {
        if (execution.stopDate === undefined || counted.has(execution.executionArn)) continue;
        counted.add(execution.executionArn);
        const metricName =
          execution.status === 'FAILED'
            ? 'ExecutionsFailed'
            : execution.status === 'TIMED_OUT'
              ? 'ExecutionsTimedOut'
              : execution.status === 'SUCCEEDED'
                ? 'ExecutionsSucceeded'
                : 'ExecutionsAborted';
        put(
          { namespace: 'AWS/States', metricName, dimensions: { StateMachineArn: machine.stateMachineArn } },
          1,
          execution.stopDate.getTime(),
        );
      }
    }
  };
}
