import { webcrypto } from 'node:crypto';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import {
  authorizeUrl,
  completeSignIn,
  currentIdToken,
  signOutUrl,
  type BrowserSession,
} from '../../console/src/sign-in';
import { operatorCredentials } from '../../console/src/signed-fetch';
import { Activity } from '../../local/activity';
import { LocalCognito } from '../../local/cognito/local-cognito';
import { distributionOrigins } from '../../local/distribution-origins';
import { LocalEndpoint } from '../../local/endpoint';
import { LocalSts } from '../../local/iam/local-sts';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import { TemplateIam } from '../../local/iam/template-iam';
import { ResolvedTemplate } from '../../local/template';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const CONSOLE = 'http://127.0.0.1:4173';

const trust = (amr: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: 'Credentials' } },
        'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': amr },
      },
    },
  ],
});

/** The resources OperatorSignIn synthesizes, in small: the console's callback is its distribution's domain. */
const template = new ResolvedTemplate(
  {
    Resources: {
      Distribution: { Type: 'AWS::CloudFront::Distribution', Properties: {} },
      Operators: {
        Type: 'AWS::Cognito::UserPool',
        Properties: { Policies: { PasswordPolicy: { MinimumLength: 14 } } },
      },
      Domain: {
        Type: 'AWS::Cognito::UserPoolDomain',
        Properties: { Domain: 'operators-123456789012', UserPoolId: { Ref: 'Operators' } },
      },
      Console: {
        Type: 'AWS::Cognito::UserPoolClient',
        Properties: {
          UserPoolId: { Ref: 'Operators' },
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: ['openid', 'email', 'profile'],
          CallbackURLs: [
            { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Distribution', 'DomainName'] }, '/']] },
          ],
          LogoutURLs: [
            { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Distribution', 'DomainName'] }, '/']] },
          ],
          IdTokenValidity: 60,
          AccessTokenValidity: 60,
          RefreshTokenValidity: 720,
          TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
        },
      },
      Credentials: {
        Type: 'AWS::Cognito::IdentityPool',
        Properties: {
          AllowUnauthenticatedIdentities: false,
          CognitoIdentityProviders: [
            {
              ClientId: { Ref: 'Console' },
              ProviderName: {
                'Fn::Join': [
                  '',
                  ['cognito-idp.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: 'Operators' }],
                ],
              },
            },
          ],
        },
      },
      AuthenticatedRole: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: trust('authenticated') },
      },
      UnauthenticatedRole: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: trust('unauthenticated') },
      },
      Attachment: {
        Type: 'AWS::Cognito::IdentityPoolRoleAttachment',
        Properties: {
          IdentityPoolId: { Ref: 'Credentials' },
          Roles: {
            authenticated: { 'Fn::GetAtt': ['AuthenticatedRole', 'Arn'] },
            unauthenticated: { 'Fn::GetAtt': ['UnauthenticatedRole', 'Arn'] },
          },
        },
      },
    },
  },
  { region: REGION, accountId: ACCOUNT, endpoint: '' },
  '/nonexistent',
);

/** The tab's sessionStorage, Web Crypto and clock, as the console's sign-in uses them. */
function tab(): BrowserSession {
  const items = new Map<string, string>();
  return {
    storage: {
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => void items.set(key, value),
      removeItem: (key) => void items.delete(key),
    },
    fetch: (input, init) => fetch(input, init),
    crypto: webcrypto,
    now: Date.now,
  };
}

