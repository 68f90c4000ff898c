import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as logs from 'aws-cdk-lib/aws-logs';

/**
 * A stage's access logs as one JSON line per request, the same fields for every API of the stack — who called
 * (the IAM caller: operators are told apart by it), what, from where, and why it failed — plus those of its
 * protocol (`extra`: an HTTP API's latency, a WebSocket API's connection and event type).
 */
export function jsonAccessLogs(
  destination: logs.ILogGroup,
  extra: Readonly<Record<string, string>>,
): apigwv2.IAccessLogSettings {
  return {
    destination: new apigwv2.LogGroupLogDestination(destination),
    format: apigw.AccessLogFormat.custom(
      JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        caller: '$context.identity.userArn',
        sourceIp: '$context.identity.sourceIp',
        ...extra,
        integrationError: '$context.integrationErrorMessage',
        error: '$context.error.message',
      }),
    ),
  };
}
