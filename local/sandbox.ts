import './polyfills';
import { DynamoDBClient, CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeliveryAccounting, eventIdOf, type ConsumerAccount } from './accounting';
import { Activity } from './activity';
import { LocalHttpApis } from './apigateway/http-api';
import { ApprovalHold, type ApprovalHoldOptions } from './approval-hold';
import { LocalAppConfig } from './appconfig';
import { VirtualClock } from './clock';
import { getMetricData } from './cloudwatch/get-metric-data';
import { LocalCloudWatch } from './cloudwatch/local-cloudwatch';
import { executionMetrics, queueMetrics } from './cloudwatch/stand-in-metrics';
import { templateAlarms } from './cloudwatch/template-alarms';
import { DynaliteThread } from './dynamodb/dynalite-thread';
import { LocalBedrock } from './bedrock';
import { LocalEndpoint } from './endpoint';
import { DynamoDbAuthorizer, tableKeysOf } from './iam/dynamodb-authorizer';
import { LocalSts, StsError } from './iam/local-sts';
import { PolicyEvaluator } from './iam/policy-evaluator';
import { TemplateIam } from './iam/template-iam';
import { indexBodyOf, LocalOpenSearch } from './opensearch';
import { archivePattern, EventBridgeApi } from './eventbridge/api';
import { LocalEventBus, type RuleTarget } from './eventbridge/bus';
import {
  LambdaApiError,
  LocalFunction,
  checkEnvironmentSize,
  payloadTooLarge,
  type InvokeResult,
} from './lambda/local-function';
import { ReplayBuffer } from './replay-buffer';
import { LocalQueue, LocalSqs, SqsEventSourceMapping, type MessageAttribute } from './sqs';
import { LocalStepFunctions } from './stepfunctions/local-step-functions';
import { loadTemplate, ResolvedTemplate } from './template';
import type { TraceCollectorOptions } from './xray/collector';
import { SandboxTracing } from './xray/sandbox-tracing';

export interface SandboxOptions {
  /** The cloud assembly (`cdk.out`). */
  readonly assemblyDir: string;
  /** Where each function's logs go (one file per function). @default - discarded */
  readonly logDir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Initial virtual time (ms). @default 2026-01-01T00:00:00Z */
  readonly startTime?: number;
  /** Fault drills. @default - none */
  readonly faults?: SandboxFaults;
  /** Deliver only to these agents (by service name) and state machines; other targets are left out. @default - all */
  readonly onlyConsumers?: readonly string[];
  /**
   * Keep the DynamoDB tables on disk (LevelDB in a temporary directory, removed on stop) instead of in memory, so
   * a long replay's order book and window counters do not grow the process. @default false
   */
  readonly tablesOnDisk?: boolean;
  /**
   * Keep the DynamoDB tables in this directory (emptied at start) and leave them there on stop, so the run's
   * memory can be read afterwards (`npm run trace`). @default - see `tablesOnDisk`
   */
  readonly tablesDir?: string;
  /**
   * AppConfig: files to serve instead of the ones the template names, by configuration profile name (e.g.
   * `{ governance: '/tmp/governance.json' }`). @default - each hosted configuration's own file (config/…)
   */
  readonly appConfigFiles?: Readonly<Record<string, string>>;
  /**
   * Human in the loop: before the virtual clock moves, wait in real time while a callback task of these states
   * is pending (an approval), until it is answered or `realSeconds` have passed (local/approval-hold.ts).
   * @default - the clock never waits for a person: an approval times out as soon as nothing else happens
   */
  readonly holdForApprovals?: ApprovalHoldOptions;
  /**
   * X-Ray: collect the segments of traced functions and state machines, carrying trace headers through EventBridge,
   * SQS and Step Functions as AWS does (local/xray/). Costs an async hook per promise in every function: leave it
   * off for large replays. @default false
   */
  readonly traces?: boolean | TraceCollectorOptions;
}

/** Faults the sandbox injects (`npm start -- --fault <name>`). */
export interface SandboxFaults {
  /**
   * This agent spends `secondsPerRecord` of virtual time per record for `forSeconds` from its first invocation
   * (its poller holds the batch meanwhile), so its stream backs up on the virtual clock.
   */
  readonly slowConsumer?: {
    readonly service: string;
    readonly secondsPerRecord: number;
    readonly forSeconds: number;
  };
  /** Every rule target receives every event twice (EventBridge and SQS are at-least-once). */
  readonly duplicateDelivery?: boolean;
  /**
   * Every other invocation of this agent hangs after its work until its (shortened) timeout kills it, for
   * `forSeconds` of virtual time from its first invocation (for ever when absent).
   */
  readonly lambdaTimeout?: {
    readonly service: string;
    readonly timeoutSeconds: number;
    readonly forSeconds?: number;
  };
  /** The model answers Converse with Bedrock's ThrottlingException. */
  readonly llmThrottle?: boolean;
}

export interface AsyncInvokeConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly onFailureArn?: string;
}

