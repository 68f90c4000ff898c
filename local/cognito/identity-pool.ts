import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import type { LocalSts } from '../iam/local-sts';
import { CognitoError } from './cognito-error';
import type { IdentityPoolDefinition } from './cognito-template';
import type { LocalUserPool } from './user-pool';

/** `GetCredentialsForIdentity`'s `Credentials`, `Expiration` in epoch seconds as the JSON protocol sends it. */
interface IdentityCredentials {
  readonly AccessKeyId: string;
  readonly SecretKey: string;
  readonly SessionToken: string;
  readonly Expiration: number;
}

/** How long the identity pool's credentials last (one hour, as Cognito's). */
const CREDENTIAL_SECONDS = 3600;
const FEDERATED = 'cognito-identity.amazonaws.com';

const notAuthorized = (message: string) => new CognitoError('NotAuthorizedException', message);

/**
 * A Cognito identity pool in the sandbox (AWS JSON 1.1, `AWSCognitoIdentityService`): `GetId` and
 * `GetCredentialsForIdentity` with the enhanced (simplified) flow. A login is an ID token of a user pool client the
 * pool lists in `CognitoIdentityProviders`, verified as Cognito verifies it — RS256 signature with the user pool's
 * JWKS, `iss` the provider, `aud` the listed client, `token_use` id, not expired — and the credentials are a session
 * the local STS issues for the role attachment's `authenticated` role, after that role's trust policy allowed
 * `sts:AssumeRoleWithWebIdentity` with `cognito-identity.amazonaws.com:aud`/`amr` as AWS sets them. So the HTTP
 * API's and the WebSocket API's IAM checks then apply that role's own policies. Without a login, the pool refuses
 * unless it allows unauthenticated identities.
 */
export class LocalIdentityPool {
  /** Identity ids by `<provider>:<sub>` (one identity per user, as Cognito keeps it). */
  private readonly identities = new Map<string, string>();

  constructor(
    readonly definition: IdentityPoolDefinition,
    private readonly region: string,
    private readonly userPools: readonly LocalUserPool[],
    private readonly sts: LocalSts,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this pool issued the identity id. */
  owns(identityId: string): boolean {
    for (const id of this.identities.values()) if (id === identityId) return true;
    return false;
  }

  /** Serves one `AWSCognitoIdentityService.<operation>`. */
  async handle(operation: string, body: Record<string, unknown>): Promise<unknown> {
    if (body.IdentityPoolId !== undefined && body.IdentityPoolId !== this.definition.identityPoolId) {
      throw new CognitoError(
        'ResourceNotFoundException',
        `IdentityPool ${JSON.stringify(body.IdentityPoolId)} not found.`,
      );
    }
    switch (operation) {
      case 'GetId':
        return { IdentityId: (await this.login(body.Logins)).identityId };
      case 'GetCredentialsForIdentity': {
        const login = await this.login(body.Logins);
        if (body.IdentityId !== login.identityId) {
          throw notAuthorized('Logins do not match the identity: IdentityId belongs to another login.');
        }
        return { IdentityId: login.identityId, Credentials: await this.credentials(login) };
      }
      default:
        throw new CognitoError(
          'UnknownOperationException',
          `The sandbox's Cognito identity pool serves GetId and GetCredentialsForIdentity, not ${operation}.`,
        );
    }
  }

  /** The login's identity: its provider and verified token claims. */
  private async login(logins: unknown): Promise<{ identityId: string; providerName: string; sub: string }> {
    const entries: [string, unknown][] = Object.entries(
      typeof logins === 'object' && logins !== null ? (logins as Record<string, unknown>) : {},
    );
    if (entries.length === 0) {
      if (!this.definition.allowUnauthenticated) {
        throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
      }
      throw notAuthorized('The sandbox serves authenticated identities only: pass Logins.');
    }
    const [login] = entries;
    if (login === undefined || entries.length > 1)
      throw new CognitoError('InvalidParameterException', 'Logins: one provider at a time.');
    const [providerName, token] = login;
    const provider = this.definition.providers.find((p) => p.providerName === providerName);
    const pool = this.userPools.find((p) => p.issuer === `https://${providerName}`);
    if (provider === undefined || pool === undefined || typeof token !== 'string') {
      throw notAuthorized(
        `Invalid login token. Logins: ${providerName} is not a provider of this identity pool.`,
      );
    }
    let sub: string;
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(pool.jwks()), {
        issuer: pool.issuer,
        audience: provider.clientId,
        algorithms: ['RS256'],
        currentDate: new Date(this.now()),
      });
      if (payload.token_use !== 'id') throw notAuthorized('Invalid login token. Not an ID token.');
      sub = String(payload.sub);
    } catch (error) {
      if (error instanceof CognitoError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw notAuthorized('Invalid login token. Token expired.');
      if (error instanceof joseErrors.JOSEError) throw notAuthorized(`Invalid login token. ${error.message}`);
      throw error;
    }
    const key = `${providerName}:${sub}`;
    let identityId = this.identities.get(key);
    if (identityId === undefined) {
      identityId = `${this.region}:${randomUUID()}`;
      this.identities.set(key, identityId);
    }
    return { identityId, providerName, sub };
  }

  private async credentials(login: {
    identityId: string;
    providerName: string;
    sub: string;
  }): Promise<IdentityCredentials> {
    const roleArn = this.definition.roles.authenticated;
    if (roleArn === undefined) {
      throw new CognitoError(
        'InvalidIdentityPoolConfigurationException',
        'The identity pool has no authenticated role.',
      );
    }
    const amr = ['authenticated', login.providerName, `${login.providerName}:CognitoSignIn:${login.sub}`];
    const session = await this.sts
      .assumeRoleWithWebIdentity(
        roleArn,
        'CognitoIdentityCredentials',
        FEDERATED,
        {
          [`${FEDERATED}:aud`]: this.definition.identityPoolId,
          [`${FEDERATED}:sub`]: login.identityId,
          [`${FEDERATED}:amr`]: amr,
        },
        CREDENTIAL_SECONDS,
        { identityPoolId: this.definition.identityPoolId, identityId: login.identityId, amr },
      )
      .catch((error: unknown) => {
        throw new CognitoError(
          'InvalidIdentityPoolConfigurationException',
          `Invalid identity pool configuration. Check assigned IAM roles for this pool: ${(error as Error).message}`,
        );
      });
    return {
      AccessKeyId: session.accessKeyId,
      SecretKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: Math.floor(session.expiresAt / 1000),
    };
  }
}
