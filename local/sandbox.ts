import './polyfills';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync, rmSync } from 'node:fs';
import { DeliveryAccounting, eventIdOf, type ConsumerAccount } from './accounting';
import { Activity } from './activity';
import { LocalHttpApis } from './apigateway/http-api';
import { LocalWebSocketApis } from './apigateway/websocket-apis';
import { ApprovalHold } from './approval-hold';
import { LocalCognito } from './cognito/local-cognito';
import { distributionOrigins } from './distribution-origins';
import { LocalAppConfig } from './appconfig';
import { VirtualClock } from './clock';
import { getMetricData } from './cloudwatch/get-metric-data';
import { alarmNotificationsOf } from './cloudwatch/alarm-actions';
import { targetKey, targetPermissionsOf, type TargetPermission } from './eventbridge/target-permissions';
import { LocalCloudWatch } from './cloudwatch/local-cloudwatch';
import { executionMetrics, queueMetrics } from './cloudwatch/stand-in-metrics';
import { templateAlarms } from './cloudwatch/template-alarms';
import { DynaliteThread } from './dynamodb/dynalite-thread';
import { LocalBedrock } from './bedrock/local-bedrock';
import { LocalEndpoint } from './endpoint';
import { DynamoDbAuthorizer, tableKeysOf } from './iam/dynamodb-authorizer';
import { LocalSts, StsError } from './iam/local-sts';
import { PolicyEvaluator, type Decision } from './iam/policy-evaluator';
import { TemplateIam } from './iam/template-iam';
import { LocalOpenSearch } from './opensearch';
import { ownedTempDir } from './owned-temp-dir';
import { EventBridgeApi } from './eventbridge/api';
import { LocalEventBus } from './eventbridge/bus';
import { replayByEventTime } from './event-time-replay';
import { FaultInjection } from './fault-injection';
import type { LocalFunction } from './lambda/local-function';
import { LocalQueue, LocalSqs, SqsEventSourceMapping } from './sqs';
import { LocalStepFunctions } from './stepfunctions/local-step-functions';
import { consumerName, TargetDelivery } from './target-delivery';
import { loadTemplate, ResolvedTemplate } from './template';
import { SandboxTracing } from './xray/sandbox-tracing';
import { createTemplateQueues } from './template-queues';
import { templateAsyncInvokeConfigs } from './template-async-invoke';
import { createTemplateMappings } from './template-event-source-mappings';
import { createTemplateFunctions } from './template-functions';
import { createTemplateIndexes } from './template-indexes';
import { templateArchives, templateRules } from './template-rules';
import { createTemplateStateMachines } from './template-state-machines';
import { createTemplateTables } from './template-tables';
import type {
  AsyncInvokeConfig,
  DroppedDelivery,
  InvocationError,
  RejectedInput,
  ReplayEvent,
  ReplayOptions,
  ReplayStats,
  SandboxOptions,
} from './sandbox-options';

