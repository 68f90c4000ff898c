import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS } from '@aws-lambda-powertools/idempotency';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { rendered, repoRoot, synthStack } from './stack-fixture';

describe('Memory', () => {
  const { stack, template } = synthStack();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);

  it('keeps every table on demand, encrypted, with point-in-time recovery', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    // Memory's eight, and the live channel's connections.
    expect(Object.keys(tables)).toHaveLength(9);
    for (const table of Object.values(tables) as { Properties: Record<string, unknown> }[]) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(JSON.stringify(table.Properties.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
    }
  });

  it('expires the items of episodic memory, counters, idempotency records, orders and intake tombstones through TTL, and no procedural template', () => {
    const timeToLive = (table: { node: { defaultChild?: unknown } }) =>
      template.toJSON().Resources[id(table)].Properties.TimeToLiveSpecification as unknown;
    const { episodic, counters, idempotency, orders, procedural, network } = stack.memory;
    expect(
      [episodic, counters, idempotency, orders, procedural, network].map((table) => timeToLive(table)),
    ).toEqual([
      { AttributeName: 'expiresAt', Enabled: true },
      { AttributeName: 'expiresAt', Enabled: true },
      // The attribute Powertools' DynamoDBPersistenceLayer writes its expiry to.
      { AttributeName: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.expiryAttr, Enabled: true },
      { AttributeName: 'expiresAt', Enabled: true },
      // Templates must not expire (see the table's doc comment).
      undefined,
      // Only the intake's tombstones carry `expiresAt`: the network's declarations and routes never do.
      { AttributeName: 'expiresAt', Enabled: true },
    ]);
  });

  it('indexes open orders by warehouse and placement time', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byWarehouse',
          KeySchema: [
            { AttributeName: 'warehouseId', KeyType: 'HASH' },
            { AttributeName: 'placedAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('indexes the records that list incidents (sparse), newest first in one partition, projecting what a listing reads', () => {
    const episodic = template.toJSON().Resources[id(stack.memory.episodic)].Properties as {
      GlobalSecondaryIndexes: unknown[];
    };
    expect(episodic.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'incidents',
        KeySchema: [
          { AttributeName: 'listing', KeyType: 'HASH' },
          { AttributeName: 'listedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['kind', 'correlationId', 'detail'] },
      },
    ]);
  });

  it('lets the operator API Query the incidents index, and no other role', () => {
    const index = `<${id(stack.memory.episodic)}.Arn>/index/incidents`;
    const grants = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
        .filter((statement) => JSON.stringify(rendered(statement.Resource)).includes(index))
        .map((statement) => ({
          roles: rendered(policy.Properties.Roles),
          actions: [statement.Action].flat(),
          resources: [rendered(statement.Resource)].flat(),
        })),
    );

    expect(grants).toEqual([
      {
        roles: [`<${stack.getLogicalId(stack.operatorApi.handler.role.node.defaultChild as never)}>`],
        actions: ['dynamodb:Query'],
        resources: [index],
      },
    ]);
  });

  it('creates a vector search collection after its encryption and network policies, named per deployment', () => {
    const collection = template.findResources('AWS::OpenSearchServerless::Collection');
    const [collectionId, resource] = Object.entries(collection)[0] as [
      string,
      { Properties: unknown; DependsOn: string[] },
    ];
    // The stack's name, then the first group of its id: a redeploy after `cdk destroy` (the collection is
    // retained) and a second stack in the account get names of their own.
    expect(rendered(resource.Properties)).toMatchObject({
      Name: 'proactive-agents-te-1f2e3d4c',
      Type: 'VECTORSEARCH',
    });
    const policies = Object.values(template.findResources('AWS::OpenSearchServerless::SecurityPolicy')).map(
      (policy) => rendered(policy.Properties),
    );
    expect(policies).toEqual([
      expect.objectContaining({
        Name: 'proactive-agents-te-1f2e3d4c-enc',
        Type: 'encryption',
        Policy: {
          Rules: [{ ResourceType: 'collection', Resource: ['collection/proactive-agents-te-1f2e3d4c'] }],
          AWSOwnedKey: true,
        },
      }),
      expect.objectContaining({
        Name: 'proactive-agents-te-1f2e3d4c-net',
        Type: 'network',
        Policy: [
          {
            Rules: [{ ResourceType: 'collection', Resource: ['collection/proactive-agents-te-1f2e3d4c'] }],
            AllowFromPublic: true,
          },
        ],
      }),
    ]);
    expect(resource.DependsOn).toHaveLength(2);
    expect(collectionId).toBe(stack.getLogicalId(stack.memory.collection));
  });

  it('declares the semantic index, created by CloudFormation alone (its execution role), before any agent runs', () => {
    const indexes = Object.values(template.findResources('AWS::OpenSearchServerless::Index'));
    expect(indexes.map((index) => rendered(index.Properties))).toEqual([
      {
        CollectionEndpoint: `<${stack.getLogicalId(stack.memory.collection)}.CollectionEndpoint>`,
        IndexName: 'semantic-memory',
        Settings: { Index: { Knn: true } },
        Mappings: {
          Properties: {
            docId: { Type: 'text', Index: false },
            kind: { Type: 'text' },
            text: { Type: 'text' },
            metadata: { Type: 'text', Index: false },
            updatedAt: { Type: 'text', Index: false },
            vector: {
              Type: 'knn_vector',
              Dimension: 1024,
              Method: {
                Name: 'hnsw',
                Engine: 'faiss',
                SpaceType: 'innerproduct',
                Parameters: { EfConstruction: 128, M: 16 },
              },
            },
          },
        },
      },
    ]);
    const management = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))
      .map((policy) => rendered(policy.Properties) as { Name: string; Policy: unknown })
      .filter((policy) => policy.Name.endsWith('-idx'));
    expect(management).toEqual([
      expect.objectContaining({
        Type: 'data',
        Policy: [
          {
            Rules: [
              {
                ResourceType: 'index',
                Resource: ['index/proactive-agents-te-1f2e3d4c/semantic-memory'],
                Permission: [
                  'aoss:CreateIndex',
                  'aoss:DescribeIndex',
                  'aoss:UpdateIndex',
                  'aoss:DeleteIndex',
                ],
              },
            ],
            Principal: ['arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1'],
          },
        ],
      }),
    ]);
    const [index] = Object.values(template.findResources('AWS::OpenSearchServerless::Index'));
    expect(index!.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(stack.memory.collection)]));
  });

  it('lets the planning agent search and the learning agent index the semantic index, by data access policy and IAM, and no other', () => {
    const policies = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))
      .map((policy) => rendered(policy.Properties) as { Name: string })
      .filter((policy) => !policy.Name.endsWith('-idx'));
    const memoryAgents = [stack.agents.planning, stack.agents.learning];
    expect(policies).toEqual(
      memoryAgents.map((agent): unknown =>
        expect.objectContaining({
          Name: `proactive-agents-te-1f2e3d4c-${agent === stack.agents.planning ? 'pla' : 'lea'}`,
          Type: 'data',
          Policy: [
            {
              Rules: [
                {
                  ResourceType: 'index',
                  Resource: ['index/proactive-agents-te-1f2e3d4c/semantic-memory'],
                  // Documents only, as each agent's use: the planner searches, the learner indexes.
                  Permission: [agent === stack.agents.planning ? 'aoss:ReadDocument' : 'aoss:WriteDocument'],
                },
              ],
              Principal: [`<${id(agent.role)}.Arn>`],
            },
          ],
        }),
      ),
    );
    const withCollectionAccess = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes('aoss:APIAccessAll'))
      .map((policy) => policy.Properties.Roles as unknown);
    expect(withCollectionAccess).toEqual(memoryAgents.map((agent) => [{ Ref: id(agent.role) }]));
  });

  it('keeps the fulfillment network in its own table, its routes indexed by warehouse', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'routesByWarehouse',
          KeySchema: [
            { AttributeName: 'warehouseId', KeyType: 'HASH' },
            { AttributeName: 'routeRegion', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  /** The DynamoDB actions a role may take on the network table, per statement. */
  const networkActions = (role: { node: { defaultChild?: unknown } }): string[][] => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(role) }],
      PolicyDocument: { Statement: statements },
    });
    const networkTable = id(stack.memory.network);
    return (statements.asArray() as { Action: string | string[]; Resource: unknown }[])
      .filter((statement) => JSON.stringify(statement.Resource).includes(networkTable))
      .map((statement) => [statement.Action].flat().sort());
  };

  it('lets each agent touch the network table only as its part needs', () => {
    expect(networkActions(stack.agents.fulfillment.role)).toEqual([
      ['dynamodb:BatchGetItem', 'dynamodb:Query'],
    ]);
    expect(networkActions(stack.agents.orderBook.role)).toEqual([
      ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    ]);
    expect(networkActions(stack.agents.network.role)).toEqual([
      ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ['dynamodb:Query'],
    ]);
    expect(networkActions(stack.agents.monitoring.role)).toEqual([]);
    expect(networkActions(stack.agents.planning.role)).toEqual([]);
  });

  it('lets each memory agent make exactly the episodic and procedural calls its use case makes', () => {
    const tableActions = (
      role: { node: { defaultChild?: unknown } },
      table: { node: { defaultChild?: unknown } },
    ) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: id(role) }]))
        .flatMap(
          (policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
        )
        .filter((statement) => JSON.stringify(statement.Resource).includes(`"${id(table)}"`))
        .map((statement) => [statement.Action].flat());
    const { planning, learning, monitoring, fulfillment } = stack.agents;
    expect(tableActions(planning.role, stack.memory.episodic)).toEqual([
      ['dynamodb:Query', 'dynamodb:PutItem'],
    ]);
    expect(tableActions(planning.role, stack.memory.procedural)).toEqual([['dynamodb:Query']]);
    expect(tableActions(learning.role, stack.memory.episodic)).toEqual([['dynamodb:PutItem']]);
    expect(tableActions(learning.role, stack.memory.procedural)).toEqual([
      ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    ]);
    for (const other of [monitoring, fulfillment]) {
      expect(tableActions(other.role, stack.memory.episodic)).toEqual([]);
      expect(tableActions(other.role, stack.memory.procedural)).toEqual([]);
    }
  });

  it('passes the network table, not the network, to the agents: the environment stays small', () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { Environment?: { Variables?: Record<string, unknown> } } }
    >;
    for (const fn of Object.values(functions)) {
      const variables = fn.Properties.Environment?.Variables ?? {};
      expect(Object.keys(variables)).not.toContain('FULFILLMENT_NETWORK');
      expect(JSON.stringify(variables).length).toBeLessThan(2_048);
    }
  });
});

