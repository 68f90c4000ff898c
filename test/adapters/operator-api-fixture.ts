import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { declaredTable } from './declared-table';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

/** The operator every request is signed by, unless a test says otherwise. */
export const OPERATOR = 'arn:aws:iam::123456789012:user/ops';

/** A request as API Gateway's HTTP API hands it over (payload format 2.0), signed by `caller`. */
export function httpEvent(method: string, rawPath: string, body?: string, caller: string | null = OPERATOR) {
  const [pathOnly = '/', rawQueryString = ''] = rawPath.split('?');
  return {
    version: '2.0',
    routeKey: `${method} ${pathOnly}`,
    rawPath: pathOnly,
    rawQueryString,
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      ...(caller === null
        ? {}
        : {
            authorizer: {
              iam: {
                accessKey: 'AKIAOPS',
                accountId: '123456789012',
                callerId: 'AIDAOPS',
                userArn: caller,
                userId: 'AIDAOPS',
                cognitoIdentity: null,
                principalOrgId: null,
              },
            },
          }),
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: pathOnly, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: `${method} ${pathOnly}`,
      stage: '$default',
      time: '20/Nov/2026:13:00:00 +0000',
      timeEpoch: Date.parse('2026-11-20T13:00:00Z'),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

/** dynalite with the tables the operator API reads (episodic memory as lib/memory.ts declares it), and its store. */
export async function startOperatorTables(): Promise<{ dynamo: LocalDynamo; episodic: DynamoEpisodicStore }> {
  const dynamo = await startDynamo([
    declaredTable('episodic', 'episodic'),
    pkSkTable('budgets'),
    pkSkTable('counters'),
  ]);
  return { dynamo, episodic: new DynamoEpisodicStore('episodic', dynamo.client) };
}
