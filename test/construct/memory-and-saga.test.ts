import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { repoRoot, synthStack } from './stack-fixture';

describe('Memory', () => {
  const { stack, template } = synthStack();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);

  it('keeps every table on demand, encrypted, with point-in-time recovery', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(6);
    for (const table of Object.values(tables) as { Properties: Record<string, unknown> }[]) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(JSON.stringify(table.Properties.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
    }
  });

  it('expires episodic records, window counters and idempotency records through TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
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

  it('creates a vector search collection after its encryption and network policies', () => {
    const collection = template.findResources('AWS::OpenSearchServerless::Collection');
    const [collectionId, resource] = Object.entries(collection)[0] as [
      string,
      { Properties: unknown; DependsOn: string[] },
    ];
    expect(resource.Properties).toMatchObject({ Name: 'proactive-memory', Type: 'VECTORSEARCH' });
    template.hasResourceProperties('AWS::OpenSearchServerless::SecurityPolicy', {
      Type: 'encryption',
      Policy: Match.stringLikeRegexp('"AWSOwnedKey":true'),
    });
    template.hasResourceProperties('AWS::OpenSearchServerless::SecurityPolicy', { Type: 'network' });
    expect(resource.DependsOn).toHaveLength(2);
    expect(collectionId).toBe(stack.getLogicalId(stack.memory.collection));
  });

  it('grants the semantic memory to the planning agent alone, by data access policy and IAM', () => {
    template.hasResourceProperties('AWS::OpenSearchServerless::AccessPolicy', {
      Type: 'data',
      Policy: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([Match.stringLikeRegexp('index/proactive-memory/\\*')]),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.agents.planning.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'aoss:APIAccessAll',
            Resource: { 'Fn::GetAtt': [stack.getLogicalId(stack.memory.collection), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('lets the order book query only its own index', () => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.agents.orderBook.role) }],
      PolicyDocument: { Statement: statements },
    });
    const text = JSON.stringify(statements.asArray());
    expect(text).toContain('/index/byWarehouse');
    expect(text).not.toContain('/index/*');
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
      ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    ]);
    expect(networkActions(stack.agents.monitoring.role)).toEqual([]);
    expect(networkActions(stack.agents.planning.role)).toEqual([]);
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

  it('runs the JSONPath ASL file with ARNs through DefinitionSubstitutions, logging and tracing on', () => {
    const asl = readFileSync(path.join(repoRoot, 'statemachines', 'remediation-saga.asl.json'), 'utf8');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionString: asl,
      DefinitionSubstitutions: {
        PlanningFunctionArn: { 'Fn::GetAtt': [id(stack.agents.planning.function), 'Arn'] },
        EventBusName: { Ref: id(stack.backbone.bus) },
        EpisodicTableName: { Ref: id(stack.memory.episodic) },
      },
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
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

  it('may invoke only the planning and learning agents, put events only on the bus and write only episodic memory', () => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(stack.saga.stateMachine.role.node.defaultChild as never) }],
      PolicyDocument: { Statement: statements },
    });
    const all = statements.asArray() as { Action: string | string[]; Resource: unknown }[];
    expect(all).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: [
            { 'Fn::GetAtt': [id(stack.agents.planning.function), 'Arn'] },
            { 'Fn::GetAtt': [id(stack.agents.learning.function), 'Arn'] },
          ],
        }),
        expect.objectContaining({
          Action: 'events:PutEvents',
          Resource: { 'Fn::GetAtt': [id(stack.backbone.bus), 'Arn'] },
        }),
        expect.objectContaining({
          Action: 'dynamodb:PutItem',
          Resource: { 'Fn::GetAtt': [id(stack.memory.episodic), 'Arn'] },
        }),
      ]),
    );
  });

  it('lets only the saga callback answer task tokens', () => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.agents.sagaCallback.role) }],
      PolicyDocument: { Statement: statements },
    });
    expect(JSON.stringify(statements.asArray())).toContain('states:SendTaskSuccess');
    for (const agent of [stack.agents.monitoring, stack.agents.fulfillment, stack.agents.planning]) {
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: id(agent.role) }] },
      });
      expect(JSON.stringify(policies)).not.toContain('states:SendTask');
    }
  });
});
