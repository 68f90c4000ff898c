import { OperatorApi } from '../../console/src/api';
import { signedFetch } from '../../console/src/signed-fetch';
import { IamAuthorizationError, IamCallers } from '../../local/apigateway/iam-caller';
import { ensureAssembly } from '../../local/assembly';
import { LocalSts } from '../../local/iam/local-sts';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import { TemplateIam } from '../../local/iam/template-iam';
import { loadTemplate } from '../../local/template';
import { assemblyDir, repoRoot } from './sandbox-fixture';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The console on AWS signs its API requests itself (SigV4, with the credentials the identity pool gives a signed-in
 * operator). Its signer against the sandbox's API Gateway IAM authorization — which recomputes the signature and
 * evaluates the caller's policies — with the synthesized template's identity-pool role as the signer: every request
 * the console makes verifies and is allowed; a changed request, or a route the role was not granted, is refused.
 */
describe('the console’s request signing, verified by the sandbox’s IAM authorization', () => {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  const template = loadTemplate(assemblyDir, { region: REGION, accountId: ACCOUNT, endpoint: '' });
  const iam = new TemplateIam(template);
  const evaluator = new PolicyEvaluator(ACCOUNT);
  const sts = new LocalSts(iam, evaluator, ACCOUNT);
  const [[, attachment] = []] = template.resourcesOfType('AWS::Cognito::IdentityPoolRoleAttachment');
  const operatorRole = String(
    template.resolve((attachment?.Properties?.Roles as { authenticated: unknown }).authenticated),
  );
  const [[apiLogicalId] = []] = template
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter(([, resource]) => resource.Properties?.Name === 'proactive-agents-operator');
  const apiId = String(template.resolve({ Ref: apiLogicalId }));
  const callers = new IamCallers(sts, evaluator, iam, [operatorRole], ACCOUNT);
  const accessKeyId = sts.accessKeyFor(operatorRole)!;
  const base = `https://${apiId}.execute-api.${REGION}.amazonaws.com`;

  const sent: Sent[] = [];
  const send = signedFetch(
    REGION,
    () => Promise.resolve({ accessKeyId, secretAccessKey: 'sandbox' }),
    (input, init) => {
      sent.push({
        url: input as string,
        method: init!.method!,
        headers: init!.headers as Record<string, string>,
        ...(typeof init!.body === 'string' ? { body: init!.body } : {}),
      });
      return Promise.resolve(
        new Response(
          JSON.stringify({ incidents: [], approvals: [], agents: [], outcome: 'approved', note: '' }),
        ),
      );
    },
  );
  const api = new OperatorApi(
    { apiBase: base, region: REGION, traces: { kind: 'xray' }, environment: 'test' },
    send,
  );

  /** API Gateway's view of a sent request, and the route ARN it authorizes. */
  const authorize = (request: Sent, change: Partial<Sent> = {}) => {
    const { url, method, headers, body } = { ...request, ...change };
    const target = new URL(url);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    return callers.authorize(
      {
        method,
        host: target.host,
        rawPath: target.pathname,
        rawQueryString: target.search.replace(/^\?/, ''),
        headers: { ...lower, host: target.host },
        body: Buffer.from(body ?? ''),
      },
      `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/$default/${method}${target.pathname}`,
    );
  };

  beforeAll(async () => {
    sent.length = 0;
    await api.incidents(20);
    await api.approvals();
    await api.agents();
    await api.ratio('warehouse#WH-NYC#2026-11-20T10:35:00Z');
    await api.answer('warehouse#WH-NYC#2026-11-20T10:35:00Z', 'approve', 'checked the network');
  });

  it('signs every request the console makes so that it verifies and the operator role may call it', async () => {
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`)).toEqual([
      'GET /incidents?limit=20',
      'GET /approvals',
      'GET /agents',
      'GET /incidents/warehouse%23WH-NYC%232026-11-20T10%3A35%3A00Z/ratio',
      'POST /approvals/warehouse%23WH-NYC%232026-11-20T10%3A35%3A00Z',
    ]);
    for (const request of sent) {
      expect(Object.keys(request.headers).map((h) => h.toLowerCase())).not.toContain('host');
      await expect(authorize(request)).resolves.toMatchObject({ userArn: operatorRole });
    }
  });

  it('is refused once the request is changed: another body, another id, another query', async () => {
    const answer = sent.find((r) => r.method === 'POST')!;
    const listing = sent[0]!;
    await expect(authorize(answer, { body: JSON.stringify({ decision: 'reject' }) })).rejects.toThrow(
      IamAuthorizationError,
    );
    await expect(authorize(answer, { url: `${base}/approvals/warehouse%23WH-BOS` })).rejects.toThrow(
      /signature we calculated does not match/,
    );
    await expect(authorize(listing, { url: `${base}/incidents?limit=21` })).rejects.toThrow(
      /signature we calculated does not match/,
    );
  });

  it('lets the operator role call the routes of the operator API and nothing else', async () => {
    const signedFor = async (method: string, path: string) => {
      const before = sent.length;
      await send(`${base}${path}`, { method, headers: {} });
      return sent[before]!;
    };
    await expect(authorize(await signedFor('DELETE', '/incidents'))).rejects.toThrow(
      /is not authorized to perform: execute-api:Invoke/,
    );
    await expect(authorize(await signedFor('GET', '/approvals/x/y'))).rejects.toThrow(
      /is not authorized to perform: execute-api:Invoke/,
    );
  });
});
