import { ExecuteApiPolicies } from '../../local/apigateway/websocket-route-policy';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';

const ACCOUNT = '123456789012';
const arn = (rest: string) => `arn:aws:execute-api:us-east-1:${ACCOUNT}:LiveApi/${rest}`;

/** The operator role's grant (LiveEventsApi.grantConnect) and the push function's (ManageConnections). */
const policies = new ExecuteApiPolicies(new PolicyEvaluator(ACCOUNT));
const decide = (action: string, resource: string, granted: string) =>
  policies.evaluate({
    principal: `arn:aws:iam::${ACCOUNT}:role/Operator`,
    action,
    resource,
    identityPolicies: [
      {
        name: 'grant',
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: action, Resource: granted }],
        },
      },
    ],
    context: {},
  });

describe('ExecuteApiPolicies (IAM on API Gateway resources, WebSocket routes included)', () => {
  it('allows $connect on the granted stage only', async () => {
    await expect(decide('execute-api:Invoke', arn('live/$connect'), arn('live/$connect'))).resolves.toEqual({
      allowed: true,
    });
    await expect(decide('execute-api:Invoke', arn('live/$connect'), arn('*'))).resolves.toEqual({
      allowed: true,
    });
    await expect(decide('execute-api:Invoke', arn('other/$connect'), arn('live/$connect'))).resolves.toEqual({
      allowed: false,
      reason: expect.stringMatching(
        /is not authorized to perform: execute-api:Invoke on resource: .*other\/\$connect/,
      ),
    });
  });

  it('evaluates ManageConnections on a connection as the policy evaluator does', async () => {
    const granted = arn('live/POST/@connections/*');
    await expect(
      decide('execute-api:ManageConnections', arn('live/POST/@connections/abc='), granted),
    ).resolves.toEqual({
      allowed: true,
    });
    await expect(
      decide('execute-api:ManageConnections', arn('live/DELETE/@connections/abc='), granted),
    ).resolves.toMatchObject({ allowed: false });
  });
});
