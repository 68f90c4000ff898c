import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { OAuthError } from './cognito-error';
import type { UserPoolClientDefinition, UserPoolDefinition } from './cognito-template';

/** A user of the pool: the stand-in keeps a password hash and the standard attributes the tokens carry. */
interface PoolUser {
  readonly username: string;
  readonly sub: string;
  readonly email?: string;
  readonly passwordHash: Buffer;
  readonly salt: Buffer;
}

/** An authorization code waiting for its token request (single use, five minutes as Cognito's). */
interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly username: string;
  readonly authTime: number;
  readonly expiresAt: number;
}

/** What `/oauth2/authorize` was asked, checked: the client and redirect are known, PKCE is S256. */
export interface AuthorizeRequest {
  readonly client: UserPoolClientDefinition;
  readonly redirectUri: string;
  readonly state?: string;
  readonly scopes: readonly string[];
  readonly codeChallenge: string;
}

/** The token endpoint's answer (RFC 6749 §5.1). */
export interface TokenAnswer {
  readonly id_token: string;
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly expires_in: number;
  readonly token_type: 'Bearer';
}

const CODE_SECONDS = 300;

/**
 * A redirect to the client with an OAuth error (RFC 6749 §4.1.2.1), once the client and its redirect URI are known;
 * `redirect` is false for errors that must not redirect (unknown client, a redirect URI the client does not list).
 */
export class AuthorizeError extends Error {
  override readonly name = 'AuthorizeError';
  constructor(
    readonly error: string,
    description: string,
    readonly redirect: false | { readonly uri: string; readonly state?: string },
  ) {
    super(description);
  }
}

const hash = (password: string, salt: Buffer) => createHash('sha256').update(salt).update(password).digest();
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * A Cognito user pool in the sandbox, built from the template: its users, the hosted sign-in's authorization-code
 * flow with PKCE (S256 required) for its clients, and ID/access tokens signed RS256 with the pool's own key, carrying
 * Cognito's claims (`iss` `https://cognito-idp.<region>.amazonaws.com/<pool id>`, `aud`/`client_id`, `token_use`,
 * `cognito:username`, …), verifiable with its JWKS. Refresh tokens are opaque and kept here.
 */
export class LocalUserPool {
  private readonly users = new Map<string, PoolUser>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<
    string,
    { clientId: string; username: string; scopes: readonly string[]; expiresAt: number }
  >();

  private constructor(
    readonly definition: UserPoolDefinition,
    readonly region: string,
    private readonly key: { privateKey: CryptoKey; publicJwk: JWK & { kid: string } },
    private readonly now: () => number,
  ) {}

