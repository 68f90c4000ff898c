import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantPutEventsAs, ignoreReplays } from './event-backbone';

/** An SQS buffer between the rule and the function, for agents that consume a stream. */
interface StreamBufferProps {
  /** @default 100 */
  readonly batchSize?: number;
  /** @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration;
  /** Receives before a message moves to the agent's DLQ. @default 3 */
  readonly maxReceiveCount?: number;
  /**
   * Most concurrent invocations the queue's poller makes (the mapping's `MaximumConcurrency`, 2 to 1,000). A
   * burst (an archive replay, a backlog after an outage) then waits in the queue instead of taking the account's
   * concurrency from the saga's agents and piling concurrent writes onto the same counter items. @default 5
   */
  readonly maxConcurrency?: number;
}

export interface AgentFunctionProps {
  /** Path of the handler file (`lambdas/handlers/*.ts`). */
  readonly entry: string;
  /** Powertools service name, e.g. `monitoring-agent`. */
  readonly serviceName: string;
  readonly description: string;
  /** The bus the agent's rule listens on and the agent publishes to. */
  readonly bus: events.IEventBus;
  /** Where undeliverable rule targets go. */
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** Events the agent consumes; without a pattern the agent is invoked only by other resources. @default - no rule */
  readonly eventPattern?: events.EventPattern;
  /**
   * Whether the rule also delivers events that an archive replay puts back on the bus (`replay-name`). Agents
   * that carry out commands ignore them: a replay must not act twice. @default 'consume'
   */
  readonly replays?: 'consume' | 'ignore';
  /** Buffer the rule's events through SQS; without it the rule invokes the function asynchronously. @default - no buffer */
  readonly stream?: StreamBufferProps;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** @default 'ProactiveAgents' */
  readonly metricsNamespace?: string;
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Commands run around bundling, e.g. to copy a WebAssembly file the bundle loads at run time. @default - none */
  readonly commandHooks?: nodejs.ICommandHooks;
}

/**
 * One agent: a bundled Lambda function with Powertools settings, active tracing, its own least-privilege role,
 * a rule from its event pattern and, for stream consumers, an SQS buffer with partial batch failures and a DLQ.
 */
export class AgentFunction extends Construct {
  /** Its Powertools service name: the `service` dimension of its metrics. */
  public readonly serviceName: string;
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** Messages the agent could not process (rejected with a reason, or failed `maxReceiveCount` times). */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly queue?: sqs.Queue;
  public readonly rule?: events.Rule;

  constructor(scope: Construct, id: string, props: AgentFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    const timeout = props.timeout ?? Duration.seconds(30);
    const batchSize = props.stream?.batchSize ?? 100;
    if (props.stream && (batchSize < 1 || batchSize > 10_000)) {
      throw new Error(`stream.batchSize must be between 1 and 10000, got ${batchSize}`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs only to this function's group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'ProactiveAgents',
        EVENT_BUS_NAME: props.bus.eventBusName,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        ...(props.stream ? { MAX_RECEIVE_COUNT: String(props.stream.maxReceiveCount ?? 3) } : {}),
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
        // Bundle the SDK too: pinned versions, and the sandbox runs the same bytes.
        externalModules: [],
        forceDockerBundling: false,
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
    });
    // Contract violations are sent straight to the DLQ with their reason (SendMessage to the queue URL in the
    // environment), and Lambda sends asynchronous invocations that failed there with this role too: SendMessage
    // alone, not grantSendMessages' GetQueueAttributes and GetQueueUrl, which nothing calls.
    this.deadLetterQueue.grant(this.function, 'sqs:SendMessage');

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (active tracing).',
    });

    if (props.eventPattern) {
      this.rule = new events.Rule(this, 'Rule', {
        eventBus: props.bus,
        description: `Events consumed by ${props.serviceName}`,
        eventPattern: props.eventPattern,
      });
      if (props.replays === 'ignore') ignoreReplays(this.rule);
    }

    if (props.stream) {
      const maxReceiveCount = props.stream.maxReceiveCount ?? 3;
      this.queue = new sqs.Queue(this, 'Buffer', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // AWS guidance: at least six times the function timeout, so retries within a batch do not redeliver.
        visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      });
      // The mapping SqsEventSource would create (same id, so the same logical id), without its
      // grantConsumeMessages: Lambda's poller needs ReceiveMessage, DeleteMessage and GetQueueAttributes only
      // (the Lambda and SQS developer guides), not ChangeMessageVisibility or GetQueueUrl.
      this.function.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`, {
        eventSourceArn: this.queue.queueArn,
        batchSize,
        maxBatchingWindow: props.stream.maxBatchingWindow ?? Duration.seconds(5),
        maxConcurrency: props.stream.maxConcurrency ?? 5,
        reportBatchItemFailures: true,
      });
      this.queue.grant(this.function, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');
      this.rule?.addTarget(
        new targets.SqsQueue(this.queue, {
          deadLetterQueue: props.ruleDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
    } else {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue itself: the failure destination of asynchronous invocations.',
      });
      this.function.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        // SqsDestination would grant GetQueueAttributes and GetQueueUrl too; SendMessage is granted above.
        onFailure: { bind: () => ({ destination: this.deadLetterQueue.queueArn }) },
      });
      this.rule?.addTarget(
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: props.ruleDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
    }
  }

  /** Lets the agent put events on the bus as `source`, of that source's contracted detail-types only. */
  public grantPutEvents(bus: events.IEventBus, source: string, only?: readonly string[]): iam.Grant {
    return grantPutEventsAs(this.function, bus, source, only);
  }
}
