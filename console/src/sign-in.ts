/*
 * Signing operators in on AWS: the OAuth 2.0 authorization code flow with PKCE (RFC 7636) against the user pool's
 * hosted sign-in page, as a public client (no secret in the browser). Tokens are kept in sessionStorage — gone
 * when the tab closes — and the ID token is refreshed with the refresh token before it expires.
 */

/** The `auth` entry of `config.json` on AWS (the stack's OperatorSignIn writes it). */
export interface CognitoSignIn {
  readonly kind: 'cognito';
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly identityPoolId: string;
  /** The hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domain: string;
  /**
   * The identity pool's API endpoint. @default - the region's (`https://cognito-identity.<region>.amazonaws.com`);
   * the sandbox's stand-in names its own (`npm run console -- --sign-in`).
   */
  readonly identityEndpoint?: string;
}

/** What the flow needs of the browser: injected, so that it runs (and is tested) outside one. */
export interface BrowserSession {
  /** sessionStorage in the browser. */
  readonly storage: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  };
  readonly fetch: typeof fetch;
  /** Web Crypto (`window.crypto`). */
  readonly crypto: {
    getRandomValues<T extends Uint8Array>(array: T): T;
    readonly subtle: { digest(algorithm: string, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> };
  };
  readonly now: () => number;
}

/** The tokens of a signed-in operator (expiry in epoch ms). */
export interface Tokens {
  readonly idToken: string;
  readonly refreshToken?: string;
  readonly expiresAt: number;
}

const PENDING = 'proactive-agents.sign-in.pending';
const TOKENS = 'proactive-agents.sign-in.tokens';
/** Refresh this long before the ID token expires, so that a request never carries one about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Thrown when the sign-in cannot complete: the console shows it and offers to sign in again. */
class SignInError extends Error {
  override readonly name = 'SignInError';
}

function base64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 7636 §4.2: the S256 challenge of a code verifier. */
async function codeChallengeOf(verifier: string, crypto: BrowserSession['crypto']): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/**
 * Starts signing in: remembers a fresh code verifier and state, and returns the hosted page's authorize URL to send
 * the browser to. `redirectUri` must be one of the client's callback URLs (the console's own URL).
 */
export async function authorizeUrl(
  settings: CognitoSignIn,
  redirectUri: string,
  session: BrowserSession,
): Promise<string> {
  const random = (size: number) => base64Url(session.crypto.getRandomValues(new Uint8Array(size)));
  const verifier = random(32); // 43 characters: RFC 7636's recommended 32 random octets
  const state = random(24);
  session.storage.setItem(PENDING, JSON.stringify({ verifier, state, redirectUri }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: await codeChallengeOf(verifier, session.crypto),
    code_challenge_method: 'S256',
  });
  return `${settings.domain.replace(/\/$/, '')}/oauth2/authorize?${query.toString()}`;
}

/** The token endpoint's answer, or a SignInError with the error it gave. */
async function tokenRequest(
  settings: CognitoSignIn,
  form: Record<string, string>,
  session: BrowserSession,
): Promise<{ id_token: string; refresh_token?: string; expires_in: number }> {
  const response = await session.fetch(`${settings.domain.replace(/\/$/, '')}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: settings.clientId, ...form }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as {
    id_token?: string;
    refresh_token?: string;
    expires_in?: number;
    error?: string;
  };
  if (!response.ok || typeof body.id_token !== 'string') {
    throw new SignInError(`the sign-in service refused the request: ${body.error ?? response.status}`);
  }
  return { ...body, id_token: body.id_token, expires_in: body.expires_in ?? 3600 };
}

function store(session: BrowserSession, tokens: Tokens): Tokens {
  session.storage.setItem(TOKENS, JSON.stringify(tokens));
  return tokens;
}

/**
 * Completes signing in when the hosted page sent the browser back (`?code=…&state=…`): checks the state against the
 * one remembered, trades the code and the verifier for tokens, and keeps them. Undefined when the URL carries no
 * answer; a SignInError when it carries a refusal or a state this tab did not send.
 */
export async function completeSignIn(
  settings: CognitoSignIn,
  url: URL,
  session: BrowserSession,
): Promise<Tokens | undefined> {
  const error = url.searchParams.get('error');
  if (error !== null) {
    throw new SignInError(`sign-in refused: ${url.searchParams.get('error_description') ?? error}`);
  }
  const code = url.searchParams.get('code');
  if (code === null) return undefined;
  const pending = JSON.parse(session.storage.getItem(PENDING) ?? 'null') as {
    verifier: string;
    state: string;
    redirectUri: string;
  } | null;
  session.storage.removeItem(PENDING);
  if (pending === null || url.searchParams.get('state') !== pending.state) {
    throw new SignInError('the sign-in answer does not match a sign-in started in this tab: sign in again');
  }
  const answer = await tokenRequest(
    settings,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pending.redirectUri,
      code_verifier: pending.verifier,
    },
    session,
  );
  return store(session, {
    idToken: answer.id_token,
    ...(answer.refresh_token === undefined ? {} : { refreshToken: answer.refresh_token }),
    expiresAt: session.now() + answer.expires_in * 1000,
  });
}

/**
 * The signed-in operator's ID token, refreshed when it is within five minutes of expiring; undefined when nobody is
 * signed in in this tab (or the refresh token was refused: the operator signs in again).
 */
export async function currentIdToken(
  settings: CognitoSignIn,
  session: BrowserSession,
): Promise<string | undefined> {
  const tokens = JSON.parse(session.storage.getItem(TOKENS) ?? 'null') as Tokens | null;
  if (tokens === null) return undefined;
  if (tokens.expiresAt - REFRESH_MARGIN_MS > session.now()) return tokens.idToken;
  if (tokens.refreshToken === undefined) {
    session.storage.removeItem(TOKENS);
    return undefined;
  }
  try {
    const answer = await tokenRequest(
      settings,
      { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
      session,
    );
    // A refresh answers no new refresh token: the first one stays valid for its own lifetime.
    return store(session, {
      idToken: answer.id_token,
      refreshToken: answer.refresh_token ?? tokens.refreshToken,
      expiresAt: session.now() + answer.expires_in * 1000,
    }).idToken;
  } catch (error) {
    if (!(error instanceof SignInError)) throw error;
    session.storage.removeItem(TOKENS);
    return undefined;
  }
}

/** Signs out of this tab and returns the hosted page's logout URL, which ends the hosted session as well. */
export function signOutUrl(settings: CognitoSignIn, redirectUri: string, session: BrowserSession): string {
  session.storage.removeItem(TOKENS);
  const query = new URLSearchParams({ client_id: settings.clientId, logout_uri: redirectUri });
  return `${settings.domain.replace(/\/$/, '')}/logout?${query.toString()}`;
}