/** An input the sandbox refused, with the reason (nothing is dropped silently). */
export interface RejectedInput {
  readonly line?: number;
  readonly reason: string;
  readonly raw: string;
}

/** A record AWS would have dropped because its destination refused it (an oversized DLQ or on-failure message). */
export interface DroppedDelivery {
  /** The dead-letter queue or on-failure destination that refused it. */
  readonly destination: string;
  readonly eventId?: string;
  /** Why the destination refused the record. */
  readonly reason: string;
  /** Why the record was written: the delivery's own failure (the dead-letter record's ERROR_CODE and message). */
  readonly cause?: string;
}

/** One event to replay: the envelope, its event time (ms; NaN if it has none) and its line in the input. */
export interface ReplayEvent {
  readonly raw: unknown;
  readonly time: number;
  readonly line?: number;
}

export interface ReplayOptions {
  /** How far out of event-time order a streamed event may arrive and still be replayed in order. @default 1800 */
  readonly reorderSeconds?: number;
  /** Events held at most before the earliest step runs anyway (bounds memory). @default 200000 */
  readonly maxBuffered?: number;
}

/** What a replay put on the bus. */
export interface ReplayStats {
  /** Events read (timed or not). */
  readonly events: number;
  /** Events that arrived after their step had run: put on the bus late, with their own event time. */
  readonly late: number;
  /** Virtual-time steps run. */
  readonly steps: number;
  /** The most events held at once waiting for their step (the reorder window's worth, not the stream's). */
  readonly maxBuffered: number;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** A resolved `Environment.Variables` map as Lambda keeps it: every value a string. */
const asEnvironment = (variables: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(variables as Record<string, unknown>).map(([k, v]) => [k, String(v)]));

/** The name an agent goes by in reports: its Powertools service name. */
const consumerName = (fn: LocalFunction): string =>
  fn.config.environment.POWERTOOLS_SERVICE_NAME ?? fn.config.functionName;

/**
 * Runs the synthesized template on this machine: DynamoDB tables in dynalite, queues and event source mappings,
 * Lambda bundles in worker threads, the state machines on aws-local-stepfunctions, the event bus with the
 * template's rules — all on one virtual clock and behind one AWS-compatible endpoint.
 */
export class Sandbox {
  readonly clock: VirtualClock;
  readonly activity = new Activity();
  readonly sqs = new LocalSqs();
  readonly functions = new Map<string, LocalFunction>();
  readonly asyncConfigs = new Map<string, AsyncInvokeConfig>();
  readonly mappings: SqsEventSourceMapping[] = [];
  readonly rejectedInputs: RejectedInput[] = [];
  readonly invocationErrors: { functionName: string; errorType: string; errorMessage: string }[] = [];
  /** Dead-letter and on-failure records their queue refused (too large for SQS): AWS drops them, with a metric. */
  readonly droppedDeliveries: DroppedDelivery[] = [];
  readonly accounting = new DeliveryAccounting();
  private readonly consumerOfQueue = new Map<string, LocalFunction>();
  readonly opensearch = new LocalOpenSearch();
  bedrock!: LocalBedrock;
  /** CloudWatch: the functions' EMF metrics and the stand-ins' AWS metrics; the template's alarms evaluated. */
  cloudwatch!: LocalCloudWatch;
  /** Virtual time at which a time-boxed fault first acted (the slow or hanging agent's first invocation). */
  faultStartedAt?: number;
  /** The AppConfig data API: hosted configurations served from their files, reloaded when they change. */
  appConfig!: LocalAppConfig;
  bus!: LocalEventBus;
  eventsApi!: EventBridgeApi;
  sfn!: LocalStepFunctions;
  dynamodb!: DynamoDBClient;
  /** STS: task sessions assumed by the functions, with their tags (their DynamoDB requests are authorized). */
  sts!: LocalSts;
  template!: ResolvedTemplate;
  endpoint!: string;
  /** The same endpoint over cleartext HTTP/2, for clients that speak only HTTP/2 (Bedrock runtime). */
  http2Endpoint!: string;
  private readonly http: LocalEndpoint;
  /** The template's HTTP APIs (API Gateway), each on its own loopback port: `httpApis.endpoints` names them. */
  httpApis?: LocalHttpApis;
  /** DynamoDB (dynalite in its own thread): its request counts and heap, for reports. */
  dynamo?: DynaliteThread;
  private tablesDir?: string;
  private approvalHold?: ApprovalHold;
  /** X-Ray (option `traces`): the collected segments, `traces.incident(correlationId)`. */
  traces?: SandboxTracing;

  private constructor(private readonly options: SandboxOptions) {
    this.clock = new VirtualClock(options.startTime);
    this.http = new LocalEndpoint(this.activity);
  }

  static async start(options: SandboxOptions): Promise<Sandbox> {
    const sandbox = new Sandbox(options);
    try {
      await sandbox.boot();
    } catch (error) {
      await sandbox.stop();
      throw error;
    }
    return sandbox;
  }

