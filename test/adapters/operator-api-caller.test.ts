import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchOperatorDecisions } from '../../lambdas/adapters/cloudwatch-operator-decisions';
import { DynamoBudgetLedger } from '../../lambdas/adapters/dynamodb-budget-ledger';
import { DynamoIncidentReader } from '../../lambdas/adapters/dynamodb-incident-reader';
import { DynamoWindowStore } from '../../lambdas/adapters/dynamodb-window-store';
import { parseGovernanceConfigText } from '../../lambdas/domain/governance/governance-config';
import { operatorApi } from '../../lambdas/handlers/operator-routes';

/** A task token as Step Functions hands them out: a long run of base64 characters, answered as is. */
const TOKEN = 'AAAA'.repeat(40);
const SUB = '4f1c2d3e-1111-2222-3333-444455556666';
const POOL = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const SHARED_ROLE_SESSION =
  'arn:aws:sts::123456789012:assumed-role/ProactiveAgents-OperatorConsoleSignInCredentialsAut-X/CognitoIdentityCredentials';

/** POST /approvals/<token> as API Gateway hands it over, signed with `iam` (its `authorizer.iam`). */
function answerEvent(decision: 'approve' | 'reject', iam: Record<string, unknown>) {
  const rawPath = `/approvals/${TOKEN}`;
  return {
    version: '2.0',
    routeKey: 'POST /approvals/{id}',
    rawPath,
    rawQueryString: '',
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: { iam },
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: 'POST /approvals/{id}',
      stage: '$default',
      time: '20/Nov/2026:13:00:00 +0000',
      timeEpoch: Date.parse('2026-11-20T13:00:00Z'),
    },
    body: JSON.stringify({ decision, reason: 'checked the network' }),
    isBase64Encoded: false,
  };
}

/**
 * Who answered an approval, as the saga records it (`by <caller>: <reason>`): an operator signed in to the console
 * calls with the identity pool's credentials, whose role session is every operator's; the person is the sign-in the
 * identity records. Step Functions is mocked at the AWS boundary; nothing else is reached.
 */
describe('operator API: the caller of an approval answer', () => {
  const sfn = mockClient(SFNClient);
  const unreachable = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1' });
  const app = operatorApi({
    incidents: new DynamoIncidentReader('episodic', unreachable),
    windows: new DynamoWindowStore('counters', unreachable),
    sfn: new SFNClient({ region: 'eu-west-1' }),
    stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:RemediationSaga',
    governance: () =>
      Promise.resolve(
        parseGovernanceConfigText(
          readFileSync(path.resolve(__dirname, '..', '..', 'config', 'governance.json'), 'utf8'),
        ),
      ),
    budgets: new DynamoBudgetLedger('budgets', unreachable),
    agents: [],
    decisions: new CloudWatchOperatorDecisions(
      new CloudWatchClient({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1' }),
      'ProactiveAgents',
      'operator-api',
    ),
    overrideRateThreshold: 0.25,
    now: () => Date.parse('2026-11-20T13:00:00Z'),
  });
  const answer = async (decision: 'approve' | 'reject', iam: Record<string, unknown>) => {
    const result = await app.resolve(answerEvent(decision, iam) as never, { awsRequestId: 'r' } as Context);
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as { note?: string } };
  };

  beforeEach(() => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });
  afterAll(() => sfn.restore());

  it('names the operator signed in through the identity pool, not the role session they share', async () => {
    const approved = await answer('approve', {
      accessKey: 'ASIAEXAMPLE',
      accountId: '123456789012',
      callerId: 'AROAEXAMPLE:CognitoIdentityCredentials',
      userArn: SHARED_ROLE_SESSION,
      userId: 'AROAEXAMPLE:CognitoIdentityCredentials',
      cognitoIdentity: {
        amr: ['authenticated', POOL, `${POOL}:CognitoSignIn:${SUB}`],
        identityId: 'eu-west-1:0a1b2c3d-0000-1111-2222-333344445555',
        identityPoolId: 'eu-west-1:9f8e7d6c-0000-1111-2222-333344445555',
      },
      principalOrgId: null,
    });

    expect(approved).toEqual({
      status: 200,
      body: { outcome: 'approved', note: `by ${POOL}:CognitoSignIn:${SUB}: checked the network` },
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({
      taskToken: TOKEN,
      output: JSON.stringify({ note: `by ${POOL}:CognitoSignIn:${SUB}: checked the network` }),
    });
  });

  it('names any other IAM caller by its ARN', async () => {
    const rejected = await answer('reject', {
      accessKey: 'AKIAOPS',
      accountId: '123456789012',
      callerId: 'AIDAOPS',
      userArn: 'arn:aws:iam::123456789012:user/ops',
      userId: 'AIDAOPS',
      cognitoIdentity: null,
      principalOrgId: null,
    });

    expect(rejected.body.note).toBe('by arn:aws:iam::123456789012:user/ops: checked the network');
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toMatchObject({
      taskToken: TOKEN,
      cause: 'by arn:aws:iam::123456789012:user/ops: checked the network',
    });
  });
});
