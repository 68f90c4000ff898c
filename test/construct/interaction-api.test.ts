import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { rendered, synthStack } from './stack-fixture';

/**
 * The operator HTTP API: every route IAM-authorized, throttled, logged, served by a traced function whose role
 * may do exactly what the routes need.
 */
describe('InteractionApi (the operator HTTP API)', () => {
  const { stack, template } = synthStack();
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  const api = stack.operatorApi;
  const apiId = id(api.api);

  /** This API's resources of `type` (the stack has a second API Gateway API: the consoles' WebSocket channel). */
  const ofThisApi = (type: string) =>
    Object.values(template.findResources(type)).filter(
      (resource) => JSON.stringify(resource.Properties.ApiId) === JSON.stringify({ Ref: apiId }),
    );

  it('authorizes every route with AWS_IAM, and serves exactly the operator routes', () => {
    const routes = ofThisApi('AWS::ApiGatewayV2::Route');

    expect(routes.map((route) => String(route.Properties.RouteKey)).sort()).toEqual([
      'GET /agents',
      'GET /approvals',
      'GET /incidents',
      'GET /incidents/{id}/ratio',
      'GET /incidents/{id}/timeline',
      'GET /override-rate',
      'POST /approvals/{id}',
    ]);
    for (const route of routes) {
      expect(route.Properties).toMatchObject({ ApiId: { Ref: apiId }, AuthorizationType: 'AWS_IAM' });
    }
  });

  it('hands every route to the function as a payload format 2.0 Lambda proxy integration', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      ApiId: { Ref: apiId },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [id(api.handler.function), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    expect(ofThisApi('AWS::ApiGatewayV2::Integration')).toHaveLength(1);
  });

  it('throttles the $default stage and writes JSON access logs with the caller to their own log group', () => {
    const [stage] = ofThisApi('AWS::ApiGatewayV2::Stage');

    expect(stage!.Properties).toMatchObject({
      ApiId: { Ref: apiId },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [id(api.accessLogs), 'Arn'] } },
    });
    const format = JSON.parse(stage!.Properties.AccessLogSettings.Format as string);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      caller: '$context.identity.userArn',
    });
  });

  it('runs the function with active tracing, the saga, tables and agents in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'operator-api',
          EPISODIC_TABLE_NAME: { Ref: id(stack.memory.episodic) },
          BUDGETS_TABLE_NAME: { Ref: id(stack.memory.budgets) },
          SAGA_STATE_MACHINE_ARN: { Ref: id(stack.saga.stateMachine) },
          // The override-rate alarm's threshold (stack default), shown by GET /override-rate.
          OVERRIDE_RATE_THRESHOLD: '0.25',
          POWERTOOLS_METRICS_NAMESPACE: 'ProactiveAgents',
        }),
      },
    });
  });

  it('lists every agent of the stack in AGENT_NAMES (not the functions of the API, the live channel and the recovery watch)', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = (fn: (typeof functions)[number]) =>
      (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    const services = functions
      .map((fn) => variables(fn).POWERTOOLS_SERVICE_NAME)
      .filter(
        (name): name is string =>
          typeof name === 'string' &&
          !['operator-api', 'live-push', 'live-connections', 'recovery-watch'].includes(name),
      );
    const operator = functions.find((fn) => variables(fn).POWERTOOLS_SERVICE_NAME === 'operator-api')!;

    expect(JSON.parse(variables(operator).AGENT_NAMES as string).sort()).toEqual(services.sort());
  });

  it('grants the function exactly what its routes call', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter(
        (policy) =>
          JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: id(api.handler.role) }]),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .map((statement) => rendered(statement) as Record<string, unknown>)
      .map((statement) => ({ ...statement, Action: [statement.Action].flat().sort() }));
    const sagaArn = `<${id(stack.saga.stateMachine)}>`;
    const arn = (construct: IConstruct) => `<${id(construct)}.Arn>`;

    expect(statements).toEqual(
      expect.arrayContaining([
        // A timeline Queries episodic memory; nothing Scans it.
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query'],
          Resource: arn(stack.memory.episodic),
        },
        // GET /incidents Queries episodic memory's sparse incidents index, newest first (Memory.grantIncidentListing).
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query'],
          Resource: `${arn(stack.memory.episodic)}/index/incidents`,
        },
        // GET /incidents/{id}/ratio Queries the counters of warehouses and regions, nothing else of that table.
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query'],
          Resource: arn(stack.memory.counters),
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['warehouse#*', 'region#*'] } },
        },
        // GET /agents: each agent's budget ledger items, read with GetItem.
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem'],
          Resource: arn(stack.memory.budgets),
          Condition: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': expect.arrayContaining([
                'budget#planning-agent',
                'budget#learning-agent',
              ]),
            },
          },
        },
        // GET /approvals lists the saga's running executions; POST answers the token.
        { Effect: 'Allow', Action: ['states:ListExecutions'], Resource: sagaArn },
        { Effect: 'Allow', Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'], Resource: sagaArn },
        // Histories (pending approvals, the timeline's steps) and status of the saga's executions only.
        {
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          Resource: `arn:aws:states:eu-west-1:123456789012:execution:<${id(stack.saga.stateMachine)}.Name>:*`,
        },
        // GET /override-rate reads its own decision metrics back (GetMetricData has no resource-level permission).
        { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
          Resource: expect.stringMatching(/^arn:aws:appconfig:eu-west-1:123456789012:application\//),
        },
      ]),
    );
    // Beyond its basics (logs, X-Ray, DLQ), nothing else: no ListStateMachines, no writes to memory.
    expect(statements).toHaveLength(3 + 9);
    expect(JSON.stringify(statements)).not.toMatch(/ListStateMachines|PutItem|UpdateItem|DeleteItem/);
  });
});
