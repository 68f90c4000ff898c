import { createHash, webcrypto } from 'node:crypto';
import {
  authorizeUrl,
  completeSignIn,
  currentIdToken,
  signOutUrl,
  type BrowserSession,
  type CognitoSignIn,
} from '../../../console/src/sign-in';
import { operatorCredentials } from '../../../console/src/signed-fetch';

const SETTINGS: CognitoSignIn = {
  kind: 'cognito',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbCdEf123',
  clientId: 'console-client-id',
  identityPoolId: 'eu-west-1:9f8e7d6c-0000-1111-2222-333344445555',
  domain: 'https://proactiveagents-123456789012.auth.eu-west-1.amazoncognito.com',
};
const CONSOLE = 'https://d111111abcdef8.cloudfront.net/';

/** A browser tab: sessionStorage, Web Crypto, a clock, and Cognito's token endpoint (the AWS boundary) answering. */
function tab(answers: { status: number; body: unknown }[] = []) {
  const stored = new Map<string, string>();
  const requests: { url: string; form: URLSearchParams }[] = [];
  let now = Date.parse('2026-12-07T09:00:00Z');
  const session: BrowserSession = {
    storage: {
      getItem: (key) => stored.get(key) ?? null,
      setItem: (key, value) => void stored.set(key, value),
      removeItem: (key) => void stored.delete(key),
    },
    crypto: webcrypto,
    now: () => now,
    fetch: (input, init) => {
      requests.push({ url: input as string, form: new URLSearchParams(init?.body as string) });
      const answer = answers.shift() ?? { status: 500, body: {} };
      return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status }));
    },
  };
  return { session, stored, requests, advance: (ms: number) => (now += ms) };
}

/** The hosted page sends the browser back with the code and the state it was given. */
async function signIn(t: ReturnType<typeof tab>) {
  const started = new URL(await authorizeUrl(SETTINGS, CONSOLE, t.session));
  const back = new URL(`${CONSOLE}?code=the-code&state=${started.searchParams.get('state') ?? ''}`);
  return { started, tokens: await completeSignIn(SETTINGS, back, t.session) };
}