describe('RemediationSaga', () => {
  const { stack, template } = synthStack();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);

  it('runs the JSONPath ASL file, with ARNs through DefinitionSubstitutions, logging and tracing on', () => {
    const deployed = new Capture();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionString: deployed,
      DefinitionSubstitutions: {
        PlanningFunctionArn: { 'Fn::GetAtt': [id(stack.agents.planning.function), 'Arn'] },
        EventBusName: { Ref: id(stack.backbone.bus) },
        LearningFunctionArn: { 'Fn::GetAtt': [id(stack.agents.learning.function), 'Arn'] },
      },
      TracingConfiguration: { Enabled: true },
      // Every transition, but no inputs or outputs: they carry task tokens and order ids.
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    // The file as written, plus each Task's Retry (its kind's policy: test/construct/saga-retries.test.ts).
    const withoutRetries: unknown = JSON.parse(deployed.asString(), (key, value: unknown) =>
      key === 'Retry' ? undefined : value,
    );
    expect(withoutRetries).toEqual(
      JSON.parse(readFileSync(path.join(repoRoot, 'statemachines', 'remediation-saga.asl.json'), 'utf8')),
    );
  });

  it('starts on every order_cancellation_spike, with a DLQ for starts that fail', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['proactive.monitoring'], 'detail-type': ['order_cancellation_spike'] },
      Targets: [
        Match.objectLike({
          Arn: { Ref: id(stack.saga.stateMachine) },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.backbone.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it('may invoke only the planning, learning and policy agents, start only the recovery watch and put only planning events on the bus; it writes no table', () => {
    const roleId = id(stack.saga.stateMachine.role);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown }[]);
    expect(statements).toEqual([
      // Vended log delivery and X-Ray have no resource-level permissions.
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': [id(stack.agents.planning.function), 'Arn'] },
          { 'Fn::GetAtt': [id(stack.agents.learning.function), 'Arn'] },
          { 'Fn::GetAtt': [id(stack.agents.policy.function), 'Arn'] },
        ],
      },
      {
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: { Ref: id(stack.recoveryWatch.stateMachine) },
      },
      // A recovery watch that could not start is reported as a metric, in the agents' namespace only.
      {
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'ProactiveAgents' } },
      },
      expect.objectContaining({ Action: 'events:PutEvents', Condition: expect.anything() }),
    ]);
  });

  it('lets only the saga callback answer task tokens', () => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.agents.sagaCallback.role) }],
      PolicyDocument: { Statement: statements },
    });
    expect(
      (statements.asArray() as { Action: unknown }[]).filter((statement) =>
        JSON.stringify(statement.Action).includes('states:'),
      ),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        Resource: { Ref: id(stack.saga.stateMachine) },
      },
    ]);
    for (const agent of [stack.agents.monitoring, stack.agents.fulfillment, stack.agents.planning]) {
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: id(agent.role) }] },
      });
      expect(JSON.stringify(policies)).not.toContain('states:SendTask');
    }
  });

  describe('saga edges, in the definition', () => {
    type Retrier = { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number };
    type State = {
      Type: string;
      Resource?: string;
      TimeoutSeconds?: number;
      Retry?: Retrier[];
      Parameters?: { FunctionName?: string };
    };
    // The definition as deployed: the ASL file with each Task's Retry.
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[
      id(stack.saga.stateMachine)
    ] as {
      Properties: { DefinitionString: string };
    };
    const definition = JSON.parse(machine.Properties.DefinitionString) as {
      TimeoutSeconds?: number;
      States: Record<string, State>;
    };
    const nested = (machine: { States: Record<string, State> }): [string, State][] =>
      Object.entries(machine.States).flatMap(([name, state]) => [
        [name, state] as [string, State],
        ...('ItemProcessor' in state
          ? nested((state as { ItemProcessor: { States: Record<string, State> } }).ItemProcessor)
          : []),
      ]);
    const states = nested(definition);
    const retried = (state: State, error: string) =>
      (state.Retry ?? []).some(
        (retrier) => retrier.ErrorEquals.includes(error) || retrier.ErrorEquals.includes('States.ALL'),
      );

    it('gives the whole saga the same one-day timeout as the state machine, inside the definition', () => {
      expect(definition.TimeoutSeconds).toBe(86_400);
    });

    it('retries every PutEvents state, the commands included, when EventBridge fails an entry', () => {
      const putEvents = states.filter(([, state]) =>
        state.Resource?.startsWith('arn:aws:states:::events:putEvents'),
      );
      expect(putEvents.length).toBeGreaterThan(0);
      for (const [name, state] of putEvents) {
        expect([name, retried(state, 'EventBridge.FailedEntry')]).toEqual([name, true]);
      }
    });

    it('waits for each agent longer than its Lambda timeout, and never retries a timed-out agent (no double model calls)', () => {
      const functionTimeout = (logicalId: string) =>
        (template.findResources('AWS::Lambda::Function')[logicalId]!.Properties as { Timeout: number })
          .Timeout;
      const invokes = states.filter(([, state]) => state.Resource === 'arn:aws:states:::lambda:invoke');
      expect(invokes.map(([name]) => name).sort()).toEqual([
        'AuthorizeTask',
        'Learn',
        'LearnFromCompensation',
        'Plan',
      ]);
      const agentOf = { Plan: stack.agents.planning, AuthorizeTask: stack.agents.policy } as const;
      for (const [name, state] of invokes) {
        const agent = agentOf[name as keyof typeof agentOf] ?? stack.agents.learning;
        expect([name, state.TimeoutSeconds! > functionTimeout(id(agent.function))]).toEqual([name, true]);
        expect([name, retried(state, 'States.Timeout')]).toEqual([name, false]);
      }
    });

    it('sends the command again when concurrent reroutes took the capacity it planned with, and on nothing else it reports', () => {
      const run = definition.States.RunTask!;
      expect(retried(run, 'CapacityContended')).toBe(true);
      // A reroute that cannot be planned, or whose compensation already ran, is final: no retry.
      expect(retried(run, 'RerouteNotPlannable')).toBe(false);
      expect(retried(run, 'RerouteCancelled')).toBe(false);
      expect(retried(run, 'CommandCancelled')).toBe(false);
    });

    it('runs every task of the plan through one task state, after the policy decision point, with its own timeout', () => {
      const run = definition.States.RunTask as State & { TimeoutSecondsPath?: string; Next?: string };
      expect(run.TimeoutSecondsPath).toBe('$.run.task.timeoutSeconds');
      // Before each task, the policy decision point: allow runs it, the rest branch away from RunTask.
      expect(definition.States.AuthorizeTask).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${PolicyFunctionArn}' },
        Next: 'Authorized',
      });
      expect(definition.States.Authorized).toMatchObject({
        Type: 'Choice',
        Choices: [
          { Variable: '$.run.policy.decision', StringEquals: 'allow', Next: 'RunTask' },
          { Variable: '$.run.policy.decision', StringEquals: 'require_approval', Next: 'StartApproval' },
          { Variable: '$.run.policy.decision', StringEquals: 'suggest', Next: 'PublishSuggestion' },
        ],
        Default: 'PolicyDenied',
      });
      expect(definition.States.MoreTasks).toMatchObject({
        Type: 'Choice',
        Choices: [{ Variable: '$.run.index', NumericLessThanPath: '$.run.count', Next: 'SelectTask' }],
      });
    });

    it('retries each compensation on every error, with backoff, before reporting it failed', () => {
      const walk = definition.States.Compensate as State & {
        MaxConcurrency?: number;
        ItemProcessor: { States: Record<string, State & { Catch?: { Next: string }[] }> };
      };
      expect(walk.Type).toBe('Map');
      expect(walk.MaxConcurrency).toBe(1);
      const compensate = walk.ItemProcessor.States.RunCompensation!;
      expect(compensate.Retry).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], BackoffRate: 2, MaxAttempts: 4 }),
      ]);
      expect(compensate.Catch).toEqual([expect.objectContaining({ Next: 'ReportCompensationFailed' })]);
    });
  });
});

