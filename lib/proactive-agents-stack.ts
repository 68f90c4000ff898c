import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { commandAnswers, sources } from '../lambdas/domain/contracts/registry';
import { AgentFunction } from './agent-function';
import { grantModelInvoke } from './bedrock-model-access';
import { EventBackbone } from './event-backbone';
import { Governance } from './governance';
import { InteractionApi } from './interaction-api';
import { LiveEventsApi } from './live-events-api';
import { Memory, type SemanticDocumentPermission } from './memory';
import { Operations } from './operations';
import { OperatorConsole } from './operator-console';
import { ReasonerGuardrail } from './reasoner-guardrail';
import { RecoveryWatch } from './recovery-watch';
import { RemediationSaga } from './remediation-saga';
import { TaskExecutionRole } from './task-execution-role';

export interface ProactiveAgentsStackProps extends StackProps {
  /** @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /** Overrides of the monitoring detector's thresholds, passed to the agent as JSON. @default - the detector's defaults */
  readonly detectorConfig?: Record<string, number> | undefined;
  /**
   * What a warehouse first seen in orders is assumed to have until a `warehouse_updated` describes it.
   * @default - 1,000 open orders, 1,000 cents per order to each region it ships to
   */
  readonly networkDefaults?: { readonly capacity: number; readonly shippingCostCents: number };
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Bedrock model or cross-Region inference profile the reasoner calls through Converse with tool use (current
   * Anthropic models on Bedrock are served through profiles: `global.…`, or `us.`/`eu.`/`apac.`… to keep
   * inference in one geography). The planning agent alone may invoke it. When Bedrock refuses it (retired,
   * not enabled, throttled), planning falls back to the rule planner and says why in the plan's evidence.
   * @default 'global.anthropic.claude-haiku-4-5-20251001-v1:0'
   */
  readonly reasonerModelId?: string | undefined;
  /**
   * A Bedrock guardrail (prompt-attack and content filters) applied to every reasoner call.
   * @default false
   */
  readonly reasonerGuardrail?: boolean;
  /** Titan Text Embeddings v2 dimensions (256, 512 or 1024). @default 1024 */
  readonly embeddingDimensions?: number | undefined;
  /** Cosine similarity at or above which a procedural template is reused. @default 0.85 */
  readonly templateSimilarityThreshold?: number | undefined;
  /** Share of an hour's operator decisions overridden (rejected) at which the override-rate alarm fires. @default 0.25 */
  readonly overrideRateThreshold?: number | undefined;
}

/** Claude Haiku 4.5 through the global cross-Region inference profile (Active on Bedrock, December 2026). */
const DEFAULT_REASONER_MODEL_ID = 'global.anthropic.claude-haiku-4-5-20251001-v1:0';

const handlers = path.join(__dirname, '..', 'lambdas', 'handlers');
const orderEvents = { source: ['retail.orders'], detailType: ['order_placed', 'order_cancelled'] };

/** `ProactiveAgentsStaging` → `proactive-agents-staging`: lowercase words joined by hyphens. */
function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** Wires the platform: the stack holds no logic of its own. */
export class ProactiveAgentsStack extends Stack {
  public readonly backbone: EventBackbone;
  public readonly memory: Memory;
  public readonly saga: RemediationSaga;
  /** The policy decision point and its AppConfig configuration. */
  public readonly governance: Governance;
  /** Alarms (on by default), the operators' topic and the dashboard. */
  public readonly operations: Operations;
  /** The operator HTTP API (IAM-authorized): incidents, timelines, approvals, agents. */
  public readonly operatorApi: InteractionApi;
  /** The operator console: the built console on S3 behind CloudFront, reading the operator API. */
  public readonly operatorConsole: OperatorConsole;
  /** The hour after each remediation, measured against the incident's baseline (the ratio-back-to-baseline KPI). */
  public readonly recoveryWatch: RecoveryWatch;
  /** The console's push channel: a WebSocket API (IAM on $connect) fed with the platform's events. */
  public readonly liveEvents: LiveEventsApi;
  /** The roles the executing agents' tasks run with, in sessions tagged with each task (ABAC). */
  public readonly taskRoles: Record<'fulfillment' | 'operations', TaskExecutionRole>;
  public readonly agents: Record<
    | 'monitoring'
    | 'planning'
    | 'learning'
    | 'orderBook'
    | 'network'
    | 'fulfillment'
    | 'sagaCallback'
    | 'approvalRecorder'
    | 'operations'
    | 'policy',
    AgentFunction
  >;