  static async create(
    definition: UserPoolDefinition,
    region: string,
    now: () => number = Date.now,
  ): Promise<LocalUserPool> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = {
      ...(await exportJWK(publicKey)),
      kid: randomBytes(16).toString('base64url'),
      alg: 'RS256',
      use: 'sig',
    };
    return new LocalUserPool(definition, region, { privateKey, publicJwk }, now);
  }

  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the tokens' `iss`, and the identity pools' provider. */
  get issuer(): string {
    return `https://cognito-idp.${this.region}.amazonaws.com/${this.definition.userPoolId}`;
  }

  /** The pool's signing keys as `/.well-known/jwks.json` serves them. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  /**
   * AdminCreateUser with a permanent password: the password must meet the pool's minimum length and have a
   * lowercase and an uppercase letter, a digit and a symbol (the template's policy).
   */
  addUser(username: string, password: string, attributes: { email?: string } = {}): void {
    const min = this.definition.minimumPasswordLength;
    if (password.length < min || !/[a-z]/.test(password) || !/[A-Z]/.test(password) || !/\d/.test(password)) {
      throw new Error(
        `password for ${username}: does not meet the pool's policy (length ≥ ${min}, mixed case, digit)`,
      );
    }
    if (!/[^A-Za-z0-9]/.test(password)) throw new Error(`password for ${username}: needs a symbol`);
    const salt = randomBytes(16);
    this.users.set(username, {
      username,
      sub: randomUUID(),
      ...(attributes.email === undefined ? {} : { email: attributes.email }),
      passwordHash: hash(password, salt),
      salt,
    });
  }

  /** Checks `/oauth2/authorize`'s query: an AuthorizeError when it cannot start a sign-in. */
  authorizeRequest(query: URLSearchParams): AuthorizeRequest {
    const clientId = query.get('client_id') ?? '';
    const client = this.definition.clients.find((c) => c.clientId === clientId);
    if (client === undefined)
      throw new AuthorizeError('invalid_request', `client_id: no client "${clientId}"`, false);
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!client.callbackUrls.includes(redirectUri)) {
      throw new AuthorizeError(
        'redirect_mismatch',
        `redirect_uri: "${redirectUri}" is not a callback URL of client ${clientId}`,
        false,
      );
    }
    const state = query.get('state') ?? undefined;
    const back = { uri: redirectUri, ...(state === undefined ? {} : { state }) };
    if (query.get('response_type') !== 'code' || !client.allowedFlows.includes('code')) {
      throw new AuthorizeError(
        'unsupported_response_type',
        'response_type: the client allows code only',
        back,
      );
    }
    const codeChallenge = query.get('code_challenge') ?? '';
    if (query.get('code_challenge_method') !== 'S256' || !/^[\w-]{43}$/.test(codeChallenge)) {
      throw new AuthorizeError(
        'invalid_request',
        'code_challenge: PKCE with code_challenge_method S256 is required',
        back,
      );
    }
    const scopes = (query.get('scope') ?? client.allowedScopes.join(' ')).split(/\s+/).filter(Boolean);
    const refused = scopes.find((scope) => !client.allowedScopes.includes(scope));
    if (refused !== undefined)
      throw new AuthorizeError('invalid_scope', `scope: ${refused} is not allowed`, back);
    return { client, redirectUri, ...(state === undefined ? {} : { state }), scopes, codeChallenge };
  }

  /**
   * The sign-in form's answer: with the right password, the redirect back to the client with a fresh code;
   * undefined when the username or password is wrong (the page says so, as Cognito's does, without saying which).
   */
  signIn(request: AuthorizeRequest, username: string, password: string): string | undefined {
    const user = this.users.get(username);
    const given = hash(password, user?.salt ?? Buffer.alloc(16));
    if (user === undefined || !timingSafeEqual(given, user.passwordHash)) return undefined;
    const code = randomUUID();
    this.codes.set(code, {
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      username,
      authTime: Math.floor(this.now() / 1000),
      expiresAt: this.now() + CODE_SECONDS * 1000,
    });
    const back = new URL(request.redirectUri);
    back.searchParams.set('code', code);
    if (request.state !== undefined) back.searchParams.set('state', request.state);
    return back.toString();
  }

  /** `/oauth2/token`: `authorization_code` (with the PKCE verifier) or `refresh_token`; an OAuthError otherwise. */
  async token(form: URLSearchParams): Promise<TokenAnswer> {
    const clientId = form.get('client_id') ?? '';
    const client = this.definition.clients.find((c) => c.clientId === clientId);
    if (client === undefined) throw new OAuthError('invalid_client', `client_id: no client "${clientId}"`);
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') return this.redeemCode(client, form);
    if (grant === 'refresh_token') {
      const token = form.get('refresh_token') ?? '';
      const held = this.refreshTokens.get(token);
      const user = held && this.users.get(held.username);
      if (held === undefined || held.clientId !== clientId || held.expiresAt <= this.now()) {
        throw new OAuthError('invalid_grant', 'refresh_token: unknown, expired or of another client');
      }
      if (user === undefined)
        throw new OAuthError('invalid_grant', `refresh_token: no user "${held.username}"`);
      return this.tokens(client, user, held.scopes, Math.floor(this.now() / 1000), false);
    }
    throw new OAuthError('unsupported_grant_type', `grant_type: ${String(grant)} is not supported`);
  }

  private async redeemCode(client: UserPoolClientDefinition, form: URLSearchParams): Promise<TokenAnswer> {
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    // A code is used once, whatever the outcome (RFC 6749 §4.1.2).
    this.codes.delete(code);
    if (pending === undefined || pending.expiresAt <= this.now() || pending.clientId !== client.clientId) {
      throw new OAuthError('invalid_grant', 'code: unknown, used, expired or of another client');
    }
    if (form.get('redirect_uri') !== pending.redirectUri) {
      throw new OAuthError('invalid_grant', 'redirect_uri: not the one the code was issued for');
    }
    const verifier = form.get('code_verifier') ?? '';
    if (!/^[\w.~-]{43,128}$/.test(verifier) || s256(verifier) !== pending.codeChallenge) {
      throw new OAuthError('invalid_grant', 'code_verifier: does not match the code_challenge');
    }
    const user = this.users.get(pending.username);
    if (user === undefined) throw new OAuthError('invalid_grant', `code: no user "${pending.username}"`);
    return this.tokens(client, user, pending.scopes, pending.authTime, true);
  }

  private async tokens(
    client: UserPoolClientDefinition,
    user: PoolUser,
    scopes: readonly string[],
    authTime: number,
    withRefresh: boolean,
  ): Promise<TokenAnswer> {
    const now = Math.floor(this.now() / 1000);
    const originJti = randomUUID();
    const eventId = randomUUID();
    const sign = (claims: Record<string, unknown>, seconds: number) =>
      new SignJWT({ ...claims, origin_jti: originJti, event_id: eventId, auth_time: authTime })
        .setProtectedHeader({ alg: 'RS256', kid: this.key.publicJwk.kid })
        .setSubject(user.sub)
        .setIssuer(this.issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + seconds)
        .setJti(randomUUID())
        .sign(this.key.privateKey);
    const idToken = await sign(
      {
        aud: client.clientId,
        token_use: 'id',
        'cognito:username': user.username,
        ...(user.email === undefined ? {} : { email: user.email, email_verified: true }),
      },
      client.idTokenSeconds,
    );
    const accessToken = await sign(
      { client_id: client.clientId, token_use: 'access', scope: scopes.join(' '), username: user.username },
      client.accessTokenSeconds,
    );
    let refreshToken: string | undefined;
    if (withRefresh) {
      refreshToken = randomBytes(48).toString('base64url');
      this.refreshTokens.set(refreshToken, {
        clientId: client.clientId,
        username: user.username,
        scopes,
        expiresAt: this.now() + client.refreshTokenSeconds * 1000,
      });
    }
    return {
      id_token: idToken,
      access_token: accessToken,
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      expires_in: client.accessTokenSeconds,
      token_type: 'Bearer',
    };
  }
}
