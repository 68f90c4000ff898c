import type { ResolvedTemplate } from '../template';

/**
 * The template's WebSocket APIs (`AWS::ApiGatewayV2::Api`, `ProtocolType: WEBSOCKET`), which the sandbox does not
 * serve, one line each with the reason: the console's push channel on AWS, whose messages the sandbox's console
 * receives by server-sent events (`/events`, built by the same code). Its functions still run: the push function on
 * its rule (with no connection to post to), so that its failures show here as they would on AWS.
 */
export function webSocketApisNotServed(template: ResolvedTemplate): string[] {
  return template
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter(([, resource]) => resource.Properties?.ProtocolType === 'WEBSOCKET')
    .map(([logicalId, resource]) => {
      const name = template.resolve(resource.Properties?.Name);
      return (
        `WebSocket API ${typeof name === 'string' ? name : logicalId}: not served in the sandbox — the console here ` +
        'receives the same messages by server-sent events (/events); its push function runs on its rule, with no ' +
        'connection to post to.'
      );
    });
}
