import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AgentFunction } from './agent-function';
import { EventBackbone } from './event-backbone';
import { Memory } from './memory';
import { RemediationSaga } from './remediation-saga';

export interface ProactiveAgentsStackProps extends StackProps {
  /** @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /** Overrides of the monitoring detector's thresholds, passed to the agent as JSON. @default - the detector's defaults */
  readonly detectorConfig?: Record<string, number>;
  /** The fulfillment network (warehouses, regions served, capacities, costs). */
  readonly fulfillmentNetwork: unknown;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

const handlers = path.join(__dirname, '..', 'lambdas', 'handlers');
const orderEvents = { source: ['retail.orders'], detailType: ['order_placed', 'order_cancelled'] };

/** Wires the platform: the stack holds no logic of its own. */
export class ProactiveAgentsStack extends Stack {
  public readonly backbone: EventBackbone;
  public readonly memory: Memory;
  public readonly saga: RemediationSaga;
  public readonly agents: Record<
    'monitoring' | 'planning' | 'orderBook' | 'fulfillment' | 'sagaCallback',
    AgentFunction
  >;

  constructor(scope: Construct, id: string, props: ProactiveAgentsStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.backbone = new EventBackbone(this, 'Backbone', {
      archiveRetention: props.archiveRetention,
      removalPolicy,
    });
    this.memory = new Memory(this, 'Memory', { removalPolicy });
    const { bus, deadLetterQueue: ruleDeadLetterQueue } = this.backbone;
    const common = { bus, ruleDeadLetterQueue, logLevel: props.logLevel };

    const monitoring = new AgentFunction(this, 'MonitoringAgent', {
      ...common,
      entry: path.join(handlers, 'monitoring-agent.ts'),
      serviceName: 'monitoring-agent',
      description: 'Counts orders per warehouse in event-time windows and detects cancellation spikes.',
      eventPattern: orderEvents,
      stream: { batchSize: 100, maxBatchingWindow: Duration.seconds(5), maxReceiveCount: 3 },
      environment: {
        COUNTERS_TABLE_NAME: this.memory.counters.tableName,
        DETECTOR_CONFIG: JSON.stringify(props.detectorConfig ?? {}),
      },
    });
    this.memory.counters.grantReadWriteData(monitoring.function);
    monitoring.grantPutEvents(bus);

    const planning = new AgentFunction(this, 'PlanningAgent', {
      ...common,
      entry: path.join(handlers, 'planning-agent.ts'),
      serviceName: 'planning-agent',
      description: 'Turns a cancellation spike into a validated remediation plan (a saga task).',
      environment: { EPISODIC_TABLE_NAME: this.memory.episodic.tableName },
    });
    this.memory.episodic.grantReadWriteData(planning.function);
    // Semantic memory (similar past incidents) is the planner's: the only principal in the data access policy.
    this.memory.grantSemanticReadWrite('Planning', planning.role);

    const network = JSON.stringify(props.fulfillmentNetwork);
    const orderBook = new AgentFunction(this, 'OrderBook', {
      ...common,
      entry: path.join(handlers, 'order-book.ts'),
      serviceName: 'fulfillment-order-book',
      description: "Keeps the fulfillment agent's view of open orders per warehouse.",
      eventPattern: orderEvents,
      stream: { batchSize: 100, maxBatchingWindow: Duration.seconds(5), maxReceiveCount: 3 },
      environment: { ORDERS_TABLE_NAME: this.memory.orders.tableName },
    });
    this.memory.grantOrderBook(orderBook.function);

    const fulfillment = new AgentFunction(this, 'FulfillmentAgent', {
      ...common,
      entry: path.join(handlers, 'fulfillment-agent.ts'),
      serviceName: 'fulfillment-agent',
      description: 'Reroutes open orders with min-cost max-flow, and reverts reroutes.',
      eventPattern: { source: ['proactive.planning'], detailType: ['reroute_orders', 'revert_reroute'] },
      timeout: Duration.seconds(60),
      memorySize: 1024,
      environment: {
        ORDERS_TABLE_NAME: this.memory.orders.tableName,
        IDEMPOTENCY_TABLE_NAME: this.memory.idempotency.tableName,
        FULFILLMENT_NETWORK: network,
      },
    });
    this.memory.grantOrderBook(fulfillment.function);
    this.memory.idempotency.grantReadWriteData(fulfillment.function);
    fulfillment.grantPutEvents(bus);

    this.saga = new RemediationSaga(this, 'RemediationSaga', {
      bus,
      ruleDeadLetterQueue,
      planningFunction: planning.function,
      episodicTable: this.memory.episodic,
    });

    const sagaCallback = new AgentFunction(this, 'SagaCallback', {
      ...common,
      entry: path.join(handlers, 'saga-callback.ts'),
      serviceName: 'saga-callback',
      description: "Resumes the saga's waiting task when the fulfillment agent answers a command.",
      eventPattern: {
        source: ['proactive.fulfillment'],
        detailType: ['reroute_complete', 'reroute_reverted'],
      },
    });
    this.saga.grantTaskResponse(sagaCallback.function);

    this.agents = { monitoring, planning, orderBook, fulfillment, sagaCallback };
  }
}
