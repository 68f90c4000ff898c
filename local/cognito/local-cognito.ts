import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalSts } from '../iam/local-sts';
import type { ResolvedTemplate } from '../template';
import { cognitoOf } from './cognito-template';
import { LocalIdentityPool } from './identity-pool';
import { serveIdentityPools } from './identity-route';
import { LocalUserPool } from './user-pool';
import { serveHostedSignIn, serveWellKnown } from './user-pool-routes';

/** Where the stand-in is mounted on the sandbox endpoint (local/endpoint.ts `rawRoute`). */
interface CognitoMount {
  rawRoute(
    prefix: string,
    handle: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<void>,
  ): void;
}

/** The paths on the endpoint that stand in for Cognito's hosts. */
const IDP_PATH = '/cognito-idp';
const HOSTED_PATH = '/cognito-auth';
const IDENTITY_PATH = '/cognito-identity';

/** The console's `auth` entry for a user pool client and identity pool served here (console/src/sign-in.ts). */
export interface LocalSignInSettings {
  readonly kind: 'cognito';
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly identityPoolId: string;
  /** The hosted sign-in: `<endpoint>/cognito-auth/<domain prefix>` (on AWS `https://<prefix>.auth.<region>…`). */
  readonly domain: string;
  /** The identity pool's API: `<endpoint>/cognito-identity` (on AWS the regional cognito-identity endpoint). */
  readonly identityEndpoint: string;
}

/** A password that meets the pool's policy: random letters and digits, then one of each class required. */
function randomPassword(minimumLength: number): string {
  const pick = (characters: string) => characters.charAt(randomInt(characters.length));
  const core = randomBytes(Math.max(minimumLength, 20)).toString('base64url').replace(/[-_]/g, '');
  return `${core}${pick('abcdefghijkmnopqrstuvwxyz')}${pick('ABCDEFGHJKLMNPQRSTUVWXYZ')}${pick('23456789')}${pick('!@#$%^&*-_=+')}`;
}

/**
 * Cognito for the sandbox, from the template's `AWS::Cognito::UserPool`, `UserPoolClient`, `UserPoolDomain`,
 * `IdentityPool` and `IdentityPoolRoleAttachment` (user-pool.ts, identity-pool.ts), served on the sandbox endpoint:
 *
 * - `/cognito-idp/<pool id>/.well-known/jwks.json` and `openid-configuration` (AWS: `https://cognito-idp.<region>.
 *   amazonaws.com/<pool id>/…`);
 * - `/cognito-auth/<domain prefix>/oauth2/authorize` (the sign-in page), `/oauth2/token`, `/logout` (AWS: the
 *   hosted domain `https://<prefix>.auth.<region>.amazoncognito.com`);
 * - `/cognito-identity`: `AWSCognitoIdentityService.GetId` and `GetCredentialsForIdentity` (AWS JSON 1.1).
 *
 * The token and identity endpoints answer browsers' CORS requests, as Cognito's do.
 */
export class LocalCognito {
  private constructor(
    readonly userPools: readonly LocalUserPool[],
    readonly identityPools: readonly LocalIdentityPool[],
    private readonly region: string,
  ) {}

  /** Undefined when the template has no user pool. */
  static async fromTemplate(
    template: ResolvedTemplate,
    options: { sts: LocalSts; rewriteUrl?: (url: string) => string; now?: () => number },
  ): Promise<LocalCognito | undefined> {
    const { region } = template.env;
    const { userPools, identityPools } = cognitoOf(template, options.rewriteUrl);
    if (userPools.length === 0) return undefined;
    const pools = await Promise.all(userPools.map((pool) => LocalUserPool.create(pool, region, options.now)));
    const identities = identityPools.map(
      (pool) => new LocalIdentityPool(pool, region, pools, options.sts, options.now),
    );
    return new LocalCognito(pools, identities, region);
  }

  /**
   * Adds a user to the (only) user pool with a fresh random password meeting the pool's policy, and returns the
   * password: the sandbox prints it; no password is written in code.
   */
  createUser(username: string, attributes: { email?: string } = {}): string {
    const pool = this.onlyUserPool();
    const password = randomPassword(pool.definition.minimumPasswordLength);
    pool.addUser(username, password, attributes);
    return password;
  }

  /** The console's `auth` entry for the pool's first client and the identity pool that trusts it. */
  signInSettings(endpointUrl: string): LocalSignInSettings {
    const pool = this.onlyUserPool();
    const provider = pool.issuer.replace(/^https:\/\//, '');
    const identity = this.identityPools.find((p) =>
      p.definition.providers.some((q) => q.providerName === provider),
    );
    const client = pool.definition.clients.find((c) =>
      identity?.definition.providers.some((p) => p.clientId === c.clientId),
    );
    if (identity === undefined || client === undefined || pool.definition.domainPrefix === undefined) {
      throw new Error(
        `user pool ${pool.definition.logicalId}: no domain, or no client an identity pool trusts`,
      );
    }
    return {
      kind: 'cognito',
      region: this.region,
      userPoolId: pool.definition.userPoolId,
      clientId: client.clientId,
      identityPoolId: identity.definition.identityPoolId,
      domain: `${endpointUrl}${HOSTED_PATH}/${encodeURIComponent(pool.definition.domainPrefix)}`,
      identityEndpoint: `${endpointUrl}${IDENTITY_PATH}`,
    };
  }

  /** Serves the user pools, their hosted sign-in and the identity pools on the endpoint. */
  mount(endpoint: CognitoMount): void {
    for (const pool of this.userPools) {
      const idp = `${IDP_PATH}/${encodeURIComponent(pool.definition.userPoolId)}`;
      endpoint.rawRoute(idp, (request, response) => {
        serveWellKnown(pool, HOSTED_PATH, idp, request, response);
        return Promise.resolve();
      });
      if (pool.definition.domainPrefix !== undefined) {
        const hosted = `${HOSTED_PATH}/${encodeURIComponent(pool.definition.domainPrefix)}`;
        endpoint.rawRoute(hosted, (request, response, body) =>
          serveHostedSignIn(pool, hosted, request, response, body),
        );
      }
    }
    endpoint.rawRoute(IDENTITY_PATH, (request, response, body) =>
      serveIdentityPools(this.identityPools, request, response, body),
    );
  }

  private onlyUserPool(): LocalUserPool {
    const [pool] = this.userPools;
    if (pool === undefined || this.userPools.length !== 1) {
      throw new Error(
        `the sandbox signs operators in to one user pool; the template has ${this.userPools.length}`,
      );
    }
    return pool;
  }
}