  constructor(scope: Construct, id: string, props: ProactiveAgentsStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // Named after the stack, so two stacks share an account: `ProactiveAgents` → `proactive-agents`.
    const prefix = kebabCase(this.stackName);
    this.backbone = new EventBackbone(this, 'Backbone', {
      busName: prefix,
      archiveRetention: props.archiveRetention,
      removalPolicy,
    });
    this.memory = new Memory(this, 'Memory', {
      namePrefix: prefix.slice(0, 19).replace(/-+$/, ''),
      removalPolicy,
      embeddingDimensions: props.embeddingDimensions,
    });
    const { bus, deadLetterQueue: ruleDeadLetterQueue } = this.backbone;
    const common = { bus, ruleDeadLetterQueue, logLevel: props.logLevel };
    // Before the agents and the saga: the saga asks its policy function before each task.
    this.governance = new Governance(this, 'Governance', {
      bus,
      ruleDeadLetterQueue,
      applicationName: `${prefix}-governance`,
      logLevel: props.logLevel,
    });
    // The policy information point: the open orders (and their totals) a task would move or notify.
    this.memory.grantOpenOrderQueries(this.governance.policyAgent.function);
    this.governance.policyAgent.function.addEnvironment('ORDERS_TABLE_NAME', this.memory.orders.tableName);

    const monitoring = new AgentFunction(this, 'MonitoringAgent', {
      ...common,
      entry: path.join(handlers, 'monitoring-agent.ts'),
      serviceName: 'monitoring-agent',
      description: 'Counts orders per warehouse in event-time windows and detects cancellation spikes.',
      eventPattern: orderEvents,
      stream: { batchSize: 100, maxBatchingWindow: Duration.seconds(5), maxReceiveCount: 3 },
      environment: {
        COUNTERS_TABLE_NAME: this.memory.counters.tableName,
        IDEMPOTENCY_TABLE_NAME: this.memory.idempotency.tableName,
        DETECTOR_CONFIG: JSON.stringify(props.detectorConfig ?? {}),
      },
    });
    this.memory.grantWindows(monitoring.function);
    // Powertools idempotency: one spike per incident key, however many batches open it.
    this.memory.grantIdempotency(monitoring.function);
    monitoring.grantPutEvents(bus, sources.monitoring);

    const reasonerModelId = props.reasonerModelId ?? DEFAULT_REASONER_MODEL_ID;
    const embeddingModelId = 'amazon.titan-embed-text-v2:0';
    const memoryEnvironment = {
      EPISODIC_TABLE_NAME: this.memory.episodic.tableName,
      PROCEDURAL_TABLE_NAME: this.memory.procedural.tableName,
      SEMANTIC_ENDPOINT: this.memory.collection.attrCollectionEndpoint,
      SEMANTIC_INDEX: this.memory.semanticIndex.indexName,
      EMBEDDING_MODEL_ID: embeddingModelId,
      EMBEDDING_DIMENSIONS: String(props.embeddingDimensions ?? 1024),
      TEMPLATE_SIMILARITY_THRESHOLD: String(props.templateSimilarityThreshold ?? 0.85),
    };
    const memoryAgent = (
      id: string,
      entry: string,
      serviceName: string,
      description: string,
      access: {
        /** Bedrock models (or inference profiles) it may invoke. */
        models: readonly string[];
        /** DynamoDB actions on episodic and procedural memory: exactly the calls its use case makes. */
        episodic: readonly string[];
        procedural: readonly string[];
        /** What it does with the semantic index's documents. */
        semantic: readonly SemanticDocumentPermission[];
      },
    ) => {
      const agent = new AgentFunction(this, id, {
        ...common,
        entry: path.join(handlers, entry),
        serviceName,
        description,
        timeout: Duration.seconds(60),
        environment: memoryEnvironment,
      });
      for (const [table, actions] of [
        [this.memory.episodic, access.episodic],
        [this.memory.procedural, access.procedural],
      ] as const) {
        iam.Grant.addToPrincipal({
          grantee: agent.function,
          actions: [...actions],
          resourceArns: [table.tableArn],
        });
      }
      // Converse is authorised by bedrock:InvokeModel on the model (or its inference profile).
      for (const model of access.models) grantModelInvoke(agent.role, model);
      // Semantic memory: the only principals in the collection's data access policies.
      this.memory.grantSemanticDocuments(id, agent.role, access.semantic);
      return agent;
    };
    const planning = memoryAgent(
      'PlanningAgent',
      'planning-agent.ts',
      'planning-agent',
      'Plans a remediation from memory: reuses a similar template, else asks the reasoner; validated against the task catalog.',
      {
        models: [embeddingModelId, reasonerModelId],
        // Outcome history (Query) and its decision (PutItem); templates are found by Query.
        episodic: ['dynamodb:Query', 'dynamodb:PutItem'],
        procedural: ['dynamodb:Query'],
        // Similar incidents and fulfillment history: k-NN searches only.
        semantic: ['aoss:ReadDocument'],
      },
    );
    // The inference firewall: the planning agent's model calls are charged to its own budget ledger items,
    // at the ceiling and prices of the governance configuration (AppConfig, read at run time).
    this.memory.grantBudget(planning.function, 'planning-agent');
    planning.grantPutEvents(bus, sources.governance, ['budget_exceeded']);
    if (props.reasonerGuardrail) new ReasonerGuardrail(this, 'ReasonerGuardrail').applyTo(planning.function);
    this.governance.grantReadConfiguration(planning.function);
    for (const [name, value] of Object.entries({
      // The reasoner is the planning agent's alone (the learning agent embeds and writes memory only).
      REASONER_MODEL_ID: reasonerModelId,
      BUDGETS_TABLE_NAME: this.memory.budgets.tableName,
      ...this.governance.readerEnvironment(),
    })) {
      planning.function.addEnvironment(name, value);
    }
    const learning = memoryAgent(
      'LearningAgent',
      'learning-agent.ts',
      'learning-agent',
      "Turns a remediation's outcome into procedural and semantic memory.",
      {
        models: [embeddingModelId],
        // The outcome (PutItem); templates found (Query), created (PutItem), credited (UpdateItem, GetItem).
        episodic: ['dynamodb:PutItem'],
        procedural: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        // The outcome's documents: indexed, never searched.
        semantic: ['aoss:WriteDocument'],
      },
    );

    const networkEnvironment = {
      NETWORK_TABLE_NAME: this.memory.network.tableName,
      ...(props.networkDefaults ? { NETWORK_DEFAULTS: JSON.stringify(props.networkDefaults) } : {}),
    };
    const orderBook = new AgentFunction(this, 'OrderBook', {
      ...common,
      entry: path.join(handlers, 'order-book.ts'),
      serviceName: 'fulfillment-order-book',
      description:
        "Keeps the fulfillment agent's view of open orders per warehouse; makes warehouses first seen in orders known to the network.",
      eventPattern: orderEvents,
      stream: { batchSize: 100, maxBatchingWindow: Duration.seconds(5), maxReceiveCount: 3 },
      environment: { ORDERS_TABLE_NAME: this.memory.orders.tableName, ...networkEnvironment },
    });
    this.memory.grantOrderFacts(orderBook.function);
    this.memory.grantNetworkObserve(orderBook.function);
    // The events it keeps in its DLQ for good, announced as the fulfillment context it belongs to.
    orderBook.grantPutEvents(bus, sources.fulfillment, ['agent_error']);

    const networkAgent = new AgentFunction(this, 'NetworkAgent', {
      ...common,
      entry: path.join(handlers, 'network-agent.ts'),
      serviceName: 'fulfillment-network',
      description:
        'Keeps the fulfillment network (warehouses, capacities, regions served, costs) current from events.',
      eventPattern: { source: ['retail.warehouses'], detailType: ['warehouse_updated', 'capacity_changed'] },
      stream: { batchSize: 25, maxBatchingWindow: Duration.seconds(1), maxReceiveCount: 3 },
      timeout: Duration.seconds(60),
      environment: networkEnvironment,
    });
    this.memory.grantNetworkMaintain(networkAgent.function);
    networkAgent.grantPutEvents(bus, sources.fulfillment, ['agent_error']);

    const fulfillment = new AgentFunction(this, 'FulfillmentAgent', {
      ...common,
      entry: path.join(handlers, 'fulfillment-agent.ts'),
      serviceName: 'fulfillment-agent',
      description: 'Reroutes open orders with min-cost max-flow, and reverts reroutes.',
      eventPattern: {
        source: ['proactive.planning'],
        detailType: ['reroute_orders', 'revert_reroute', 'rebalance_region', 'revert_rebalance'],
      },
      replays: 'ignore',
      timeout: Duration.seconds(60),
      memorySize: 1024,
      environment: {
        ORDERS_TABLE_NAME: this.memory.orders.tableName,
        IDEMPOTENCY_TABLE_NAME: this.memory.idempotency.tableName,
        ...networkEnvironment,
      },
    });
    // Its tasks run with sessions of their own role, tagged with the task (ABAC): the order book's writes.
    const fulfillmentTasks = new TaskExecutionRole(this, 'FulfillmentTasks', {
      function: fulfillment.function,
      agent: 'fulfillment-agent',
      tagKeys: ['agent', 'incident', 'task', 'warehouse', 'region', 'journal'],
    });
    this.memory.grantOrderReroutes(fulfillmentTasks.role);
    this.memory.grantNetworkRead(fulfillment.function);
    this.memory.grantIdempotency(fulfillment.function);
    fulfillment.grantPutEvents(bus, sources.fulfillment);

    // Its own role keeps idempotency records and publishes; each task's effect runs with a session of its task
    // role, tagged with the task (ABAC): its warehouse's intake item, its incident's records, nothing else.
    const operationsAgent = new AgentFunction(this, 'OperationsAgent', {
      ...common,
      entry: path.join(handlers, 'operations-agent.ts'),
      serviceName: 'operations-agent',
      description:
        'Pauses and resumes warehouse intake, opens and closes incident tickets, notifies customers.',
      eventPattern: {
        source: ['proactive.planning'],
        detailType: [
          'pause_warehouse_intake',
          'resume_warehouse_intake',
          'open_incident_ticket',
          'close_incident_ticket',
          'notify_customers',
        ],
      },
      replays: 'ignore',
      timeout: Duration.seconds(30),
      environment: {
        NETWORK_TABLE_NAME: this.memory.network.tableName,
        OPERATIONS_TABLE_NAME: this.memory.operations.tableName,
        IDEMPOTENCY_TABLE_NAME: this.memory.idempotency.tableName,
      },
    });
    const operationsTasks = new TaskExecutionRole(this, 'OperationsTasks', {
      function: operationsAgent.function,
      agent: 'operations-agent',
      tagKeys: ['agent', 'incident', 'task', 'warehouse', 'region'],
    });
    this.memory.grantIntakeControl(operationsTasks.role);
    this.memory.grantOperationsRecords(operationsTasks.role);
    this.memory.grantIdempotency(operationsAgent.function);
    operationsAgent.grantPutEvents(bus, sources.operations);

    this.recoveryWatch = new RecoveryWatch(this, 'RecoveryWatch', {
      bus,
      ruleDeadLetterQueue,
      counters: this.memory.counters,
      ...(props.detectorConfig === undefined ? {} : { detectorConfig: props.detectorConfig }),
      logLevel: props.logLevel,
    });
    this.saga = new RemediationSaga(this, 'RemediationSaga', {
      bus,
      ruleDeadLetterQueue,
      recoveryWatch: this.recoveryWatch,
      planningFunction: planning.function,
      learningFunction: learning.function,
      policyFunction: this.governance.policyAgent.function,
    });

    const sagaCallback = new AgentFunction(this, 'SagaCallback', {
      ...common,
      entry: path.join(handlers, 'saga-callback.ts'),
      serviceName: 'saga-callback',
      description: "Resumes the saga's waiting task when an agent answers one of its commands.",
      eventPattern: {
        source: [sources.fulfillment, sources.operations],
        detailType: [...commandAnswers],
      },
      replays: 'ignore',
    });
    this.saga.grantTaskResponse(sagaCallback.function);

    // The decision trace's approvals: the saga announces each request and answer on the bus only (whoever
    // answers: the operator API, `npm run approve`, a tier's timeout), so they are recorded from the events.
    const approvalRecorder = new AgentFunction(this, 'ApprovalRecorder', {
      ...common,
      entry: path.join(handlers, 'approval-recorder.ts'),
      serviceName: 'approval-recorder',
      description:
        "Records each approval the saga asks for and each answer in the incident's decision trace.",
      eventPattern: { source: [sources.planning], detailType: ['approval_requested', 'approval_decided'] },
      environment: { EPISODIC_TABLE_NAME: this.memory.episodic.tableName },
    });
    iam.Grant.addToPrincipal({
      grantee: approvalRecorder.function,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.memory.episodic.tableArn],
    });

