import { webSocketApisNotServed } from '../../local/apigateway/websocket-apis';
import { ResolvedTemplate } from '../../local/template';

describe('webSocketApisNotServed (the sandbox run report)', () => {
  it('names each WebSocket API of the template with the reason the sandbox skips it, and no HTTP API', () => {
    const template = new ResolvedTemplate(
      {
        Resources: {
          OperatorApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'ops', ProtocolType: 'HTTP' } },
          LiveApi: {
            Type: 'AWS::ApiGatewayV2::Api',
            Properties: { Name: 'proactive-agents-live', ProtocolType: 'WEBSOCKET' },
          },
        },
      },
      { region: 'us-east-1', accountId: '123456789012', endpoint: 'http://127.0.0.1:1' },
      '/nowhere',
    );

    expect(webSocketApisNotServed(template)).toEqual([
      expect.stringMatching(
        /^WebSocket API proactive-agents-live: not served in the sandbox — the console here receives the same messages by server-sent events \(\/events\)/,
      ),
    ]);
  });
});