describe('console sign-in (OAuth 2.0 authorization code with PKCE against the hosted page)', () => {
  it('sends the S256 challenge of RFC 7636, appendix B, for the verifier of its 32 octets', async () => {
    // The appendix's octets, as the first random draw (the verifier); the state draws after them.
    const octets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
      191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const t = tab();
    const draws = [octets];
    const session: BrowserSession = {
      ...t.session,
      crypto: {
        subtle: webcrypto.subtle,
        getRandomValues: (array) => {
          array.set(draws.shift() ?? new Array<number>(array.length).fill(7));
          return array;
        },
      },
    };
    const url = new URL(await authorizeUrl(SETTINGS, CONSOLE, session));

    expect(url.searchParams.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('sends the browser to the hosted page with a fresh state and the challenge of a verifier it keeps', async () => {
    const t = tab([
      { status: 200, body: { id_token: 'id-1', refresh_token: 'refresh-1', expires_in: 3600 } },
    ]);
    const url = new URL(await authorizeUrl(SETTINGS, CONSOLE, t.session));
    const again = new URL(await authorizeUrl(SETTINGS, CONSOLE, tab().session));

    expect(`${url.origin}${url.pathname}`).toBe(`${SETTINGS.domain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'console-client-id',
      redirect_uri: CONSOLE,
      scope: 'openid email profile',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(again.searchParams.get('state')).not.toBe(url.searchParams.get('state'));

    // The verifier sent with the code is the one whose challenge the hosted page was given.
    await completeSignIn(
      SETTINGS,
      new URL(`${CONSOLE}?code=c&state=${url.searchParams.get('state') ?? ''}`),
      t.session,
    );
    const verifier = t.requests[0]!.form.get('code_verifier')!;
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(
      url.searchParams.get('code_challenge'),
    );
  });

  it('trades the code and the verifier for tokens once, and keeps them for the tab', async () => {
    const t = tab([
      { status: 200, body: { id_token: 'id-1', refresh_token: 'refresh-1', expires_in: 3600 } },
    ]);
    const { started, tokens } = await signIn(t);

    expect(tokens).toEqual({
      idToken: 'id-1',
      refreshToken: 'refresh-1',
      expiresAt: Date.parse('2026-12-07T10:00:00Z'),
    });
    expect(t.requests).toHaveLength(1);
    expect(t.requests[0]!.url).toBe(`${SETTINGS.domain}/oauth2/token`);
    expect(Object.fromEntries(t.requests[0]!.form)).toEqual({
      client_id: 'console-client-id',
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: CONSOLE,
      code_verifier: expect.any(String),
    });
    await expect(currentIdToken(SETTINGS, t.session)).resolves.toBe('id-1');
    // The same answer again (a reload of the callback URL) finds no sign-in pending.
    const replay = new URL(`${CONSOLE}?code=the-code&state=${started.searchParams.get('state') ?? ''}`);
    await expect(completeSignIn(SETTINGS, replay, t.session)).rejects.toThrow(
      /does not match a sign-in started in this tab/,
    );
  });

  it('refuses an answer whose state this tab did not send, and shows a refusal from the hosted page', async () => {
    const t = tab();
    await authorizeUrl(SETTINGS, CONSOLE, t.session);
    await expect(
      completeSignIn(SETTINGS, new URL(`${CONSOLE}?code=c&state=forged`), t.session),
    ).rejects.toThrow(/does not match a sign-in started in this tab/);
    await expect(
      completeSignIn(
        SETTINGS,
        new URL(`${CONSOLE}?error=access_denied&error_description=User+is+disabled`),
        t.session,
      ),
    ).rejects.toThrow('sign-in refused: User is disabled');
    await expect(completeSignIn(SETTINGS, new URL(CONSOLE), t.session)).resolves.toBeUndefined();
    expect(t.requests).toHaveLength(0);
  });

  it('refreshes the ID token five minutes before it expires, and signs out when the refresh is refused', async () => {
    const t = tab([
      { status: 200, body: { id_token: 'id-1', refresh_token: 'refresh-1', expires_in: 3600 } },
      { status: 200, body: { id_token: 'id-2', expires_in: 3600 } },
      { status: 400, body: { error: 'invalid_grant' } },
    ]);
    await signIn(t);

    t.advance(54 * 60_000);
    await expect(currentIdToken(SETTINGS, t.session)).resolves.toBe('id-1');
    t.advance(2 * 60_000);
    await expect(currentIdToken(SETTINGS, t.session)).resolves.toBe('id-2');
    expect(Object.fromEntries(t.requests[1]!.form)).toEqual({
      client_id: 'console-client-id',
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
    });
    t.advance(56 * 60_000);
    await expect(currentIdToken(SETTINGS, t.session)).resolves.toBeUndefined();
    expect(t.requests[2]!.form.get('refresh_token')).toBe('refresh-1');
    expect(t.stored.size).toBe(0);
  });

  it('signs out of the tab and of the hosted page', async () => {
    const t = tab([{ status: 200, body: { id_token: 'id-1', expires_in: 3600 } }]);
    await signIn(t);
    const url = new URL(signOutUrl(SETTINGS, CONSOLE, t.session));

    expect(`${url.origin}${url.pathname}`).toBe(`${SETTINGS.domain}/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'console-client-id',
      logout_uri: CONSOLE,
    });
    await expect(currentIdToken(SETTINGS, t.session)).resolves.toBeUndefined();
  });
});

describe('operator credentials (the identity pool, at the AWS boundary)', () => {
  const credentials = (expiresAt: string) => ({
    accessKeyId: 'ASIAEXAMPLE',
    secretAccessKey: 'secret',
    sessionToken: 'token',
    expiration: new Date(expiresAt),
  });

  it('trades the ID token under the user pool’s provider name, and keeps the credentials until near expiry', async () => {
    const calls: unknown[] = [];
    let now = Date.parse('2026-12-07T09:00:00Z');
    const provider = operatorCredentials(
      SETTINGS,
      () => Promise.resolve('id-token'),
      () => now,
      ((options: unknown) => {
        calls.push(options);
        return () =>
          Promise.resolve(credentials(calls.length === 1 ? '2026-12-07T10:00:00Z' : '2026-12-07T11:00:00Z'));
      }) as never,
    );

    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLE', sessionToken: 'token' });
    now = Date.parse('2026-12-07T09:54:00Z');
    await provider();
    expect(calls).toEqual([
      {
        identityPoolId: SETTINGS.identityPoolId,
        logins: { 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123': 'id-token' },
        clientConfig: { region: 'eu-west-1' },
      },
    ]);
    now = Date.parse('2026-12-07T09:56:00Z');
    await expect(provider()).resolves.toMatchObject({ expiration: new Date('2026-12-07T11:00:00Z') });
    expect(calls).toHaveLength(2);
  });

  it('asks for a sign-in when nobody is signed in', async () => {
    const provider = operatorCredentials(SETTINGS, () => Promise.resolve(undefined));
    await expect(provider()).rejects.toThrow(
      expect.objectContaining({ name: 'SignedOut', message: 'sign in to call the operator API' }),
    );
  });
});