// The options and records callers name come from here, as before the split.
export type * from './sandbox-options';

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

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
  readonly invocationErrors: InvocationError[] = [];
  /** Dead-letter and on-failure records their queue refused (too large for SQS): AWS drops them, with a metric. */
  readonly droppedDeliveries: DroppedDelivery[] = [];
  readonly accounting = new DeliveryAccounting();
  private readonly consumerOfQueue = new Map<string, LocalFunction>();
  opensearch!: LocalOpenSearch;
  bedrock!: LocalBedrock;
  /** CloudWatch: the functions' EMF metrics and the stand-ins' AWS metrics; the template's alarms evaluated. */
  cloudwatch!: LocalCloudWatch;
  /** Delivery to rule targets, Lambda destinations and Step Functions' invokes (local/target-delivery.ts). */
  private readonly delivery: TargetDelivery;
  private faults?: FaultInjection;
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
  /** The template's WebSocket APIs, on the endpoint under `/execute-api/`: `webSocketApis.stages` lists their URLs. */
  webSocketApis?: LocalWebSocketApis;
  /** Cognito (local/cognito/): the template's user pool, hosted sign-in and identity pool, on the endpoint. */
  cognito: LocalCognito | undefined;
  /** DynamoDB (dynalite in its own thread): its request counts and heap, for reports. */
  dynamo?: DynaliteThread;
  private tablesDir?: string;
  private approvalHold?: ApprovalHold;
  /** X-Ray (option `traces`): the collected segments, `traces.incident(correlationId)`. */
  traces?: SandboxTracing;

  private constructor(private readonly options: SandboxOptions) {
    this.clock = new VirtualClock(options.startTime);
    this.http = new LocalEndpoint(this.activity);
    this.delivery = new TargetDelivery({
      clock: this.clock,
      activity: this.activity,
      sqs: this.sqs,
      accounting: this.accounting,
      asyncConfigs: this.asyncConfigs,
      consumerOfQueue: this.consumerOfQueue,
      functionNamed: (reference) => this.functionNamed(reference),
      startExecution: (input) => this.sfn.startExecution(input),
      putMetric: (metric, value) => this.cloudwatch.put(metric, value, this.clock.now()),
      invocationErrors: this.invocationErrors,
      droppedDeliveries: this.droppedDeliveries,
    });
  }

  /** Virtual time at which a time-boxed fault first acted (the slow or hanging agent's first invocation). */
  get faultStartedAt(): number | undefined {
    return this.faults?.startedAt;
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
        ...(line === undefined ? {} : { line }),
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
    await this.runTimersThrough(until);
  }

  async advanceTo(ms: number): Promise<void> {
    await this.runTimersThrough(ms);
    this.cloudwatch.advanceTo(ms);
    this.clock.advanceTo(ms);
  }

  /** Runs the timers due at or before `until` in time order, each at its time, settling after each. */
  private async runTimersThrough(until: number): Promise<void> {
    for (;;) {
      // An answered approval sets work off (and new timers): look at the timers again once it has settled.
      if (this.approvalHold && (await this.approvalHold.wait(() => this.settle()))) continue;
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > until) return;
      this.cloudwatch.advanceTo(next);
      this.clock.advanceTo(next);
      await this.settle();
    }
  }

  async stop(): Promise<void> {
    // Before the functions stop: the consoles' connections close without $disconnect.
    this.webSocketApis?.close();
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
      this.tablesDir = ownedTempDir('sandbox-tables-');
    }
    const dynamo = await DynaliteThread.start(this.tablesDir);
    this.dynamo = dynamo;
    const dynamoUrl = dynamo.url;
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
    // The template's roles and one IAM evaluator serve every permission the sandbox decides: STS and task sessions,
    // Step Functions' Task calls, EventBridge's deliveries and the alarms' notifications.
    const iam = new TemplateIam(this.template);
    const evaluator = new PolicyEvaluator(accountId);
    this.serveSessions(dynamo, region, accountId, iam, evaluator);
    this.cognito = await LocalCognito.fromTemplate(this.template, {
      sts: this.sts,
      rewriteUrl: distributionOrigins(this.template, this.options.consoleOrigin),
    });
    this.cognito?.mount(this.http);
    this.createQueues();
    this.createFunctions(dynamoUrl, region);
    this.faults = new FaultInjection(this.options.faults ?? {}, this);
    this.createStepFunctions(region, accountId, iam, evaluator);
    this.createBus(region, accountId, await targetPermissionsOf(this.template, iam, evaluator));
    this.cloudwatch = new LocalCloudWatch(
      templateAlarms(this.template),
      this.clock.now(),
      await alarmNotificationsOf(this.template, evaluator),
    );
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
    const [collection] = this.template.resourcesOfType('AWS::OpenSearchServerless::Collection');
    const collectionType = collection?.[1].Properties?.Type;
    this.opensearch = new LocalOpenSearch(
      collectionType === 'SEARCH' || collectionType === 'TIMESERIES' ? collectionType : 'VECTORSEARCH',
    );
    for (const [logicalId] of this.template.resourcesOfType('AWS::OpenSearchServerless::Collection')) {
      this.http.restRoute(`/aoss/${this.template.physicalName(logicalId)}`, (method, path, body) =>
        this.opensearch.handle(method, path, body),
      );
    }
    // Indexes the template declares exist before any function runs, as CloudFormation creates them.
    createTemplateIndexes(this.template, this.opensearch);
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
      invoke: (functionArn, event) => this.delivery.invokeSync(functionArn, event),
      rewriteUrl: distributionOrigins(this.template, this.options.consoleOrigin),
    });
    this.webSocketApis = LocalWebSocketApis.start({
      template: this.template,
      activity: this.activity,
      sts: this.sts,
      mount: this.http,
      endpointUrl: this.endpoint,
      invoke: (functionArn, event) => this.delivery.invokeSync(functionArn, event),
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
  private serveSessions(
    dynamo: DynaliteThread,
    region: string,
    accountId: string,
    iam: TemplateIam,
    evaluator: PolicyEvaluator,
  ): void {
    this.sts = new LocalSts(iam, evaluator, accountId);
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
    dynamo.authorizeSessionsWith((request) => authorizer.authorize(request));
  }

  private createQueues(): void {
    createTemplateQueues(this.template, this.sqs, this.clock);
  }

  private createFunctions(dynamoUrl: string, region: string): void {
    const functions = createTemplateFunctions(this.template, {
      region,
      endpoint: this.endpoint,
      http2Endpoint: this.http2Endpoint,
      dynamoUrl,
      accessKeyFor: (roleArn) => this.sts.accessKeyFor(roleArn),
      traces: this.traces,
      logDir: this.options.logDir,
      // Powertools Metrics writes EMF records to stdout: CloudWatch reads them at the invocation's virtual time.
      onStdout: (line) => this.cloudwatch?.ingestLog(line, this.clock.now()),
    });
    for (const [logicalId, fn] of functions) this.functions.set(logicalId, fn);
    for (const [functionName, config] of templateAsyncInvokeConfigs(this.template)) {
      this.asyncConfigs.set(functionName, config);
    }
    const mappings = createTemplateMappings(this.template, {
      sqs: this.sqs,
      functionNamed: (reference) => this.functionNamed(reference),
      region,
      activity: this.activity,
      clock: this.clock,
      onResult: (fn, result, messages, failed) => this.delivery.batchResult(fn, result, messages, failed),
    });
    for (const { queue, fn, mapping } of mappings) {
      this.mappings.push(mapping);
      this.consumerOfQueue.set(queue.arn, fn);
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

  private createStepFunctions(
    region: string,
    accountId: string,
    iam: TemplateIam,
    evaluator: PolicyEvaluator,
  ): void {
    // Each Task state's call is authorized against the state machine's role, as AWS does: decided once per
    // (role, action, resource, condition keys), since the template's policies do not change while the sandbox runs.
    const decisions = new Map<string, Promise<Decision>>();
    const authorize = (
      roleArn: string,
      action: string,
      resource: string,
      context: Readonly<Record<string, string>>,
    ): Promise<Decision> => {
      const key = JSON.stringify([roleArn, action, resource, context]);
      let decision = decisions.get(key);
      if (!decision) {
        const role = iam.role(roleArn);
        // Condition keys as the request states them: one PutEvents entry has one source, which a policy's
        // StringEquals on events:source matches, as EventBridge's own examples use it — the simulator's service
        // reference would read that key as a set and match it against nothing.
        decision = Promise.resolve(
          role
            ? evaluator.evaluateAnyResource({
                principal: role.arn,
                action,
                resource,
                identityPolicies: role.identityPolicies,
                context,
              })
            : // A machine created through the API with a role the template does not hold: nothing to judge by.
              { allowed: true },
        );
        decisions.set(key, decision);
      }
      return decision;
    };
    this.sfn = new LocalStepFunctions(
      {
        clock: this.clock,
        dynamodb: this.dynamodb,
        invokeLambda: (arn, payload, traceHeader) => this.delivery.invokeSync(arn, payload, traceHeader),
        putEvents: (entries) => Promise.resolve(this.bus.putEvents(entries)),
        putMetricData: (namespace, data) => {
          for (const datum of data) {
            const dimensions = Object.fromEntries((datum.Dimensions ?? []).map((d) => [d.Name, d.Value]));
            this.cloudwatch.put(
              { namespace, metricName: datum.MetricName, dimensions },
              datum.Value ?? 0,
              this.clock.now(),
            );
          }
        },
        authorize,
      },
      { region, accountId },
    );
    this.sfn.tracing = this.traces?.forStepFunctions();
    createTemplateStateMachines(this.template, this.sfn);
  }

  private createBus(region: string, accountId: string, permissions: Map<string, TargetPermission>): void {
    const buses = this.template.resourcesOfType('AWS::Events::EventBus');
    const [bus] = buses;
    if (bus === undefined || buses.length !== 1)
      throw new Error(`the sandbox runs one custom event bus; the template has ${buses.length}`);
    const [busId] = bus;
    const busName = this.template.physicalName(busId);
    this.bus = new LocalEventBus(
      busName,
      this.template.arn(busId),
      { region, accountId },
      this.clock,
      this.activity,
      async (target, input, event) => {
        const times = this.options.faults?.duplicateDelivery ? 2 : 1;
        const traceHeader = this.bus.traceHeaderOf(event);
        for (let i = 0; i < times; i++) await this.delivery.dispatch(target, input, event.id, traceHeader);
      },
      this.delivery.deadLetterSink(busName),
    );
    this.bus.tracing = this.traces?.forBus(this.bus.name);
    for (const rule of templateRules(this.template, this.bus)) {
      // Each target as AWS's policies let EventBridge deliver to it and to its dead-letter queue.
      const kept = rule.targets
        .filter((target) => this.consumerWanted(target.arn))
        .map((target) => ({ ...target, ...permissions.get(targetKey(rule.name, target.id)) }));
      if (kept.length > 0) this.bus.addRule(rule.name, rule.pattern, kept);
    }
    const archives = templateArchives(this.template, region, accountId);
    this.eventsApi = new EventBridgeApi(this.bus, archives, { region, accountId }, () => this.clock.now());
  }

  /** Whether `onlyConsumers` lets a rule target through. */
  private consumerWanted(arn: string): boolean {
    const only = this.options.onlyConsumers;
    if (!only) return true;
    const queue = this.sqs.byArnOrUrl(arn);
    const fn = queue ? this.consumerOfQueue.get(queue.arn) : this.functionNamed(arn);
    const name = fn ? consumerName(fn) : arn.slice(arn.lastIndexOf(':') + 1);
    return only.includes(name);
  }

  private functionNamed(reference: string): LocalFunction | undefined {
    const logicalId = this.template.logicalIdOf(reference.replace(/:\$LATEST$/, ''));
    return logicalId ? this.functions.get(logicalId) : undefined;
  }
}