describe('the sandbox’s Cognito stand-in', () => {
  const activity = new Activity();
  const endpoint = new LocalEndpoint(activity);
  const sts = new LocalSts(new TemplateIam(template), new PolicyEvaluator(ACCOUNT), ACCOUNT);
  let clock = Date.now();
  let url = '';
  let cognito: LocalCognito;
  let password = '';

  beforeAll(async () => {
    url = await endpoint.listen();
    cognito = (await LocalCognito.fromTemplate(template, {
      sts,
      rewriteUrl: distributionOrigins(template, CONSOLE),
      now: () => clock,
    }))!;
    cognito.mount(endpoint);
    password = cognito.createUser('operator', { email: 'operator@example.com' });
  });
  afterAll(() => endpoint.close());
  beforeEach(() => {
    clock = Date.now();
  });

  const settings = () => cognito.signInSettings(url);

  /** The hosted page: fills the form of the authorize URL and answers the redirect it gives (not followed). */
  async function signInOnPage(authorize: string, user = 'operator', secret = password): Promise<Response> {
    const page = await fetch(authorize);
    const form = new URLSearchParams(new URL(authorize).search);
    form.set('username', user);
    form.set('password', secret);
    expect(page.status).toBe(200);
    return fetch(new URL('authorize', authorize), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
  }

  /** The console's whole sign-in: authorize URL, the page, the redirect back, the token request. */
  async function signedInTab(): Promise<{ session: BrowserSession; idToken: string }> {
    const session = tab();
    const authorize = await authorizeUrl(settings(), `${CONSOLE}/`, session);
    const answer = await signInOnPage(authorize);
    const tokens = await completeSignIn(settings(), new URL(answer.headers.get('location')!), session);
    return { session, idToken: tokens!.idToken };
  }

  const identity = (operation: string, body: Record<string, unknown>) =>
    fetch(`${url}/cognito-identity`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityService.${operation}`,
      },
      body: JSON.stringify(body),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }));

  it('signs the console in with PKCE and gives the authenticated role’s credentials through the identity pool', async () => {
    // Arrange / act: the console's own code, against the stand-in over HTTP.
    const { session, idToken } = await signedInTab();
    const credentials = await operatorCredentials(settings(), () => Promise.resolve(idToken))();

    // Assert: Cognito's ID token claims, and an STS session of the authenticated role (whose policies the APIs apply).
    const claims = decodeJwt(idToken);
    expect(claims).toMatchObject({
      iss: `https://cognito-idp.${REGION}.amazonaws.com/Operators`,
      aud: 'Console',
      token_use: 'id',
      'cognito:username': 'operator',
      email: 'operator@example.com',
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    expect(session.storage.getItem('proactive-agents.sign-in.tokens')).toContain(idToken);
    const issued = sts.session(credentials.accessKeyId);
    expect(issued?.role.logicalId).toBe('AuthenticatedRole');
    expect(issued?.arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/AuthenticatedRole/CognitoIdentityCredentials`,
    );
    expect(credentials.sessionToken).toBe(issued?.sessionToken);
    expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('publishes the pool’s signing key and OpenID configuration', async () => {
    const jwks = (await (await fetch(`${url}/cognito-idp/Operators/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg: string; kty: string }[];
    };
    const openid = (await (
      await fetch(`${url}/cognito-idp/Operators/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    const { idToken } = await signedInTab();
    const header = JSON.parse(Buffer.from(idToken.split('.')[0]!, 'base64url').toString()) as { kid: string };

    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', kid: header.kid })]);
    expect(openid).toMatchObject({
      issuer: `https://cognito-idp.${REGION}.amazonaws.com/Operators`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('refuses a token request whose PKCE verifier does not match the challenge', async () => {
    const session = tab();
    const authorize = await authorizeUrl(settings(), `${CONSOLE}/`, session);
    const code = new URL((await signInOnPage(authorize)).headers.get('location')!).searchParams.get('code')!;

    const answer = await fetch(`${settings().domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'Console',
        code,
        redirect_uri: `${CONSOLE}/`,
        code_verifier: 'x'.repeat(43),
      }).toString(),
    });

    expect(answer.status).toBe(400);
    await expect(answer.json()).resolves.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an authorize request whose redirect_uri is not a callback URL of the client, without redirecting', async () => {
    const session = tab();
    const authorize = new URL(await authorizeUrl(settings(), 'https://attacker.example/', session));

    const page = await fetch(authorize, { redirect: 'manual' });

    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    await expect(page.text()).resolves.toContain('redirect_mismatch');
  });

  it('sends the browser back with invalid_request when the authorize request has no S256 code challenge', async () => {
    const authorize = new URL(await authorizeUrl(settings(), `${CONSOLE}/`, tab()));
    authorize.searchParams.delete('code_challenge');
    authorize.searchParams.delete('code_challenge_method');

    const answer = await fetch(authorize, { redirect: 'manual' });

    const back = new URL(answer.headers.get('location')!);
    expect(answer.status).toBe(302);
    expect(`${back.origin}${back.pathname}`).toBe(`${CONSOLE}/`);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
  });

  it('shows the sign-in page again, with no code, for a wrong password', async () => {
    const authorize = await authorizeUrl(settings(), `${CONSOLE}/`, tab());

    const answer = await signInOnPage(authorize, 'operator', `${password}x`);

    expect(answer.status).toBe(200);
    await expect(answer.text()).resolves.toContain('Incorrect username or password.');
  });

  it('refreshes the ID token with the refresh token when it is about to expire, and refuses an unknown one', async () => {
    const { session, idToken } = await signedInTab();
    const later = { ...session, now: () => Date.now() + 58 * 60_000 };
    const stored = JSON.parse(session.storage.getItem('proactive-agents.sign-in.tokens')!) as Record<
      string,
      unknown
    >;

    const refreshed = await currentIdToken(settings(), later);
    session.storage.setItem(
      'proactive-agents.sign-in.tokens',
      JSON.stringify({ ...stored, refreshToken: 'not-a-token-the-pool-issued', expiresAt: Date.now() }),
    );
    const refused = await currentIdToken(settings(), later);

    expect(refreshed).not.toBe(idToken);
    expect(decodeJwt(refreshed!)).toMatchObject({ token_use: 'id', sub: decodeJwt(idToken).sub });
    expect(refused).toBeUndefined();
    expect(session.storage.getItem('proactive-agents.sign-in.tokens')).toBeNull();
  });

  it('signs out to one of the client’s sign-out URLs only', async () => {
    const back = await fetch(signOutUrl(settings(), `${CONSOLE}/`, tab()), { redirect: 'manual' });
    const elsewhere = await fetch(signOutUrl(settings(), 'https://attacker.example/', tab()), {
      redirect: 'manual',
    });

    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${CONSOLE}/`);
    expect(elsewhere.status).toBe(400);
  });

  it('refuses GetCredentialsForIdentity for an expired ID token', async () => {
    const { idToken } = await signedInTab();
    const logins = { [`cognito-idp.${REGION}.amazonaws.com/Operators`]: idToken };
    const { body: got } = await identity('GetId', { IdentityPoolId: 'Credentials', Logins: logins });

    clock = Date.now() + 61 * 60_000;
    const answer = await identity('GetCredentialsForIdentity', {
      IdentityId: got.IdentityId,
      Logins: logins,
    });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      __type: 'NotAuthorizedException',
      message: expect.stringMatching(/expired/),
    });
  });

  it('refuses GetCredentialsForIdentity for a token signed by another key, or for another client', async () => {
    const { idToken } = await signedInTab();
    const provider = `cognito-idp.${REGION}.amazonaws.com/Operators`;
    const { body: got } = await identity('GetId', {
      IdentityPoolId: 'Credentials',
      Logins: { [provider]: idToken },
    });
    const claims = decodeJwt(idToken);
    const header = JSON.parse(Buffer.from(idToken.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const foreign = await generateKeyPair('RS256');
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: header.kid }).sign(foreign.privateKey);

    const forged = await identity('GetCredentialsForIdentity', {
      IdentityId: got.IdentityId,
      Logins: { [provider]: await sign(claims) },
    });
    const otherClient = await identity('GetCredentialsForIdentity', {
      IdentityId: got.IdentityId,
      Logins: { [provider]: await sign({ ...claims, aud: 'SomeOtherClient' }) },
    });

    expect(forged).toMatchObject({ status: 400, body: { __type: 'NotAuthorizedException' } });
    expect(String(forged.body.message)).toMatch(/signature/);
    expect(otherClient).toMatchObject({ status: 400, body: { __type: 'NotAuthorizedException' } });
  });

  it('refuses unauthenticated identities, as the pool disallows them', async () => {
    const answer = await identity('GetId', { IdentityPoolId: 'Credentials' });

    expect(answer).toMatchObject({
      status: 400,
      body: {
        __type: 'NotAuthorizedException',
        message: 'Unauthenticated access is not supported for this identity pool.',
      },
    });
  });

  it('creates the operator with a password that meets the pool’s policy and is new each time', () => {
    const another = cognito.createUser('second-operator');

    expect(another).not.toBe(password);
    expect(another.length).toBeGreaterThanOrEqual(14);
    expect(another).toMatch(/[a-z]/);
    expect(another).toMatch(/[A-Z]/);
    expect(another).toMatch(/\d/);
    expect(another).toMatch(/[^A-Za-z0-9]/);
  });
});
