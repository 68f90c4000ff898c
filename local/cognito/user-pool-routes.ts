import type { IncomingMessage, ServerResponse } from 'node:http';
import { OAuthError } from './cognito-error';
import { send } from './http-answer';
import { errorPage, signInPage } from './sign-in-page';
import { AuthorizeError, type LocalUserPool } from './user-pool';

/**
 * `<prefix>/.well-known/jwks.json` and `openid-configuration` of a user pool (AWS:
 * `https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/…`); `hostedPath` is where its sign-in is served.
 */
export function serveWellKnown(
  pool: LocalUserPool,
  hostedPath: string,
  prefix: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const path = (request.url ?? '').slice(prefix.length).split('?')[0];
  const cors = { 'access-control-allow-origin': '*' };
  if (path === '/.well-known/jwks.json') {
    send(response, 200, JSON.stringify(pool.jwks()), cors);
    return;
  }
  if (path === '/.well-known/openid-configuration') {
    const base = `http://${request.headers.host ?? '127.0.0.1'}`;
    const hosted =
      pool.definition.domainPrefix === undefined
        ? undefined
        : `${base}${hostedPath}/${pool.definition.domainPrefix}`;
    send(
      response,
      200,
      JSON.stringify({
        issuer: pool.issuer,
        jwks_uri: `${base}${prefix}/.well-known/jwks.json`,
        ...(hosted === undefined
          ? {}
          : {
              authorization_endpoint: `${hosted}/oauth2/authorize`,
              token_endpoint: `${hosted}/oauth2/token`,
            }),
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'email', 'phone', 'profile'],
        token_endpoint_auth_methods_supported: ['none'],
      }),
      cors,
    );
    return;
  }
  send(
    response,
    404,
    JSON.stringify({ message: `no ${path ?? '/'} on user pool ${pool.definition.userPoolId}` }),
  );
}

/**
 * The hosted sign-in of a user pool under `prefix` (AWS: `https://<domain prefix>.auth.<region>.amazoncognito.com`):
 * `/oauth2/authorize` (GET: the sign-in page; POST: its form), `/oauth2/token` (with CORS, as a browser app calls
 * it) and `/logout`.
 */
export async function serveHostedSignIn(
  pool: LocalUserPool,
  prefix: string,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  const url = new URL((request.url ?? '/').slice(prefix.length) || '/', 'http://hosted');
  const method = request.method ?? 'GET';
  const html = (status: number, page: string) =>
    send(response, status, page, { 'content-type': 'text/html; charset=utf-8' });
  const redirect = (location: string) => {
    response.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': 0 });
    response.end();
  };
  if (url.pathname === '/oauth2/authorize' && (method === 'GET' || method === 'POST')) {
    const form = method === 'POST' ? new URLSearchParams(body.toString('utf8')) : url.searchParams;
    const query = new URLSearchParams(
      [...form].filter(([name]) => name !== 'username' && name !== 'password'),
    );
    try {
      const authorize = pool.authorizeRequest(query);
      if (method === 'GET') {
        html(200, signInPage(query));
        return;
      }
      const back = pool.signIn(authorize, form.get('username') ?? '', form.get('password') ?? '');
      if (back === undefined) html(200, signInPage(query, 'Incorrect username or password.'));
      else redirect(back);
    } catch (error) {
      if (!(error instanceof AuthorizeError)) throw error;
      if (error.redirect === false) {
        html(400, errorPage(error.error, error.message));
        return;
      }
      const back = new URL(error.redirect.uri);
      back.searchParams.set('error', error.error);
      back.searchParams.set('error_description', error.message);
      if (error.redirect.state !== undefined) back.searchParams.set('state', error.redirect.state);
      redirect(back.toString());
    }
    return;
  }
  if (url.pathname === '/oauth2/token') {
    const origin = request.headers.origin;
    const cors: Record<string, string> =
      origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'origin' };
    if (method === 'OPTIONS') {
      send(response, 204, '', {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, authorization',
      });
      return;
    }
    if (method !== 'POST') {
      send(response, 405, JSON.stringify({ error: 'invalid_request' }), { ...cors, allow: 'POST' });
      return;
    }
    try {
      send(response, 200, JSON.stringify(await pool.token(new URLSearchParams(body.toString('utf8')))), cors);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      send(response, 400, JSON.stringify({ error: error.error, error_description: error.message }), cors);
    }
    return;
  }
  if (url.pathname === '/logout' && method === 'GET') {
    const client = pool.definition.clients.find((c) => c.clientId === url.searchParams.get('client_id'));
    const logoutUri = url.searchParams.get('logout_uri') ?? '';
    if (client === undefined || !client.logoutUrls.includes(logoutUri)) {
      html(400, errorPage('invalid_request', 'logout_uri: not a sign-out URL of the client'));
      return;
    }
    redirect(logoutUri);
    return;
  }
  html(404, errorPage('not_found', `${method} ${url.pathname}`));
}
