import type { IConstruct } from 'constructs';
import { rendered, synthStack } from './stack-fixture';

/**
 * The consoles' push channel on AWS: a WebSocket API whose $connect only the operator role may open (IAM), a
 * connections table, and a push function on a rule for the platform's own events, with its failures kept.
 */
describe('LiveEventsApi (the WebSocket push channel)', () => {
  const { stack, template } = synthStack();
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  const live = stack.liveEvents;
  const apiId = id(live.api);
  const ofThisApi = (type: string) =>
    Object.values(template.findResources(type)).filter(
      (resource) => JSON.stringify(resource.Properties.ApiId) === JSON.stringify({ Ref: apiId }),
    );
  /** The statements of the policies attached to `role`, rendered, actions sorted. */
  const statementsOf = (role: IConstruct): Record<string, unknown>[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: id(role) }]))
      .flatMap((policy) => rendered(policy.Properties.PolicyDocument.Statement) as Record<string, unknown>[])
      .map((statement) => ({ ...statement, Action: [statement.Action].flat().sort() }));
  const arn = (construct: IConstruct) => `<${id(construct)}.Arn>`;
  const execute = `arn:aws:execute-api:eu-west-1:123456789012:<${apiId}>`;

  it('is a WebSocket API whose $connect is IAM-authorized, and $disconnect the only other route', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      Name: 'proactive-agents-test-live',
    });
    const routes = ofThisApi('AWS::ApiGatewayV2::Route').map(
      (route) => route.Properties as { RouteKey: string; AuthorizationType?: string },
    );
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['$connect', '$disconnect']);
    expect(routes.find((route) => route.RouteKey === '$connect')).toMatchObject({
      AuthorizationType: 'AWS_IAM',
    });
    // API Gateway authorizes a connection once, on $connect; $disconnect cannot carry an authorizer.
    expect(routes.find((route) => route.RouteKey === '$disconnect')).toMatchObject({
      AuthorizationType: 'NONE',
    });
    const integrations = ofThisApi('AWS::ApiGatewayV2::Integration').map((i) => rendered(i.Properties));
    expect(integrations).toEqual([
      expect.objectContaining({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${arn(live.connectionHandler.function)}/invocations`,
      }),
    ]);
  });

  it('gives the connection handler a timeout within the 29 s a WebSocket integration waits', () => {
    const handler = template.findResources('AWS::Lambda::Function')[id(live.connectionHandler.function)];
    expect(handler?.Properties.Timeout).toBeLessThanOrEqual(29);
  });

  it('throttles the stage and writes JSON access logs, with the account role API Gateway logs with', () => {
    const [stage] = ofThisApi('AWS::ApiGatewayV2::Stage');
    expect(stage!.Properties).toMatchObject({
      StageName: 'live',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [id(live.accessLogs), 'Arn'] } },
    });
    expect(JSON.parse(stage!.Properties.AccessLogSettings.Format as string)).toMatchObject({
      routeKey: '$context.routeKey',
      connectionId: '$context.connectionId',
      caller: '$context.identity.userArn',
      authorizeError: '$context.authorize.error',
    });
    const account = live.node.findChild('ApiGatewayAccount');
    const logsRole = live.node.findChild('ApiGatewayLogsRole');
    expect(rendered(template.toJSON().Resources[id(account)].Properties)).toEqual({
      CloudWatchRoleArn: arn(logsRole),
    });
    // The stage is created once the account has the role (else API Gateway refuses its logging).
    expect(stage!.DependsOn).toContain(id(account));
    // The account's setting, and the role it names, outlive the stack: deleting a stack must not break the logs of
    // every API of the account that the setting still serves.
    for (const resource of [account, logsRole]) {
      expect(template.toJSON().Resources[id(resource)]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    expect(statementsOf(logsRole)).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:FilterLogEvents',
          'logs:GetLogEvents',
          'logs:PutLogEvents',
        ],
        Resource: 'arn:aws:logs:eu-west-1:123456789012:log-group:*',
      },
    ]);
  });

  it('keeps connections in an encrypted table with point-in-time recovery and TTL', () => {
    expect(template.toJSON().Resources[id(live.connections)].Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        expect.objectContaining({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('grants the operator role execute-api:Invoke on $connect of the live stage, nothing else of this API', () => {
    const granted = statementsOf(stack.operatorConsole.signIn.operatorRole).filter((statement) =>
      JSON.stringify(statement.Resource).includes(apiId),
    );
    expect(granted).toEqual([
      { Effect: 'Allow', Action: ['execute-api:Invoke'], Resource: `${execute}/live/$connect` },
    ]);
  });

  it('grants the connection handler PutItem and DeleteItem on the connections table only', () => {
    const statements = statementsOf(live.connectionHandler.role);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      Resource: arn(live.connections),
    });
    expect(statements.filter((s) => JSON.stringify(s).includes('dynamodb:'))).toHaveLength(1);
    expect(statements.filter((s) => JSON.stringify(s).includes('execute-api:'))).toEqual([]);
  });

  it('grants the push function paged Scans and deletes of connections, and PostToConnection on its stage only', () => {
    const statements = statementsOf(live.push.role);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['dynamodb:DeleteItem', 'dynamodb:Scan'],
          Resource: arn(live.connections),
        },
        {
          Effect: 'Allow',
          Action: ['execute-api:ManageConnections'],
          Resource: `${execute}/live/POST/@connections/*`,
        },
      ]),
    );
    // Beyond its basics (its logs, X-Ray, its DLQ), nothing else.
    expect(
      statements.filter((s) => !/logs:|xray:|sqs:SendMessage/.test(JSON.stringify(s.Action))),
    ).toHaveLength(2);
  });

  it("feeds the push function the platform's own events (not the order stream) by a rule with retries and the bus DLQ", () => {
    const rule = template.toJSON().Resources[id(live.push.rule!)].Properties;
    expect(rule.EventPattern).toEqual({
      source: [
        'proactive.monitoring',
        'proactive.planning',
        'proactive.fulfillment',
        'proactive.operations',
        'proactive.governance',
      ],
      // An archive replay is not pushed to the consoles.
      'replay-name': [{ exists: false }],
    });
    expect(rendered(rule.Targets)).toEqual([
      expect.objectContaining({
        Arn: arn(live.push.function),
        DeadLetterConfig: { Arn: arn(stack.backbone.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      }),
    ]);
    // Its own failures: retried twice by Lambda, then kept in its dead-letter queue.
    const config = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).find(
      (resource) =>
        JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: id(live.push.function) }),
    );
    expect(rendered(config!.Properties)).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arn(live.push.deadLetterQueue) } },
    });
  });

  it('tells the push function its callback URL and table, and the console its wss:// URL in config.json', () => {
    const fn = template.toJSON().Resources[id(live.push.function)].Properties;
    expect(rendered(fn.Environment.Variables)).toMatchObject({
      CONNECTIONS_TABLE_NAME: `<${id(live.connections)}>`,
      WEBSOCKET_CALLBACK_URL: `https://<${apiId}>.execute-api.eu-west-1.amazonaws.com/live`,
      PUSH_CONCURRENCY: '16',
      POWERTOOLS_SERVICE_NAME: 'live-push',
    });
    template.hasOutput('OperatorLiveEventsUrl', {});
    expect(rendered(stack.resolve(live.url))).toBe(
      `wss://<${apiId}>.execute-api.eu-west-1.amazonaws.com/live`,
    );
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(JSON.stringify(deployment!.Properties.SourceMarkers)).toContain(apiId);
  });
});