  /** The function whose Powertools service name is `serviceName`. */
  functionByService(serviceName: string): LocalFunction {
    const fn = [...this.functions.values()].find(
      (f) => f.config.environment.POWERTOOLS_SERVICE_NAME === serviceName,
    );
    if (!fn) throw new Error(`no function with service name ${serviceName}`);
    return fn;
  }

  /** The queue a function reports rejected events to (its DEAD_LETTER_QUEUE_URL). */
  deadLetterQueueOf(serviceName: string): LocalQueue {
    const url = this.functionByService(serviceName).config.environment.DEAD_LETTER_QUEUE_URL ?? '';
    const queue = this.sqs.byArnOrUrl(url);
    if (!queue) throw new Error(`no dead-letter queue for ${serviceName}`);
    return queue;
  }

  /** Waits until nothing is in flight: no request, invocation, delivery or running state machine task. */
  async settle(): Promise<void> {
    for (;;) {
      await this.activity.settled();
      await this.sfn.whenSettled();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.activity.busy) return;
    }
  }

  /** Puts one replayed envelope on the bus at its own event time. */
  put(raw: unknown, line?: number): void {
    const result = this.bus.putEnvelope(raw);
    if (result.ErrorCode) {
      this.rejectedInputs.push({
        line,
        reason: `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`,
        raw: str(raw),
      });
    }
  }

  /**
   * Replays events in event-time order: the clock moves to each step's time (firing due timers), the step's
   * events go on the bus, and the sandbox settles before time moves on. Then pending timers (retries,
   * visibility timeouts, task timeouts) run out within `horizonSeconds` after the last event.
   *
   * `events` may be a stream (an async iterable, e.g. a file read line by line): events are held only until
   * their step runs. A step runs once an event `reorderSeconds` past its end has been read (or more than
   * `maxBuffered` events are waiting), so events up to `reorderSeconds` out of order are replayed in event-time
   * order; one that arrives later than that, after its step has run, goes on the bus in the current step with
   * its own event time (a late event) and is counted in `late`. An array is sorted first, as a whole. Events
   * without a usable time (NaN) go on the bus after the last step, where PutEvents stamps or refuses them.
   */
  async replay(
    events: Iterable<ReplayEvent> | AsyncIterable<ReplayEvent>,
    stepSeconds = 60,
    horizonSeconds = 86_400,
    options: ReplayOptions = {},
  ): Promise<ReplayStats> {
    const stepMs = stepSeconds * 1000;
    const reorderMs = (options.reorderSeconds ?? 1800) * 1000;
    const maxBuffered = options.maxBuffered ?? 200_000;
    const source = Array.isArray(events)
      ? [...(events as readonly ReplayEvent[])].sort((a, b) => a.time - b.time)
      : events;
    const buffer = new ReplayBuffer<ReplayEvent>();
    const untimed: ReplayEvent[] = [];
    const stats = { events: 0, late: 0, steps: 0, maxBuffered: 0 };
    let newest = -Infinity;
    let lastStepEnd = -Infinity;
    const stepEndOf = (time: number) => Math.floor(time / stepMs) * stepMs + stepMs;
    const runStep = async () => {
      let stepEnd = stepEndOf(buffer.earliest()!);
      if (stepEnd < lastStepEnd) stepEnd = lastStepEnd;
      const batch = buffer.takeBefore(stepEnd);
      if (stepEnd === lastStepEnd) stats.late += batch.length;
      // The step's events keep their own times; the work they set off happens at the end of the step, like a
      // batching window closing, so everything an agent emits is stamped at or after the facts it saw.
      await this.advanceTo(stepEnd - 1);
      for (const event of batch) this.put(event.raw, event.line);
      await this.settle();
      lastStepEnd = stepEnd;
      stats.steps++;
    };
    for await (const event of source) {
      stats.events++;
      if (!Number.isFinite(event.time)) {
        untimed.push(event);
        continue;
      }
      buffer.push(event);
      if (buffer.size > stats.maxBuffered) stats.maxBuffered = buffer.size;
      if (event.time > newest) newest = event.time;
      while (
        buffer.size > 0 &&
        (stepEndOf(buffer.earliest()!) + reorderMs <= newest || buffer.size > maxBuffered)
      ) {
        await runStep();
      }
    }
    while (buffer.size > 0) await runStep();
    if (untimed.length > 0) {
      for (const event of untimed) this.put(event.raw, event.line);
      await this.settle();
    }
    await this.drain(this.clock.now() + horizonSeconds * 1000);
    return stats;
  }