    new CfnOutput(this, 'NetworkTableName', {
      description:
        'The fulfillment network table: seed it with `npm run network:import -- <file> --table <name>`.',
      value: this.memory.network.tableName,
    });
    // Decision trace: the policy agent records each decision in episodic memory (PutItem only); the trace CLI
    // (`npm run trace`) reads the incident's records from this table.
    this.governance.policyAgent.function.addEnvironment(
      'EPISODIC_TABLE_NAME',
      this.memory.episodic.tableName,
    );
    iam.Grant.addToPrincipal({
      grantee: this.governance.policyAgent.function,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.memory.episodic.tableArn],
    });
    new CfnOutput(this, 'EpisodicTableName', {
      description:
        'Episodic memory: `npm run trace -- <correlationId> --table <name>` prints a decision trace.',
      value: this.memory.episodic.tableName,
    });
    new CfnOutput(this, 'EventBusName', {
      description:
        'Point existing services here (PutEvents); the sandbox serves the same API at its endpoint.',
      value: bus.eventBusName,
    });

    this.taskRoles = { fulfillment: fulfillmentTasks, operations: operationsTasks };
    this.agents = {
      monitoring,
      planning,
      learning,
      orderBook,
      network: networkAgent,
      fulfillment,
      sagaCallback,
      approvalRecorder,
      operations: operationsAgent,
      policy: this.governance.policyAgent,
    };
    // The override-rate alarm's threshold (Operations), which the operator API shows beside the rate.
    const overrideRateThreshold = props.overrideRateThreshold ?? 0.25;
    this.operatorApi = new InteractionApi(this, 'OperatorApi', {
      ...common,
      overrideRateThreshold,
      apiName: `${prefix}-operator`,
      episodic: this.memory.episodic,
      counters: this.memory.counters,
      budgets: this.memory.budgets,
      saga: this.saga,
      governance: this.governance,
      // Every agent's service name (its policy principal); a construct test keeps this list complete.
      agentNames: [
        'monitoring-agent',
        'planning-agent',
        'learning-agent',
        'fulfillment-order-book',
        'fulfillment-network',
        'fulfillment-agent',
        'saga-callback',
        'approval-recorder',
        'operations-agent',
        'policy-agent',
      ],
    });
    // GET /incidents Queries episodic memory's sparse incidents index (its table grants are the API's own).
    this.memory.grantIncidentListing(this.operatorApi.handler.function);
    // The platform's own events (every producer but the order and warehouse services), pushed to the consoles.
    this.liveEvents = new LiveEventsApi(this, 'LiveEvents', {
      ...common,
      apiName: `${prefix}-live`,
      sources: [
        sources.monitoring,
        sources.planning,
        sources.fulfillment,
        sources.operations,
        sources.governance,
      ],
    });
    this.operations = new Operations(this, 'Operations', {
      backbone: this.backbone,
      // The operator API's function and the live channel's are watched like agents (DLQs, errors, throttles, rules).
      agents: {
        ...this.agents,
        operatorApi: this.operatorApi.handler,
        livePush: this.liveEvents.push,
        recoveryWatch: this.recoveryWatch.check,
        liveConnections: this.liveEvents.connectionHandler,
      },
      saga: this.saga,
      modelCallers: [planning],
      policyAgent: this.governance.policyAgent,
      operatorApi: this.operatorApi.handler,
      overrideRateThreshold,
    });
    new CfnOutput(this, 'OperatorApiUrl', {
      description:
        'The operator HTTP API (SigV4-signed requests, execute-api:Invoke): /incidents, /approvals, /agents.',
      value: this.operatorApi.url,
    });
    this.operatorConsole = new OperatorConsole(this, 'OperatorConsole', {
      api: this.operatorApi,
      live: this.liveEvents,
      removalPolicy,
    });
    new CfnOutput(this, 'OperatorLiveEventsUrl', {
      description:
        "The consoles' push channel (WebSocket): connect with a SigV4-presigned URL as the operator role; it sends each platform event.",
      value: this.liveEvents.url,
    });
    new CfnOutput(this, 'OperatorConsoleUrl', {
      description: 'The operator console (CloudFront); it reads the operator API named in its config.json.',
      value: this.operatorConsole.url,
    });
    new CfnOutput(this, 'OperatorUserPoolId', {
      description:
        'Operators sign in to the console with users of this pool (no self sign-up): aws cognito-idp admin-create-user --user-pool-id <id> --username <name> --user-attributes Name=email,Value=<email>',
      value: this.operatorConsole.signIn.userPool.userPoolId,
    });
    new CfnOutput(this, 'StateMachineArn', {
      description: 'The remediation saga: list its executions, or answer a waiting task (SendTaskSuccess).',
      value: this.saga.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'OperatorTopicArn', {
      description: 'Alarm notifications: subscribe the on-call (email, chat, pager).',
      value: this.operations.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'The CloudWatch dashboard of alarms, sagas, agents, backlogs and dead letters.',
      value: this.operations.dashboard.dashboardName,
    });
  }
}
