import { Sha256 } from '@aws-crypto/sha256-js';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CognitoSignIn } from './sign-in';

/** Temporary AWS credentials, as the identity pool issues them. */
interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type CredentialProvider = () => Promise<Credentials>;

/** How the console sends an API request: plain `fetch` in the sandbox, signed on AWS. */
export type ApiFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Response>;

/** Credentials are fetched again this long before they expire. */
const RENEW_MARGIN_MS = 5 * 60_000;

/** Thrown when nobody is signed in: the console starts the sign-in. */
class SignedOut extends Error {
  override readonly name = 'SignedOut';
}

/**
 * The signed-in operator's AWS credentials: the identity pool trades the user pool's ID token for credentials of the
 * operator role (GetId, then GetCredentialsForIdentity), kept until five minutes before they expire.
 * `fromPool` is the SDK's provider (a parameter so that tests can count its calls).
 */
export function operatorCredentials(
  settings: CognitoSignIn,
  idToken: () => Promise<string | undefined>,
  now: () => number = Date.now,
  fromPool: typeof fromCognitoIdentityPool = fromCognitoIdentityPool,
): CredentialProvider {
  const provider = `cognito-idp.${settings.region}.amazonaws.com/${settings.userPoolId}`;
  let cached: Credentials | undefined;
  return async () => {
    const expiresAt = cached?.expiration?.getTime();
    if (cached !== undefined && (expiresAt === undefined || expiresAt - RENEW_MARGIN_MS > now()))
      return cached;
    const token = await idToken();
    if (token === undefined) throw new SignedOut('sign in to call the operator API');
    cached = await fromPool({
      identityPoolId: settings.identityPoolId,
      logins: { [provider]: token },
      clientConfig: {
        region: settings.region,
        ...(settings.identityEndpoint === undefined ? {} : { endpoint: settings.identityEndpoint }),
      },
    })();
    return cached;
  };
}

/**
 * Sends API requests signed with SigV4 for `execute-api`, as API Gateway's IAM authorization verifies them: the
 * path as sent (percent-encoded ids included), the query, the host, the body's hash and, with temporary
 * credentials, the session token. The browser sets `host` itself; it is signed, not sent.
 */
export function signedFetch(
  region: string,
  credentials: CredentialProvider,
  send: typeof fetch = (input, init) => fetch(input, init),
): ApiFetch {
  const signer = new SignatureV4({ service: 'execute-api', region, sha256: Sha256, credentials });
  return async (url, init) => {
    const target = new URL(url);
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of target.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await signer.sign({
      method: init.method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port === '' ? {} : { port: Number(target.port) }),
      path: target.pathname,
      query,
      headers: { ...init.headers, host: target.host },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== 'host') headers[name] = value;
    }
    return send(url, {
      method: init.method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
  };
}