  /** Runs pending timers in time order until none is left before `until`. */
  async drain(until: number): Promise<void> {
    await this.settle();
    for (;;) {
      if (this.approvalHold && (await this.approvalHold.wait(() => this.settle()))) continue;
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > until) return;
      this.cloudwatch.advanceTo(next);
      this.clock.advanceTo(next);
      await this.settle();
    }
  }

  async advanceTo(ms: number): Promise<void> {
    for (;;) {
      // An answered approval sets work off (and new timers): look at the timers again once it has settled.
      if (this.approvalHold && (await this.approvalHold.wait(() => this.settle()))) continue;
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > ms) break;
      this.cloudwatch.advanceTo(next);
      this.clock.advanceTo(next);
      await this.settle();
    }
    this.cloudwatch.advanceTo(ms);
    this.clock.advanceTo(ms);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.functions.values()].map((fn) => fn.close()));
    await this.sfn?.close();
    await this.http.close();
    await this.httpApis?.close();
    this.bus?.archive.close();
    await this.dynamo?.stop();
    await this.traces?.close();
    if (this.tablesDir && this.tablesDir !== this.options.tablesDir) {
      rmSync(this.tablesDir, { recursive: true, force: true });
    }
  }

  private async boot(): Promise<void> {
    const region = this.options.region ?? 'us-east-1';
    const accountId = this.options.accountId ?? '123456789012';
    if (this.options.tablesDir) {
      this.tablesDir = this.options.tablesDir;
      rmSync(this.tablesDir, { recursive: true, force: true });
      mkdirSync(this.tablesDir, { recursive: true });
    } else if (this.options.tablesOnDisk) {
      this.tablesDir = mkdtempSync(path.join(tmpdir(), 'sandbox-tables-'));
    }
    this.dynamo = await DynaliteThread.start(this.tablesDir);
    const dynamoUrl = this.dynamo.url;
    this.dynamodb = new DynamoDBClient({
      endpoint: dynamoUrl,
      region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    this.endpoint = await this.http.listen();
    this.http2Endpoint = await this.http.listenHttp2();
    this.template = loadTemplate(this.options.assemblyDir, { region, accountId, endpoint: this.endpoint });
    if (this.options.traces) {
      const options = typeof this.options.traces === 'object' ? this.options.traces : {};
      this.traces = await SandboxTracing.start(this.clock, options);
      const traces = this.traces;
      this.http.restRoute('/traces', (method, path) => traces.handle(method, path));
    }
    if (this.options.logDir) mkdirSync(this.options.logDir, { recursive: true });

    await this.createTables();
    this.serveSessions(region, accountId);
    this.createQueues();
    this.createFunctions(dynamoUrl, region);
    this.applyFaults();
    this.createStepFunctions(region, accountId);
    this.createBus(region, accountId);
    this.cloudwatch = new LocalCloudWatch(templateAlarms(this.template), this.clock.now());
    this.cloudwatch.addSampler(queueMetrics(this.sqs));
    this.cloudwatch.addSampler(executionMetrics(this.sfn));
    if (this.options.holdForApprovals) {
      this.approvalHold = new ApprovalHold(this.options.holdForApprovals, () => this.sfn.pendingTaskTokens());
    }

    this.http.route({
      prefix: 'AWSEvents',
      jsonVersion: '1.1',
      handle: (op, body, traceHeader) => this.eventsApi.handle(op, body, traceHeader),
    });
    this.bedrock = new LocalBedrock({ throttleConverse: this.options.faults?.llmThrottle === true });
    this.http.restRoute('/bedrock', (method, path, body) => this.bedrock.handle(method, path, body));
    for (const [logicalId] of this.template.resourcesOfType('AWS::OpenSearchServerless::Collection')) {
      this.http.restRoute(`/aoss/${this.template.physicalName(logicalId)}`, (method, path, body) =>
        this.opensearch.handle(method, path, body),
      );
    }
    // Indexes the template declares exist before any function runs, as CloudFormation creates them.
    for (const [logicalId, resource] of this.template.resourcesOfType('AWS::OpenSearchServerless::Index')) {
      const properties = this.template.resolve(resource.Properties) as {
        IndexName: string;
        Settings?: unknown;
        Mappings?: unknown;
      };
      const created = this.opensearch.handle('PUT', `/${properties.IndexName}`, indexBodyOf(properties));
      if (created.status !== 200) {
        throw new Error(`${logicalId}: the index could not be created: ${JSON.stringify(created.body)}`);
      }
    }
    // AppConfig (local/appconfig.ts): a change the profile's validator refuses is reported and not served.
    this.appConfig = LocalAppConfig.fromTemplate(this.template, {
      files: this.options.appConfigFiles,
      onRefused: (profile, reason) => console.warn(`AppConfig ${profile}: ${reason}`),
    });
    this.http.restRoute('/appconfigdata', (method, path, body) => this.appConfig.handle(method, path, body));
    // CloudWatch's API (AWS JSON 1.0): what the functions read back of their metrics.
    this.http.route({
      prefix: 'GraniteServiceVersion20100801',
      jsonVersion: '1.0',
      handle: (op, body) => {
        if (op !== 'GetMetricData') {
          throw Object.assign(new Error(`The sandbox's CloudWatch serves GetMetricData only, not ${op}.`), {
            name: 'UnknownOperationException',
          });
        }
        return getMetricData(this.cloudwatch.store, body);
      },
    });
    this.http.route({
      prefix: 'AmazonSQS',
      jsonVersion: '1.0',
      handle: (op, body, traceHeader) => this.sqs.handleApiRequest(op, body, traceHeader),
    });
    this.http.route({
      prefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      handle: (op, body) => this.sfn.handleApiRequest(`AWSStepFunctions.${op}`, body),
    });
    this.httpApis = await LocalHttpApis.start({
      template: this.template,
      activity: this.activity,
      sts: this.sts,
      invoke: (functionArn, event) => this.invokeSync(functionArn, event),
    });
  }

  private async createTables(): Promise<void> {
    const tables = [
      ...this.template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
      ...this.template.resourcesOfType('AWS::DynamoDB::Table'),
    ];
    for (const [logicalId, resource] of tables) {
      const p = resource.Properties ?? {};
      const indexes = (p.GlobalSecondaryIndexes ?? []) as {
        IndexName: string;
        KeySchema: unknown;
        Projection: unknown;
      }[];
      const input = {
        TableName: this.template.physicalName(logicalId),
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(indexes.length > 0
          ? {
              GlobalSecondaryIndexes: indexes.map((i) => ({
                IndexName: i.IndexName,
                KeySchema: i.KeySchema,
                Projection: i.Projection,
              })),
            }
          : {}),
      } as CreateTableCommandInput;
      await this.dynamodb.send(new CreateTableCommand(input));
    }
  }

  /**
   * STS AssumeRole on the endpoint (query protocol), checked against the template's trust and identity
   * policies, and DynamoDB requests made with the sessions it issues authorized by the session role's policies
   * with the session's tags (local/iam/).
   */
  private serveSessions(region: string, accountId: string): void {
    const evaluator = new PolicyEvaluator(accountId);
    this.sts = new LocalSts(new TemplateIam(this.template), evaluator, accountId);
    this.http.queryRoute('sts', async (params, callerKeyId) => {
      try {
        return { status: 200, xml: await this.sts.handle(params, callerKeyId) };
      } catch (error) {
        if (!(error instanceof StsError)) throw error;
        return { status: error.status, xml: LocalSts.errorXml(error.code, error.message) };
      }
    });
    const authorizer = new DynamoDbAuthorizer(this.sts, evaluator, tableKeysOf(this.template), {
      region,
      accountId,
    });
    this.dynamo!.authorizeSessionsWith((request) => authorizer.authorize(request));
  }

  private createQueues(): void {
    const queues = this.template.resourcesOfType('AWS::SQS::Queue');
    for (const [logicalId, resource] of queues) {
      const visibility = Number(resource.Properties?.VisibilityTimeout ?? 30);
      this.sqs.add(
        new LocalQueue(
          this.template.physicalName(logicalId),
          this.template.arn(logicalId),
          this.template.queueUrl(logicalId),
          visibility,
          this.clock,
        ),
      );
    }
    for (const [logicalId, resource] of queues) {
      const redrive = this.template.resolve(resource.Properties?.RedrivePolicy) as
        { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
      if (!redrive) continue;
      const queue = this.sqs.byArnOrUrl(this.template.arn(logicalId))!;
      const deadLetterQueue = this.sqs.byArnOrUrl(redrive.deadLetterTargetArn);
      if (deadLetterQueue)
        queue.redrive = { deadLetterQueue, maxReceiveCount: Number(redrive.maxReceiveCount) };
    }
  }

  private createFunctions(dynamoUrl: string, region: string): void {
    // Environment sizes are measured with queue URLs as AWS spells them, not with the sandbox's loopback address
    // (whose port varies). Referenced names stay the sandbox's (logical ids), which are shorter than the names
    // CloudFormation generates: a function within a few dozen bytes per reference of 4 KB may pass here only.
    const awsShaped = new ResolvedTemplate(
      this.template.template,
      { ...this.template.env, endpoint: `https://sqs.${region}.amazonaws.com` },
      this.template.assemblyDir,
    );
    for (const [logicalId, resource] of this.template.resourcesOfType('AWS::Lambda::Function')) {
      const p = resource.Properties ?? {};
      const templateVariables = (p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {};
      const variables = this.template.resolve(templateVariables) as Record<string, unknown>;
      const functionName = this.template.physicalName(logicalId);
      const memorySize = Number(p.MemorySize ?? 128);
      const timeoutSeconds = Number(p.Timeout ?? 3);
      // CreateFunction refuses a function whose variables exceed 4 KB (the ones the sandbox adds are Lambda's own).
      checkEnvironmentSize(functionName, asEnvironment(awsShaped.resolve(templateVariables)));
      const environment: Record<string, string> = {
        ...asEnvironment(variables),
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        // Signed as the function's role: STS knows the caller by its access key id.
        AWS_ACCESS_KEY_ID: this.sts.accessKeyFor(String(this.template.resolve(p.Role))) ?? 'sandbox',
        AWS_SECRET_ACCESS_KEY: 'sandbox',
        AWS_ENDPOINT_URL_STS: this.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
        AWS_ENDPOINT_URL_EVENTBRIDGE: this.endpoint,
        AWS_ENDPOINT_URL_SFN: this.endpoint,
        AWS_ENDPOINT_URL_SQS: this.endpoint,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `${this.http2Endpoint}/bedrock`,
        AWS_ENDPOINT_URL_APPCONFIGDATA: `${this.endpoint}/appconfigdata`,
        AWS_ENDPOINT_URL_CLOUDWATCH: this.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_LAMBDA_FUNCTION_NAME: functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        TZ: 'UTC',
      };
      const codeDir = this.template.assetDir(logicalId);
      const handler = typeof p.Handler === 'string' ? p.Handler : 'index.handler';
      // X-Ray (option `traces`): the function's TracingConfig decides, as on AWS.
      const mode = (p.TracingConfig as { Mode?: unknown } | undefined)?.Mode;
      const tracingMode = mode === 'Active' || mode === 'PassThrough' ? mode : undefined;
      const traces = tracingMode ? this.traces : undefined;
      if (traces) Object.assign(environment, traces.functionEnvironment(codeDir, handler));
      const fn = new LocalFunction(
        {
          functionName,
          functionArn: this.template.arn(logicalId),
          codeDir,
          handler,
          timeoutSeconds,
          memorySize,
          environment,
        },
        this.options.logDir ? path.join(this.options.logDir, `${functionName}.log`) : undefined,
      );
      // Powertools Metrics writes EMF records to stdout: CloudWatch reads them at the invocation's virtual time.
      fn.onStdout = (line) => this.cloudwatch?.ingestLog(line, this.clock.now());
      if (traces && tracingMode) fn.tracing = traces.forFunction(fn.config, tracingMode);
      this.functions.set(logicalId, fn);
    }
    for (const [, resource] of this.template.resourcesOfType('AWS::Lambda::EventInvokeConfig')) {
      const p = this.template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const destination = (p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
        ?.OnFailure?.Destination;
      this.asyncConfigs.set(String(p.FunctionName), {
        maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? 2),
        maximumEventAgeSeconds: Number(p.MaximumEventAgeInSeconds ?? 21_600),
        onFailureArn: destination,
      });
    }
    for (const [, resource] of this.template.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
      const p = this.template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const queue = this.sqs.byArnOrUrl(String(p.EventSourceArn));
      const fn = this.functionNamed(String(p.FunctionName));
      if (!queue || !fn) continue;
      this.mappings.push(
        new SqsEventSourceMapping(
          queue,
          fn,
          {
            batchSize: Number(p.BatchSize ?? 10),
            batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
            reportBatchItemFailures: ((p.FunctionResponseTypes ?? []) as string[]).includes(
              'ReportBatchItemFailures',
            ),
            region,
          },
          this.activity,
          this.clock,
          (result, messages, failed) => {
            this.noteResult(fn, result);
            const ids = (list: readonly { body: string; eventId?: string }[]) =>
              list.map((m) => m.eventId ?? eventIdOf(m.body)).filter((id): id is string => id !== undefined);
            this.accounting.delivered(
              consumerName(fn),
              ids(messages.filter((m) => !failed.has(m.messageId))),
              {
                ids: ids(messages.filter((m) => failed.has(m.messageId))),
                error: result.ok
                  ? 'reported as a batch item failure'
                  : `${result.errorType}: ${result.errorMessage}`,
              },
            );
          },
        ),
      );
      this.consumerOfQueue.set(queue.arn, fn);
    }
  }

  private applyFaults(): void {
    const { slowConsumer, lambdaTimeout } = this.options.faults ?? {};
    if (slowConsumer) {
      const fn = this.functionByService(slowConsumer.service);
      const invoke = fn.invoke.bind(fn);
      fn.invoke = async (event, invocationType, trace) => {
        const result = await invoke(event, invocationType, trace);
        const now = this.clock.now();
        this.faultStartedAt ??= now;
        if (now >= this.faultStartedAt + slowConsumer.forSeconds * 1000) return result;
        const records = (event as { Records?: unknown } | null)?.Records;
        const seconds = slowConsumer.secondsPerRecord * (Array.isArray(records) ? records.length : 1);
        // The work takes virtual time: the caller (the queue's poller) waits, off the activity count, so the
        // clock can move on to when it is done.
        this.activity.end();
        await new Promise<void>((resolve) => this.clock.setTimer(now + seconds * 1000, resolve));
        this.activity.begin();
        return result;
      };
    }
    if (lambdaTimeout) {
      const fn = this.functionByService(lambdaTimeout.service);
      fn.config = { ...fn.config, hangEveryOther: true, hangTimeoutSeconds: lambdaTimeout.timeoutSeconds };
      const { forSeconds } = lambdaTimeout;
      if (forSeconds !== undefined) {
        const invoke = fn.invoke.bind(fn);
        fn.invoke = (event, invocationType) => {
          if (this.faultStartedAt === undefined) {
            this.faultStartedAt = this.clock.now();
            this.clock.setTimer(this.faultStartedAt + forSeconds * 1000, () => {
              fn.config = { ...fn.config, hangEveryOther: false };
            });
          }
          return invoke(event, invocationType);
        };
      }
    }
  }

  /** Where every routed event ended up, per consumer (agents and state machines). */
  accountingReport(): ConsumerAccount[] {
    return this.accounting.consumers().map((consumer) => {
      const fn = [...this.functions.values()].find((f) => consumerName(f) === consumer);
      const idsIn = (queue: LocalQueue | undefined) =>
        new Set(
          (queue?.messages ?? [])
            .map((m) => eventIdOf(m.body))
            .filter((id): id is string => id !== undefined),
        );
      const dlqUrl = fn?.config.environment.DEAD_LETTER_QUEUE_URL;
      const source = [...this.consumerOfQueue].find(([, f]) => f === fn)?.[0];
      return this.accounting.account(
        consumer,
        idsIn(dlqUrl ? this.sqs.byArnOrUrl(dlqUrl) : undefined),
        idsIn(source ? this.sqs.byArnOrUrl(source) : undefined),
      );
    });
  }

  private createStepFunctions(region: string, accountId: string): void {
    this.sfn = new LocalStepFunctions(
      {
        clock: this.clock,
        dynamodb: this.dynamodb,
        invokeLambda: (arn, payload, traceHeader) => this.invokeSync(arn, payload, traceHeader),
        putEvents: (entries) => Promise.resolve(this.bus.putEvents(entries)),
      },
      { region, accountId },
    );
    this.sfn.tracing = this.traces?.forStepFunctions();
    for (const [logicalId, resource] of this.template.resourcesOfType('AWS::StepFunctions::StateMachine')) {
      const p = resource.Properties ?? {};
      let definition = str(this.template.resolve(p.DefinitionString ?? p.Definition));
      const substitutions = this.template.resolve(p.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(substitutions))
        definition = definition.split(`\${${key}}`).join(String(value));
      this.sfn.createStateMachine({
        stateMachineArn: this.template.arn(logicalId),
        name: this.template.physicalName(logicalId),
        definition,
        type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
        tracingEnabled: (p.TracingConfiguration as { Enabled?: unknown } | undefined)?.Enabled === true,
      });
    }
  }

  private createBus(region: string, accountId: string): void {
    const buses = this.template.resourcesOfType('AWS::Events::EventBus');
    if (buses.length !== 1)
      throw new Error(`the sandbox runs one custom event bus; the template has ${buses.length}`);
    const [busId] = buses[0]!;
    this.bus = new LocalEventBus(
      this.template.physicalName(busId),
      this.template.arn(busId),
      { region, accountId },
      this.clock,
      this.activity,
      async (target, input, event) => {
        const times = this.options.faults?.duplicateDelivery ? 2 : 1;
        const traceHeader = this.bus.traceHeaderOf(event);
        for (let i = 0; i < times; i++) await this.dispatch(target, input, event.id, traceHeader);
      },
      (arn, event, reason) => {
        this.cloudwatch.put(
          {
            namespace: 'AWS/Events',
            metricName: 'FailedInvocations',
            dimensions: { EventBusName: this.bus.name, RuleName: reason.ruleArn.split('/').pop()! },
          },
          1,
          this.clock.now(),
        );
        this.sendOrDrop(arn, event.id, `${reason.errorCode}: ${reason.errorMessage}`, JSON.stringify(event), {
          RULE_ARN: { DataType: 'String', StringValue: reason.ruleArn },
          TARGET_ARN: { DataType: 'String', StringValue: reason.targetArn },
          ERROR_CODE: { DataType: 'String', StringValue: reason.errorCode },
          ERROR_MESSAGE: { DataType: 'String', StringValue: reason.errorMessage },
        });
      },
    );
    this.bus.tracing = this.traces?.forBus(this.bus.name);
    for (const [logicalId, resource] of this.template.resourcesOfType('AWS::Events::Rule')) {
      const p = this.template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      if (p.EventBusName !== this.bus.name && p.EventBusName !== this.bus.arn) continue;
      if (p.State === 'DISABLED' || !p.EventPattern) continue;
      const targets = ((p.Targets ?? []) as Record<string, unknown>[]).map((t): RuleTarget => ({
        id: String(t.Id),
        arn: String(t.Arn),
        input: t.Input as string | undefined,
        inputPath: t.InputPath as string | undefined,
        inputTransformer: t.InputTransformer
          ? {
              inputPathsMap: (t.InputTransformer as { InputPathsMap?: Record<string, string> }).InputPathsMap,
              inputTemplate: String((t.InputTransformer as { InputTemplate: string }).InputTemplate),
            }
          : undefined,
        maximumRetryAttempts: Number(
          (t.RetryPolicy as { MaximumRetryAttempts?: number } | undefined)?.MaximumRetryAttempts ?? 185,
        ),
        maximumEventAgeSeconds: Number(
          (t.RetryPolicy as { MaximumEventAgeInSeconds?: number } | undefined)?.MaximumEventAgeInSeconds ??
            86_400,
        ),
        deadLetterArn: (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
      }));
      const kept = targets.filter((target) => this.consumerWanted(target.arn));
      if (kept.length > 0)
        this.bus.addRule(typeof p.Name === 'string' ? p.Name : logicalId, p.EventPattern, kept);
    }
    const archives = this.template.resourcesOfType('AWS::Events::Archive').map(([logicalId, resource]) => {
      const p = this.template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const name = typeof p.ArchiveName === 'string' ? p.ArchiveName : logicalId;
      return {
        name,
        arn: `arn:aws:events:${region}:${accountId}:archive/${name}`,
        pattern: archivePattern(p.EventPattern),
        retentionDays: Number(p.RetentionDays ?? 0),
      };
    });
    this.eventsApi = new EventBridgeApi(this.bus, archives, { region, accountId });
  }

  /** Whether `onlyConsumers` lets a rule target through. */
  private consumerWanted(arn: string): boolean {
    const only = this.options.onlyConsumers;
    if (!only) return true;
    const queue = this.sqs.byArnOrUrl(arn);
    const fn = queue ? this.consumerOfQueue.get(queue.arn) : this.functionNamed(arn);
    const name = fn ? consumerName(fn) : arn.split(':').pop()!;
    return only.includes(name);
  }

  private functionNamed(reference: string): LocalFunction | undefined {
    const logicalId = this.template.logicalIdOf(reference.replace(/:\$LATEST$/, ''));
    return logicalId ? this.functions.get(logicalId) : undefined;
  }

  private noteResult(fn: LocalFunction, result: InvokeResult): void {
    if (!result.ok) {
      const dimensions = { FunctionName: fn.config.functionName };
      this.cloudwatch.put({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions }, 1, this.clock.now());
      this.invocationErrors.push({
        functionName: fn.config.functionName,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
      });
    }
  }

  /** Delivers a rule's target input: SQS SendMessage, Lambda asynchronous invoke, or StartExecution. */
  private dispatch(target: RuleTarget, input: string, eventId: string, traceHeader?: string): Promise<void> {
    const service = target.arn.split(':')[2];
    const missing = (what: string) =>
      Promise.reject(
        Object.assign(new Error(`no ${what} ${target.arn}`), { name: 'ResourceNotFoundException' }),
      );
    if (service === 'sqs') {
      const queue = this.sqs.byArnOrUrl(target.arn);
      if (!queue) return missing('queue');
      const consumer = this.consumerOfQueue.get(queue.arn);
      this.accounting.route(consumer ? consumerName(consumer) : queue.name, eventId);
      queue.send(input, {}, eventId, traceHeader);
      return Promise.resolve();
    }
    if (service === 'lambda') {
      const fn = this.functionNamed(target.arn);
      if (!fn) return missing('function');
      this.accounting.route(consumerName(fn), eventId);
      // Lambda refuses an oversized event at Invoke (413), before queuing it: EventBridge sees the refusal.
      const refused = payloadTooLarge(Buffer.byteLength(input, 'utf8'), 'Event');
      if (refused) return Promise.reject(refused);
      this.invokeAsync(fn, JSON.parse(input) as unknown, Date.now(), 0, traceHeader);
      return Promise.resolve();
    }
    if (service === 'states') {
      const machine = target.arn.split(':').pop()!;
      this.accounting.route(machine, eventId);
      this.sfn.startExecution({
        stateMachineArn: target.arn,
        input,
        ...(traceHeader ? { traceHeader } : {}),
      });
      this.accounting.delivered(machine, [eventId], { ids: [] });
      return Promise.resolve();
    }
    return Promise.reject(
      Object.assign(new Error(`the sandbox cannot deliver to ${target.arn}`), { name: 'UnsupportedTarget' }),
    );
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
    const config = this.asyncConfigs.get(fn.config.functionName) ?? {
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 21_600,
    };
    this.activity.begin();
    void fn
      .invoke(event, 'Event', traceHeader === undefined ? undefined : { header: traceHeader })
      .then((result) => {
        const eventId = eventIdOf(JSON.stringify(event));
        const ids = eventId ? [eventId] : [];
        if (result.ok) {
          this.accounting.delivered(consumerName(fn), ids, { ids: [] });
          return;
        }
        this.accounting.delivered(consumerName(fn), [], {
          ids,
          error: `${result.errorType}: ${result.errorMessage}`,
        });
        this.noteResult(fn, result);
        if (attempt < config.maximumRetryAttempts) {
          this.clock.setTimer(this.clock.now() + (attempt + 1) * 60_000, () =>
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
            timestamp: this.clock.iso(),
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
        this.droppedDeliveries.push({
          destination: fn.config.functionArn,
          reason: `${error.name}: ${error.message}`,
        });
      })
      .finally(() => this.activity.end());
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
      this.sqs.byArnOrUrl(destination)?.send(body, attributes);
    } catch (error) {
      this.droppedDeliveries.push({
        destination,
        ...(eventId === undefined ? {} : { eventId }),
        reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        cause,
      });
    }
  }

  private async invokeSync(functionArn: string, payload: unknown, traceHeader?: string): Promise<unknown> {
    const fn = this.functionNamed(functionArn);
    if (!fn)
      throw Object.assign(new Error(`Function not found: ${functionArn}`), {
        name: 'Lambda.ResourceNotFoundException',
      });
    let result: InvokeResult;
    try {
      result = await this.activity.track(() =>
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
}