describe('RecoveryWatch', () => {
  const { stack, template } = synthStack();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const { check, stateMachine } = stack.recoveryWatch;
  const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(stateMachine)] as {
    Properties: {
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, unknown>;
      TracingConfiguration: unknown;
      LoggingConfiguration: { Level: string; IncludeExecutionData: boolean };
    };
  };

  it('waits out the hour after the remediation, a window and five minutes of late events, then measures it', () => {
    const definition = JSON.parse(machine.Properties.DefinitionString) as {
      StartAt: string;
      TimeoutSeconds: number;
      States: Record<string, Record<string, unknown>>;
    };
    expect(definition.StartAt).toBe('WaitOutTheHour');
    // 3,600 s of hour, one 5-minute window (the hour starts at the first whole window), 300 s for late events.
    expect(definition.States.WaitOutTheHour).toEqual({
      Type: 'Wait',
      Seconds: 4200,
      Next: 'MeasureRecovery',
    });
    expect(definition.States.MeasureRecovery).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${CheckFunctionArn}', 'Payload.$': '$' },
      TimeoutSeconds: 60,
      End: true,
    });
    expect(definition.TimeoutSeconds).toBe(4200 + 900);
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      CheckFunctionArn: { 'Fn::GetAtt': [id(check.function), 'Arn'] },
    });
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
  });

  it("counts in the monitoring agent's windows: the check reads the counters table with the detector's config", () => {
    const variables = (fn: { node: { defaultChild?: unknown } }) =>
      (
        template.findResources('AWS::Lambda::Function')[id(fn)]!.Properties as {
          Environment: { Variables: Record<string, unknown> };
        }
      ).Environment.Variables;
    const monitoring = variables(stack.agents.monitoring.function);
    expect(variables(check.function)).toMatchObject({
      COUNTERS_TABLE_NAME: monitoring.COUNTERS_TABLE_NAME,
      DETECTOR_CONFIG: monitoring.DETECTOR_CONFIG,
      POWERTOOLS_SERVICE_NAME: 'recovery-watch',
    });
  });
});
