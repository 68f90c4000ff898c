import type { IConstruct } from 'constructs';
import { contracts, producedBy } from '../../lambdas/domain/contracts/registry';
import type { AgentFunction } from '../../lib/agent-function';
import { rendered, synthStack } from './stack-fixture';

/** One policy statement as IAM reads it: actions sorted, resources rendered and sorted, its condition if any. */
interface Allowed {
  actions: string[];
  resources: string[];
  condition?: unknown;
}

const inOrder = (statements: Allowed[]): Allowed[] =>
  [...statements]
    .map((s) => ({ ...s, actions: [...s.actions].sort(), resources: [...s.resources].sort() }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * Every role in the template, each asserted statement by statement: exactly the actions on exactly the resources
 * that its code calls (see each expectation's comment for the calls), nothing merely "contained".
 */
describe('Least privilege, role by role', () => {
  const { stack, template } = synthStack();
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  const arn = (construct: IConstruct) => `<${id(construct)}.Arn>`;
  const { memory, saga, agents } = stack;
  const bus = stack.backbone.bus;

  /** The statements of every policy attached to `role`, normalised. */
  const allowedTo = (role: IConstruct): Allowed[] =>
    inOrder(
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: id(role) }]))
        .flatMap(
          (policy) =>
            policy.Properties.PolicyDocument.Statement as {
              Effect: string;
              Action: string | string[];
              Resource: unknown;
              Condition?: unknown;
            }[],
        )
        .map((statement) => {
          if (statement.Effect !== 'Allow') throw new Error(`unexpected ${statement.Effect} statement`);
          return {
            actions: [statement.Action].flat(),
            resources: [rendered(statement.Resource)].flat().map(String),
            ...(statement.Condition === undefined ? {} : { condition: rendered(statement.Condition) }),
          };
        }),
    );

  const on = (resources: string | string[], ...actions: string[]): Allowed => ({
    actions,
    resources: [resources].flat(),
  });
  /** What every agent has: its own log group, X-Ray (no resource-level permissions), SendMessage to its DLQ. */
  const basics = (agent: AgentFunction): Allowed[] => [
    on(arn(agent.logGroup), 'logs:CreateLogStream', 'logs:PutLogEvents'),
    on('*', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'),
    // DeadLetterRejector's SendMessage, and Lambda's on-failure destination (it sends with this role).
    on(arn(agent.deadLetterQueue), 'sqs:SendMessage'),
  ];
  /** Lambda's SQS poller: the three calls the Lambda and SQS guides require, no ChangeMessageVisibility. */
  const buffer = (agent: AgentFunction): Allowed =>
    on(arn(agent.queue!), 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');
  const putEventsAs = (source: string, only?: string[]): Allowed => ({
    ...on(arn(bus), 'events:PutEvents'),
    condition: {
      StringEquals: {
        'events:source': source,
        'events:detail-type':
          only ??
          Object.values(contracts)
            .filter((contract) => producedBy(contract, source))
            .map((contract) => contract.detailType)
            .sort(),
      },
    },
  });
  const titan = on(
    'arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0',
    'bedrock:InvokeModel',
  );
  const haiku = 'anthropic.claude-haiku-4-5-20251001-v1:0';
  const haikuProfile = `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/global.${haiku}`;
  const collection = on(arn(memory.collection), 'aoss:APIAccessAll');

  it('covers every role of the stack, each with no inline or managed policy', () => {
    const roles = template.findResources('AWS::IAM::Role');
    const covered = [
      ...Object.values(agents).map((agent) => agent.role),
      saga.stateMachine.role,
      saga.stateMachine.node.findChild('EventsRole'),
      stack.recoveryWatch.check.role,
      stack.recoveryWatch.stateMachine.role,
      stack.taskRoles.fulfillment.role,
      stack.taskRoles.operations.role,
      // Its statements: test/construct/interaction-api.test.ts.
      stack.operatorApi.handler.role,
      // The consoles' push channel: its two functions, and API Gateway's CloudWatch role for its access logs.
      // Their statements: test/construct/live-events-api.test.ts.
      stack.liveEvents.connectionHandler.role,
      stack.liveEvents.push.role,
      stack.liveEvents.node.findChild('ApiGatewayLogsRole'),
      // BucketDeployment's handler for the console; its statements: test/construct/operator-console.test.ts.
      stack.operatorConsole.deploymentRole,
      // Signed-in operators' role, and the identity pool's unused role for guests (no policy; guests are refused).
      // Their statements: test/construct/operator-sign-in.test.ts.
      stack.operatorConsole.signIn.operatorRole,
      stack.operatorConsole.signIn.identityPool.unauthenticatedRole,
    ];
    expect(Object.keys(roles).sort()).toEqual(covered.map(id).sort());
    for (const role of Object.values(roles)) {
      expect([role.Properties.Policies, role.Properties.ManagedPolicyArns]).toEqual([undefined, undefined]);
    }
  });

  it('monitoring agent: its buffer, the counters table item calls of DynamoWindowStore, one spike per incident (Powertools idempotency), spikes as proactive.monitoring', () => {
    expect(allowedTo(agents.monitoring.role)).toEqual(
      inOrder([
        ...basics(agents.monitoring),
        buffer(agents.monitoring),
        // GetItem (members, an incident), BatchGetItem (incidents, short histories), Query (long histories),
        // PutItem (incident), UpdateItem (counters, memberships; the Update items of TransactWriteItems),
        // DeleteItem (a closed incident). No Scan, BatchWriteItem, ConditionCheckItem.
        on(
          arn(memory.counters),
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ),
        // DynamoDBPersistenceLayer: GetItem, PutItem, UpdateItem, DeleteItem — nothing else.
        on(
          arn(memory.idempotency),
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ),
        putEventsAs('proactive.monitoring'),
      ]),
    );
  });

  it('order book: its buffer, UpdateItem on orders (facts), conditional writes of observed network items, agent_error', () => {
    expect(allowedTo(agents.orderBook.role)).toEqual(
      inOrder([
        ...basics(agents.orderBook),
        buffer(agents.orderBook),
        // DynamoOrderBook.apply: one Update per order, alone or in TransactWriteItems.
        on(arn(memory.orders), 'dynamodb:UpdateItem'),
        // DynamoNetworkStore.observe: UpdateItem of a profile, PutItem of a route.
        on(arn(memory.network), 'dynamodb:UpdateItem', 'dynamodb:PutItem'),
        // The events it keeps in its DLQ for good, announced: agent_error alone.
        putEventsAs('proactive.fulfillment', ['agent_error']),
      ]),
    );
  });

  it('network agent: its buffer, network item writes, Query on the routesByWarehouse index only, agent_error', () => {
    expect(allowedTo(agents.network.role)).toEqual(
      inOrder([
        ...basics(agents.network),
        buffer(agents.network),
        // declare and setCapacity: UpdateItem of profiles, PutItem and DeleteItem of routes.
        on(arn(memory.network), 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'),
        // declare: a warehouse's current routes, through the index; the table itself is never queried.
        on(`${arn(memory.network)}/index/routesByWarehouse`, 'dynamodb:Query'),
        putEventsAs('proactive.fulfillment', ['agent_error']),
      ]),
    );
  });

  it('fulfillment agent: task sessions of its task role, network reads, Powertools idempotency, answers as proactive.fulfillment', () => {
    expect(allowedTo(agents.fulfillment.role)).toEqual(
      inOrder([
        ...basics(agents.fulfillment),
        // StsTaskSessions: AssumeRole with session tags, of its own task role only. The order book's calls are
        // the task role's (below), none of them the function's.
        on(arn(stack.taskRoles.fulfillment.role), 'sts:AssumeRole', 'sts:TagSession'),
        // routesTo (Query by region) and profiles (BatchGetItem).
        on(arn(memory.network), 'dynamodb:Query', 'dynamodb:BatchGetItem'),
        // DynamoDBPersistenceLayer: GetItem, PutItem, UpdateItem, DeleteItem — nothing else.
        on(
          arn(memory.idempotency),
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ),
        putEventsAs('proactive.fulfillment'),
      ]),
    );
  });

  it('operations agent: task sessions of its task role, Powertools idempotency, answers as proactive.operations', () => {
    expect(allowedTo(agents.operations.role)).toEqual(
      inOrder([
        ...basics(agents.operations),
        // StsTaskSessions: AssumeRole with session tags, of its own task role only; no table of its effects.
        on(arn(stack.taskRoles.operations.role), 'sts:AssumeRole', 'sts:TagSession'),
        // DynamoDBPersistenceLayer: GetItem, PutItem, UpdateItem, DeleteItem — nothing else.
        on(
          arn(memory.idempotency),
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ),
        // Its answers, and command_failed (a contract it shares with the fulfillment agent).
        putEventsAs('proactive.operations'),
      ]),
    );
    expect(putEventsAs('proactive.operations').condition).toMatchObject({
      StringEquals: {
        'events:detail-type': expect.arrayContaining(['command_failed', 'warehouse_intake_paused']),
      },
    });
  });

  /** The trust policy of a task role: `agent`'s function role only, tagged as a task of that agent. */
  const trustOf = (role: IConstruct) =>
    rendered(template.findResources('AWS::IAM::Role')[id(role)]!.Properties.AssumeRolePolicyDocument);
  const taskTrust = (agent: AgentFunction, name: string, tagKeys: string[]) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: arn(agent.role) },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          StringEquals: { 'aws:RequestTag/agent': name },
          'ForAllValues:StringEquals': { 'aws:TagKeys': tagKeys },
          Null: { 'aws:RequestTag/incident': 'false', 'aws:RequestTag/task': 'false' },
        },
      },
    ],
  });

  it('operations task role: assumed by the operations agent alone, its warehouse’s intake item and its incident’s records only', () => {
    const { role } = stack.taskRoles.operations;
    expect(trustOf(role)).toEqual(
      taskTrust(agents.operations, 'operations-agent', ['agent', 'incident', 'task', 'warehouse', 'region']),
    );
    expect(template.findResources('AWS::IAM::Role')[id(role)]!.Properties.MaxSessionDuration).toBe(3600);
    expect(allowedTo(role)).toEqual(
      inOrder([
        // DynamoIntakeStore.pause / resume: a transaction each (the tombstone checked or written, the state
        // updated) and a read of the state, in the session's warehouse's intake partition only.
        {
          ...on(
            arn(memory.network),
            'dynamodb:UpdateItem',
            'dynamodb:ConditionCheckItem',
            'dynamodb:GetItem',
          ),
          condition: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['intake#${aws:PrincipalTag/warehouse}'] },
          },
        },
        // DynamoTicketStore.open / close and DynamoNotificationLog.record: one conditional UpdateItem each, in
        // the session's incident's partition only.
        {
          ...on(arn(memory.operations), 'dynamodb:UpdateItem'),
          condition: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': ['incident#${aws:PrincipalTag/incident}'],
            },
          },
        },
      ]),
    );
    expect(
      template.findResources('AWS::Lambda::Function')[id(agents.operations.function)]!.Properties.Environment
        .Variables.TASK_ROLE_ARN,
    ).toEqual({ 'Fn::GetAtt': [id(role), 'Arn'] });
  });

  it('fulfillment task role: assumed by the fulfillment agent alone, its own reroute journal, orders and ledgers, the byWarehouse index', () => {
    const { role } = stack.taskRoles.fulfillment;
    expect(trustOf(role)).toEqual(
      taskTrust(agents.fulfillment, 'fulfillment-agent', [
        'agent',
        'incident',
        'task',
        'warehouse',
        'region',
        'journal',
      ]),
    );
    expect(allowedTo(role)).toEqual(
      inOrder([
        // The session's reroute journal (GetItem, UpdateItem, the ConditionCheck under every move) and its parts
        // (PutItem, consistent BatchGetItem), no other reroute's.
        {
          ...on(
            arn(memory.orders),
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:ConditionCheckItem',
          ),
          condition: {
            'ForAllValues:StringLike': {
              'dynamodb:LeadingKeys': [
                'reroute#${aws:PrincipalTag/journal}',
                'reroute#${aws:PrincipalTag/journal}#part#*',
              ],
            },
          },
        },
        // Orders (BatchGetItem, the Update items of a move) and capacity ledgers (BatchGetItem, UpdateItem):
        // any partition but a journal's. Orders are keyed by order id, ledgers by destination: no tag scopes them.
        {
          ...on(arn(memory.orders), 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'),
          condition: { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['reroute#*'] } },
        },
        // Open orders of a warehouse: the byWarehouse index and no other.
        on(`${arn(memory.orders)}/index/byWarehouse`, 'dynamodb:Query'),
      ]),
    );
    expect(
      template.findResources('AWS::Lambda::Function')[id(agents.fulfillment.function)]!.Properties.Environment
        .Variables.TASK_ROLE_ARN,
    ).toEqual({ 'Fn::GetAtt': [id(role), 'Arn'] });
  });

  it('planning agent: history and decisions, template queries, both models through their routes, semantic memory, its own budget, the governance configuration', () => {
    const { application, environment, configuration } = stack.governance;
    const profile = `<${stack.getLogicalId(configuration.node.findChild('ConfigurationProfile') as never)}>`;
    expect(allowedTo(agents.planning.role)).toEqual(
      inOrder([
        ...basics(agents.planning),
        on(arn(memory.episodic), 'dynamodb:Query', 'dynamodb:PutItem'),
        on(arn(memory.procedural), 'dynamodb:Query'),
        // The inference firewall: reserve and settle on its own ledger items only, read the ceilings and prices.
        {
          ...on(arn(memory.budgets), 'dynamodb:UpdateItem', 'dynamodb:GetItem'),
          condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['budget#planning-agent'] } },
        },
        on(
          `arn:aws:appconfig:eu-west-1:123456789012:application/<${id(application)}>/environment/<${id(environment)}>/configuration/${profile}`,
          'appconfig:StartConfigurationSession',
          'appconfig:GetLatestConfiguration',
        ),
        {
          ...on(arn(bus), 'events:PutEvents'),
          condition: {
            StringEquals: {
              'events:source': 'proactive.governance',
              'events:detail-type': ['budget_exceeded'],
            },
          },
        },
        titan,
        on(haikuProfile, 'bedrock:InvokeModel'),
        {
          ...on(`arn:aws:bedrock:*::foundation-model/${haiku}`, 'bedrock:InvokeModel'),
          condition: { StringEquals: { 'bedrock:InferenceProfileArn': haikuProfile } },
        },
        {
          ...on(`arn:aws:bedrock:::foundation-model/${haiku}`, 'bedrock:InvokeModel'),
          condition: { StringEquals: { 'aws:RequestedRegion': 'unspecified' } },
        },
        collection,
      ]),
    );
  });

  it('learning agent: outcomes, template upkeep, the embedding model only, semantic memory', () => {
    expect(allowedTo(agents.learning.role)).toEqual(
      inOrder([
        ...basics(agents.learning),
        on(arn(memory.episodic), 'dynamodb:PutItem'),
        on(
          arn(memory.procedural),
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ),
        titan,
        collection,
      ]),
    );
  });

  it('saga callback: SendTaskSuccess and SendTaskFailure on the saga, nothing on any table or the bus', () => {
    expect(allowedTo(agents.sagaCallback.role)).toEqual(
      inOrder([
        ...basics(agents.sagaCallback),
        on(`<${id(saga.stateMachine)}>`, 'states:SendTaskSuccess', 'states:SendTaskFailure'),
      ]),
    );
  });

  it("approval recorder: PutItem of the approvals' records on episodic memory, nothing on the bus or the saga", () => {
    expect(allowedTo(agents.approvalRecorder.role)).toEqual(
      inOrder([...basics(agents.approvalRecorder), on(arn(memory.episodic), 'dynamodb:PutItem')]),
    );
  });

  it('policy agent: exactly its AppConfig configuration (session, latest), decisions as proactive.governance and episodic records', () => {
    const { application, environment, configuration } = stack.governance;
    const profile = `<${stack.getLogicalId(configuration.node.findChild('ConfigurationProfile') as never)}>`;
    expect(allowedTo(agents.policy.role)).toEqual(
      inOrder([
        ...basics(agents.policy),
        // Powertools AppConfigProvider: StartConfigurationSession, then GetLatestConfiguration with its tokens.
        on(
          `arn:aws:appconfig:eu-west-1:123456789012:application/<${id(application)}>/environment/<${id(environment)}>/configuration/${profile}`,
          'appconfig:StartConfigurationSession',
          'appconfig:GetLatestConfiguration',
        ),
        putEventsAs('proactive.governance'),
        // The decision trace: DynamoEpisodicStore.record, one PutItem per decision; no read.
        on(arn(memory.episodic), 'dynamodb:PutItem'),
        // The policy information point: what a task puts at stake, from the orders' byWarehouse index only.
        on(`${arn(memory.orders)}/index/byWarehouse`, 'dynamodb:Query'),
      ]),
    );
  });

  /** What every state machine has: vended log delivery and X-Ray, neither with resource-level permissions. */
  const stateMachineBasics: Allowed[] = [
    on(
      '*',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ),
    on(
      '*',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ),
  ];

  it('state machine: vended logs and X-Ray, the three agents it invokes, planning events, its one metric; no table', () => {
    expect(allowedTo(saga.stateMachine.role)).toEqual(
      inOrder([
        ...stateMachineBasics,
        on(
          [arn(agents.planning.function), arn(agents.learning.function), arn(agents.policy.function)],
          'lambda:InvokeFunction',
        ),
        putEventsAs('proactive.planning'),
        // Once remediated: the recovery watch (and no other state machine).
        on(`<${id(stack.recoveryWatch.stateMachine)}>`, 'states:StartExecution'),
        // A watch that could not start, reported to the alarms: the agents' metrics namespace only.
        {
          ...on('*', 'cloudwatch:PutMetricData'),
          condition: { StringEquals: { 'cloudwatch:namespace': 'ProactiveAgents' } },
        },
      ]),
    );
  });

  it('recovery watch: its state machine invokes its check alone; the check Queries the counters table, nothing else', () => {
    const { check, stateMachine } = stack.recoveryWatch;
    expect(allowedTo(stateMachine.role)).toEqual(
      inOrder([...stateMachineBasics, on(arn(check.function), 'lambda:InvokeFunction')]),
    );
    // The hour's order ids: one paginated Query (DynamoWindowStore.ordersBetween). No write, no other table.
    expect(allowedTo(check.role)).toEqual(
      inOrder([...basics(check), on(arn(memory.counters), 'dynamodb:Query')]),
    );
  });

  it('the saga rule: StartExecution of the saga only', () => {
    expect(allowedTo(saga.stateMachine.node.findChild('EventsRole'))).toEqual([
      on(`<${id(saga.stateMachine)}>`, 'states:StartExecution'),
    ]);
  });

  it('logs no event payloads (task tokens): no function logs its event, the saga logs no execution data', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[];
    // The agents, the operator API's function, the live channel's two, the recovery watch's check and the
    // console's BucketDeployment handler (it logs no events).
    expect(functions).toHaveLength(Object.keys(agents).length + 5);
    for (const fn of functions) {
      expect(fn.Properties.Environment?.Variables?.POWERTOOLS_LOGGER_LOG_EVENT).toBeUndefined();
    }
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(2);
    for (const machine of machines)
      expect(machine.Properties.LoggingConfiguration.IncludeExecutionData).toBe(false);
  });
});
