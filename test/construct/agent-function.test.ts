import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AgentFunction } from '../../lib/agent-function';
import { asEventBusInterface } from '../../lib/cdk-interfaces';
import { synthStack } from './stack-fixture';

describe('AgentFunction', () => {
  const { stack, template } = synthStack();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const monitoring = stack.agents.monitoring;

  it('runs the bundle on arm64 with the latest Node.js runtime, active tracing and Powertools settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'monitoring-agent',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_NAMESPACE: 'ProactiveAgents',
          EVENT_BUS_NAME: { Ref: id(stack.backbone.bus) },
        }),
      },
    });
  });

  it('buffers a stream through SQS with batching, partial batch failures, a concurrency ceiling and a DLQ after three receives', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(monitoring.function) },
      EventSourceArn: { 'Fn::GetAtt': [id(monitoring.queue!), 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // A burst waits in the queue rather than taking the account's concurrency from the saga's agents.
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [id(monitoring.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 3,
      },
      VisibilityTimeout: 180,
      SqsManagedSseEnabled: true,
    });
  });

  it('routes the agent pattern to its buffer, with retries and the bus DLQ for undeliverable events', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(stack.backbone.bus) },
      EventPattern: { source: ['retail.orders'], 'detail-type': ['order_placed', 'order_cancelled'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(monitoring.queue!), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.backbone.deadLetterQueue), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
  });

  it('invokes command consumers asynchronously with retries and an on-failure destination', () => {
    const fulfillment = stack.agents.fulfillment;
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(fulfillment.function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [id(fulfillment.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('uses no AWS managed policy for its role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('rejects a batch size outside SQS limits, quoting the value', () => {
    const s = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(
      () =>
        new AgentFunction(s, 'A', {
          entry: `${__dirname}/../../lambdas/handlers/monitoring-agent.ts`,
          serviceName: 'x',
          description: 'x',
          bus: asEventBusInterface(new events.EventBus(s, 'Bus')),
          ruleDeadLetterQueue: new sqs.Queue(s, 'Q'),
          stream: { batchSize: 20_000 },
        }),
    ).toThrow(/stream.batchSize must be between 1 and 10000, got 20000/);
  });
});
