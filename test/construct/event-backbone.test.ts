import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { EventBackbone } from '../../lib/event-backbone';
import { contracts } from '../../lambdas/domain/contracts/registry';
import { synthStack } from './stack-fixture';

describe('EventBackbone', () => {
  const { stack, template } = synthStack();

  it('creates a custom bus named after the stack and archives every event on it for the configured retention', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'proactive-agents-test' });
    template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'proactive-agents-test-contracts',
    });
    const archives = Object.values(template.findResources('AWS::Events::Archive'));
    // No `KmsKeyIdentifier` at all: the CDK's empty string fails outside us-east-1.
    expect(archives.map((archive) => archive.Properties as unknown)).toEqual([
      {
        Description: 'Every event on the bus, for replay and audit.',
        RetentionDays: 7,
        EventPattern: { account: ['123456789012'] },
        SourceArn: {
          'Fn::GetAtt': [stack.getLogicalId(stack.backbone.bus.node.defaultChild as never), 'Arn'],
        },
      },
    ]);
  });

  it('keeps undeliverable events in an encrypted DLQ that refuses plain HTTP', () => {
    const queueId = stack.getLogicalId(stack.backbone.deadLetterQueue.node.defaultChild as never);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('publishes one JSON Schema per contract, generated from the zod schemas', () => {
    for (const contract of Object.values(contracts)) {
      template.hasResourceProperties('AWS::EventSchemas::Schema', {
        SchemaName: `${contract.source}@${contract.detailType}`,
        Type: 'JSONSchemaDraft4',
        Content: Match.stringLikeRegexp(`"enum":\\["${contract.detailType}"\\]`),
      });
    }
    const spike = Object.values(template.findResources('AWS::EventSchemas::Schema')).find((r) =>
      (r as { Properties: { SchemaName: string } }).Properties.SchemaName.endsWith(
        '@order_cancellation_spike',
      ),
    ) as { Properties: { Content: string } };
    const schema = JSON.parse(spike.Properties.Content) as { properties: { detail: { required: string[] } } };
    expect(schema.properties.detail.required).toEqual(
      expect.arrayContaining(['schemaVersion', 'correlationId', 'scope']),
    );
  });

  it('rejects an archive retention that is not whole days, quoting the value', () => {
    const app = new App();
    expect(
      () => new EventBackbone(new Stack(app, 'S'), 'B', { archiveRetention: Duration.hours(2) }),
    ).toThrow(/archiveRetention must be a whole number of days, at least one, got 2 hours/);
  });

  it('leaves retail inputs free of platform fields in the published schema', () => {
    const placed = Object.values(template.findResources('AWS::EventSchemas::Schema')).find((r) =>
      (r as { Properties: { SchemaName: string } }).Properties.SchemaName.endsWith('@order_placed'),
    ) as { Properties: { Content: string } };
    const schema = JSON.parse(placed.Properties.Content) as {
      properties: { detail: { required: string[] } };
    };
    expect(schema.properties.detail.required).not.toContain('schemaVersion');
    expect(schema.properties.detail.required).not.toContain('correlationId');
  });

  it('keeps archive replays away from the saga, command consumers and the consoles, and lets state keepers rebuild from them', () => {
    const rules = template.findResources('AWS::Events::Rule');
    const ignoring = Object.entries(rules)
      .filter(
        ([, rule]) => JSON.stringify(rule.Properties.EventPattern['replay-name']) === '[{"exists":false}]',
      )
      .map(([logicalId]) => logicalId)
      .sort();
    const id = (rule: { node: { defaultChild?: unknown } } | undefined) =>
      stack.getLogicalId(rule!.node.defaultChild as never);
    expect(ignoring).toEqual(
      [
        id(stack.saga.rule),
        id(stack.agents.fulfillment.rule),
        id(stack.agents.operations.rule),
        id(stack.agents.sagaCallback.rule),
        // The consoles show what happens now (LiveEventsApi's push).
        id(stack.liveEvents.push.rule),
      ].sort(),
    );
  });

  it('lets each publisher put events as its own source only, of the detail-types its contracts name', () => {
    const busArn = {
      'Fn::GetAtt': [stack.getLogicalId(stack.backbone.bus.node.defaultChild as never), 'Arn'],
    };
    const roleIds = Object.fromEntries(
      Object.entries(template.findResources('AWS::IAM::Policy')).map(([, policy]) => [
        JSON.stringify(policy.Properties.Roles),
        policy.Properties.PolicyDocument.Statement as {
          Action: unknown;
          Condition?: unknown;
          Resource: unknown;
        }[],
      ]),
    );
    const putEvents = (role: { node: { defaultChild?: unknown } }) =>
      (roleIds[JSON.stringify([{ Ref: stack.getLogicalId(role.node.defaultChild as never) }])] ?? []).filter(
        (statement) => statement.Action === 'events:PutEvents',
      );
    const expected = (source: string, detailTypes: string[]) => [
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: { StringEquals: { 'events:source': source, 'events:detail-type': detailTypes } },
      },
    ];
    // Every agent with a dead-letter queue announces what it keeps there for good (agent_error), as its own source.
    expect(putEvents(stack.agents.monitoring.role)).toEqual(
      expected('proactive.monitoring', ['agent_error', 'order_cancellation_spike']),
    );
    expect(putEvents(stack.agents.fulfillment.role)).toEqual(
      expected('proactive.fulfillment', [
        'agent_error',
        'command_failed',
        'rebalance_reverted',
        'region_rebalanced',
        'reroute_complete',
        'reroute_reverted',
      ]),
    );
    expect(putEvents(stack.saga.stateMachine.role)).toEqual(
      expected(
        'proactive.planning',
        Object.values(contracts)
          .filter((contract) => contract.source === 'proactive.planning')
          .map((contract) => contract.detailType)
          .sort(),
      ),
    );
    // The planning agent's inference firewall reports a refused model call, and nothing else of governance's.
    expect(putEvents(stack.agents.planning.role)).toEqual(
      expected('proactive.governance', ['budget_exceeded']),
    );
    const { learning, orderBook, network, sagaCallback } = stack.agents;
    // The order book and the network agent publish nothing but their rejections, as the fulfillment context.
    for (const agent of [orderBook, network]) {
      expect(putEvents(agent.role)).toEqual(expected('proactive.fulfillment', ['agent_error']));
    }
    for (const agent of [learning, sagaCallback]) {
      expect(putEvents(agent.role)).toEqual([]);
    }
  });
});
