import { presignedSocketUrl } from '../../console/src/live-socket';
import { IamCallers } from '../../local/apigateway/iam-caller';
import { ExecuteApiPolicies } from '../../local/apigateway/websocket-route-policy';
import { ensureAssembly } from '../../local/assembly';
import { LocalSts } from '../../local/iam/local-sts';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import { TemplateIam } from '../../local/iam/template-iam';
import { loadTemplate } from '../../local/template';
import { assemblyDir, repoRoot } from './sandbox-fixture';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SIGNED_AT = Date.parse('2026-12-07T10:00:00Z');

/**
 * The console's presigned `$connect` URL (console/src/live-socket.ts, the code that runs on AWS) against the
 * sandbox's IAM authorization of WebSocket `$connect`, with the synthesized template's operator role: the URL verifies
 * and the role may connect to the live stage; a changed URL, an expired one, or another stage is refused.
 */
describe('the console’s presigned WebSocket URL, verified by the sandbox’s IAM authorization of $connect', () => {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  const template = loadTemplate(assemblyDir, { region: REGION, accountId: ACCOUNT, endpoint: '' });
  const evaluator = new PolicyEvaluator(ACCOUNT);
  const sts = new LocalSts(new TemplateIam(template), evaluator, ACCOUNT);
  const [[, attachment] = []] = template.resourcesOfType('AWS::Cognito::IdentityPoolRoleAttachment');
  const operatorRole = String(
    template.resolve((attachment?.Properties?.Roles as { authenticated: unknown }).authenticated),
  );
  const [[apiLogicalId] = []] = template
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter(([, resource]) => resource.Properties?.ProtocolType === 'WEBSOCKET');
  const apiId = String(template.resolve({ Ref: apiLogicalId }));
  let now = SIGNED_AT;
  const callers = new IamCallers(
    sts,
    new ExecuteApiPolicies(evaluator),
    new TemplateIam(template),
    [operatorRole],
    ACCOUNT,
    () => now,
  );
  const accessKeyId = sts.accessKeyFor(operatorRole)!;
  const base = `ws://127.0.0.1:4510/execute-api/${apiId}`;

  const presigned = (stage: string) =>
    presignedSocketUrl(
      `${base}/${stage}`,
      REGION,
      () => Promise.resolve({ accessKeyId, secretAccessKey: 'sandbox' }),
      () => SIGNED_AT,
    );
  /** API Gateway's view of the upgrade request, and the `$connect` route ARN of `stage`. */
  const authorize = (url: string, stage = 'live') => {
    const target = new URL(url);
    return callers.authorize(
      {
        method: 'GET',
        host: target.host,
        rawPath: target.pathname,
        rawQueryString: target.search.replace(/^\?/, ''),
        headers: { host: target.host },
        body: Buffer.alloc(0),
      },
      `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/${stage}/$connect`,
    );
  };

  beforeEach(() => {
    now = SIGNED_AT + 1000;
  });

  it('verifies the URL and lets the operator role connect to the live stage', async () => {
    await expect(authorize(await presigned('live'))).resolves.toMatchObject({ userArn: operatorRole });
  });

  it('refuses a changed URL, an expired one, and a stage the role was not granted', async () => {
    const url = await presigned('live');
    const changed = new URL(url);
    changed.searchParams.set('X-Amz-Expires', '3600');
    await expect(authorize(changed.toString())).rejects.toThrow(/signature we calculated does not match/);
    now = SIGNED_AT + 61_000;
    await expect(authorize(url)).rejects.toThrow(/^Signature expired: 20261207T100000Z/);
    now = SIGNED_AT + 1000;
    await expect(authorize(await presigned('test'), 'test')).rejects.toThrow(
      `is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/test/$connect`,
    );
  });
});
