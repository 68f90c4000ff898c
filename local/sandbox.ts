import './polyfills';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeliveryAccounting, eventIdOf, type ConsumerAccount } from './accounting';
import { Activity } from './activity';
import { LocalHttpApis } from './apigateway/http-api';
import { ApprovalHold } from './approval-hold';
import { LocalAppConfig } from './appconfig';
import { VirtualClock } from './clock';
import { getMetricData } from './cloudwatch/get-metric-data';
import { LocalCloudWatch } from './cloudwatch/local-cloudwatch';
import { executionMetrics, queueMetrics } from './cloudwatch/stand-in-metrics';
import { templateAlarms } from './cloudwatch/template-alarms';
import { DynaliteThread } from './dynamodb/dynalite-thread';
import { LocalBedrock } from './bedrock/local-bedrock';
import { LocalEndpoint } from './endpoint';
import { DynamoDbAuthorizer, tableKeysOf } from './iam/dynamodb-authorizer';
import { LocalSts, StsError } from './iam/local-sts';
import { PolicyEvaluator } from './iam/policy-evaluator';
import { TemplateIam } from './iam/template-iam';
import { indexBodyOf, LocalOpenSearch } from './opensearch';
import { EventBridgeApi } from './eventbridge/api';
import { LocalEventBus, type RuleTarget } from './eventbridge/bus';
import {
  LambdaApiError,
  LocalFunction,
  checkEnvironmentSize,
  payloadTooLarge,
  type InvokeResult,
} from './lambda/local-function';
import { replayByEventTime } from './event-time-replay';
import { LocalQueue, LocalSqs, SqsEventSourceMapping, type MessageAttribute } from './sqs';
import { LocalStepFunctions } from './stepfunctions/local-step-functions';
import { loadTemplate, ResolvedTemplate } from './template';
import { SandboxTracing } from './xray/sandbox-tracing';
import { createTemplateQueues } from './template-queues';
import { asEnvironment, sandboxFunctionEnvironment } from './function-environment';
import { templateAsyncInvokeConfigs } from './template-async-invoke';
import { templateArchives, templateRules } from './template-rules';
import { createTemplateStateMachines } from './template-state-machines';
import { createTemplateTables } from './template-tables';
import type {
  AsyncInvokeConfig,
  DroppedDelivery,
  RejectedInput,
  ReplayEvent,
  ReplayOptions,
  ReplayStats,
  SandboxOptions,
} from './sandbox-options';

// The options and records callers name come from here, as before the split.
export type * from './sandbox-options';

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

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
   * Replays events in event-time order on the virtual clock, step by step, then lets pending timers run out within
   * `horizonSeconds` (local/event-time-replay.ts: reordering, late and untimed events).
   */
  replay(
    events: Iterable<ReplayEvent> | AsyncIterable<ReplayEvent>,
    stepSeconds = 60,
    horizonSeconds = 86_400,
    options: ReplayOptions = {},
  ): Promise<ReplayStats> {
    return replayByEventTime(
      {
        put: (raw, line) => this.put(raw, line),
        advanceTo: (ms) => this.advanceTo(ms),
        settle: () => this.settle(),
        drain: (until) => this.drain(until),
        now: () => this.clock.now(),
      },
      events,
      stepSeconds,
      horizonSeconds,
      options,
    );
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
    await createTemplateTables(this.template, this.dynamodb);
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
    createTemplateQueues(this.template, this.sqs, this.clock);
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
      const environment = sandboxFunctionEnvironment(asEnvironment(variables), {
        region,
        functionName,
        memorySize,
        // Signed as the function's role: STS knows the caller by its access key id.
        accessKeyId: this.sts.accessKeyFor(String(this.template.resolve(p.Role))) ?? 'sandbox',
        endpoint: this.endpoint,
        http2Endpoint: this.http2Endpoint,
        dynamoUrl,
      });
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
    for (const [functionName, config] of templateAsyncInvokeConfigs(this.template)) {
      this.asyncConfigs.set(functionName, config);
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
    createTemplateStateMachines(this.template, this.sfn);
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
    for (const rule of templateRules(this.template, this.bus)) {
      const kept = rule.targets.filter((target) => this.consumerWanted(target.arn));
      if (kept.length > 0) this.bus.addRule(rule.name, rule.pattern, kept);
    }
    const archives = templateArchives(this.template, region, accountId);
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
