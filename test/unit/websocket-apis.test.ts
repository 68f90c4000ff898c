import { localExecuteApiUrl } from '../../local/apigateway/execute-api-url';
import { selectRoute } from '../../local/apigateway/websocket-events';
import { webSocketApisOf } from '../../local/apigateway/websocket-routes';
import { ResolvedTemplate, type TemplateResource } from '../../local/template';

const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:Connections';

const templateWith = (extra: Record<string, TemplateResource> = {}) =>
  new ResolvedTemplate(
    {
      Resources: {
        OperatorApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'ops', ProtocolType: 'HTTP' } },
        OperatorRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: { ApiId: { Ref: 'OperatorApi' }, RouteKey: 'GET /x', Target: 'integrations/Elsewhere' },
        },
        LiveApi: {
          Type: 'AWS::ApiGatewayV2::Api',
          Properties: {
            Name: 'proactive-agents-live',
            ProtocolType: 'WEBSOCKET',
            RouteSelectionExpression: '$request.body.action',
          },
        },
        LiveIntegration: {
          Type: 'AWS::ApiGatewayV2::Integration',
          Properties: {
            ApiId: { Ref: 'LiveApi' },
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  `:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FUNCTION}/invocations`,
                ],
              ],
            },
          },
        },
        ConnectRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: {
            ApiId: { Ref: 'LiveApi' },
            RouteKey: '$connect',
            AuthorizationType: 'AWS_IAM',
            Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'LiveIntegration' }]] },
          },
        },
        DisconnectRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: {
            ApiId: { Ref: 'LiveApi' },
            RouteKey: '$disconnect',
            Target: 'integrations/LiveIntegration',
          },
        },
        LiveStage: {
          Type: 'AWS::ApiGatewayV2::Stage',
          Properties: { ApiId: { Ref: 'LiveApi' }, StageName: 'live' },
        },
        ...extra,
      },
    },
    { region: 'us-east-1', accountId: '123456789012', endpoint: 'http://127.0.0.1:1' },
    '/nowhere',
  );

describe('webSocketApisOf (the WebSocket APIs the sandbox serves)', () => {
  it('reads each WebSocket API with its stages, routes, authorization and the function its integration invokes', () => {
    expect(webSocketApisOf(templateWith())).toEqual([
      {
        logicalId: 'LiveApi',
        name: 'proactive-agents-live',
        apiId: 'LiveApi',
        routeSelectionExpression: '$request.body.action',
        stages: ['live'],
        routes: [
          { routeKey: '$connect', authorizationType: 'AWS_IAM', functionArn: FUNCTION },
          { routeKey: '$disconnect', authorizationType: 'NONE', functionArn: FUNCTION },
        ],
      },
    ]);
  });

  it('refuses, by name, what it would serve differently from API Gateway', () => {
    const mock = templateWith({
      MockIntegration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: { ApiId: { Ref: 'LiveApi' }, IntegrationType: 'MOCK' },
      },
    });
    expect(() => webSocketApisOf(mock)).toThrow(
      /^MockIntegration: the sandbox serves Lambda proxy integrations only/,
    );
    const answered = templateWith({
      Answer: {
        Type: 'AWS::ApiGatewayV2::RouteResponse',
        Properties: {
          ApiId: { Ref: 'LiveApi' },
          RouteId: { Ref: 'ConnectRoute' },
          RouteResponseKey: '$default',
        },
      },
    });
    expect(() => webSocketApisOf(answered)).toThrow(/^Answer: the sandbox does not serve route responses/);
  });
});

describe('selectRoute (a message to its route)', () => {
  const keys = new Set(['$connect', '$default', 'subscribe']);
  const route = (text: string, routeKeys: ReadonlySet<string> = keys) =>
    selectRoute('$request.body.action', routeKeys, Buffer.from(text), false);

  it('picks the route the selection field names, else $default, and never a $ route by message', () => {
    expect(route('{"action":"subscribe"}')).toBe('subscribe');
    expect(route('{"action":"unknown"}')).toBe('$default');
    expect(route('{"action":"$connect"}')).toBe('$default');
    expect(route('not json')).toBe('$default');
    expect(route('{"action":"unknown"}', new Set(['$connect']))).toBeUndefined();
  });
});

describe('localExecuteApiUrl (a callback URL in a function’s variables)', () => {
  it('maps an execute-api URL to the same API and path under the sandbox endpoint, and nothing else', () => {
    expect(
      localExecuteApiUrl('https://LiveApi.execute-api.us-east-1.amazonaws.com/live', 'http://127.0.0.1:9'),
    ).toBe('http://127.0.0.1:9/execute-api/LiveApi/live');
    expect(
      localExecuteApiUrl('https://sqs.us-east-1.amazonaws.com/123456789012/q', 'http://127.0.0.1:9'),
    ).toBeUndefined();
  });
});
