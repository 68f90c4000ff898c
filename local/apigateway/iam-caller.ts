import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CognitoIdentityOfSession, LocalSts } from '../iam/local-sts';
import type { PolicyEvaluator } from '../iam/policy-evaluator';
import type { TemplateIam, TemplateRole } from '../iam/template-iam';

/** The identity API Gateway's IAM authorization found, as payload format 2.0 carries it (`authorizer.iam`). */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
  /** A Cognito identity pool's credentials: the identity (pool, id, `amr`). */
  readonly cognitoIdentity?: CognitoIdentityOfSession;
}

/** Why API Gateway refuses a request before the integration runs: 403 with its message. */
export class IamAuthorizationError extends Error {
  override readonly name = 'IamAuthorizationError';
  readonly status = 403;
}

/** The request as received, for SigV4 verification. */
export interface SignedRequest {
  readonly method: string;
  readonly host: string;
  /** The path as sent (percent-encoded), without the query. */
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What the signer uses of a node:crypto hash or HMAC. */
interface Digester {
  update(data: string | Uint8Array): unknown;
  digest(): Buffer;
}

/** SHA-256 (keyed: HMAC) with node:crypto, in the shape the signer wants. */
export class Sha256 {
  private hash: Digester;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined ? undefined : bytesOf(secret);
    this.hash = this.create();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.create();
  }
  private create(): Digester {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function bytesOf(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** The access key every sandbox tool signs with (`npm run approve`, the tests): the account's operator. */
const SANDBOX_ACCESS_KEY = 'sandbox';

/** What a signature says of itself: from a SigV4 `Authorization` header, or from a presigned URL's query. */
interface SignatureClaim {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** `X-Amz-Date` (`20261207T101500Z`); absent in a header-signed request that sent none. */
  readonly amzDate: string | undefined;
  /** A presigned URL's `X-Amz-Expires` (seconds); undefined for a header signature. */
  readonly expiresSeconds?: number;
}

/** The query parameters a presigned URL carries its signature in: not part of what it signs. */
const PRESIGN_PARAMETERS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/** `20261207T101500Z` as a time, or undefined. */
function amzTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** The signature a request claims, from its `Authorization` header or its presigned query; undefined: none. */
function claimOf(request: SignedRequest): SignatureClaim | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const [, accessKeyId, , region, service, signedHeaders, signature] =
      AUTHORIZATION.exec(authorization) ?? [];
    if (
      accessKeyId === undefined ||
      region === undefined ||
      service === undefined ||
      signedHeaders === undefined ||
      signature === undefined
    ) {
      return undefined;
    }
    return {
      accessKeyId,
      region,
      service,
      signedHeaders: signedHeaders.split(';'),
      signature,
      amzDate: request.headers['x-amz-date'],
    };
  }
  const query = new URLSearchParams(request.rawQueryString);
  const [, accessKeyId, , region, service] = CREDENTIAL.exec(query.get('X-Amz-Credential') ?? '') ?? [];
  const signature = query.get('X-Amz-Signature');
  const expires = Number(query.get('X-Amz-Expires'));
  if (
    accessKeyId === undefined ||
    region === undefined ||
    service === undefined ||
    signature === null ||
    query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    !Number.isInteger(expires) ||
    expires < 1
  ) {
    return undefined;
  }
  return {
    accessKeyId,
    region,
    service,
    signedHeaders: (query.get('X-Amz-SignedHeaders') ?? '').split(';'),
    signature,
    amzDate: query.get('X-Amz-Date') ?? undefined,
    expiresSeconds: expires,
  };
}

/**
 * API Gateway's IAM authorization in the sandbox: the request must be SigV4-signed for `execute-api` — in its
 * `Authorization` header, or in its query string (a presigned URL, as a browser's WebSocket `$connect` is) — by a
 * caller the sandbox knows by access key id: a role of the template (a function's, or the console's operator role),
 * a session STS issued (local/iam/), whose policies must allow the action (`execute-api:Invoke` on a route,
 * `execute-api:ManageConnections` on a WebSocket connection), or the sandbox's own operator key (`sandbox`), which
 * may call anything. The signature is recomputed with the caller's secret and compared.
 */
export class IamCallers {
  private readonly roleByKey = new Map<string, TemplateRole>();

  constructor(
    private readonly sts: LocalSts,
    private readonly evaluator: Pick<PolicyEvaluator, 'evaluate'>,
    iam: TemplateIam,
    roleArns: readonly string[],
    private readonly accountId: string,
    private readonly now: () => number = Date.now,
  ) {
    for (const arn of roleArns) {
      const key = sts.accessKeyFor(arn);
      const role = iam.role(arn);
      if (key !== undefined && role !== undefined) this.roleByKey.set(key, role);
    }
  }

  /**
   * The caller of a signed request allowed to perform `action` on `resourceArn` (the route's ARN for
   * `execute-api:Invoke`), or an IamAuthorizationError saying why not.
   */
  async authorize(
    request: SignedRequest,
    resourceArn: string,
    action = 'execute-api:Invoke',
  ): Promise<IamCaller> {
    const claim = claimOf(request);
    if (claim === undefined) throw new IamAuthorizationError('Forbidden');
    if (claim.service !== 'execute-api') {
      throw new IamAuthorizationError(`Credential should be scoped to correct service: 'execute-api'.`);
    }
    const identity = this.identityOf(claim.accessKeyId);
    if (identity === undefined) {
      throw new IamAuthorizationError('The security token included in the request is invalid.');
    }
    const signedAt = amzTime(claim.amzDate);
    if (claim.expiresSeconds !== undefined && signedAt !== undefined) {
      const expiredAt = signedAt.getTime() + claim.expiresSeconds * 1000;
      if (expiredAt < this.now()) {
        throw new IamAuthorizationError(
          `Signature expired: ${String(claim.amzDate)} is now earlier than ${new Date(expiredAt).toISOString()} (${String(claim.amzDate)} + ${claim.expiresSeconds} s).`,
        );
      }
    }
    const key = {
      accessKeyId: claim.accessKeyId,
      secretAccessKey: identity.secret,
      ...(identity.sessionToken === undefined ? {} : { sessionToken: identity.sessionToken }),
      region: claim.region,
      signedHeaders: claim.signedHeaders,
    };
    const expected =
      signedAt === undefined
        ? undefined
        : claim.expiresSeconds === undefined
          ? await this.signatureOf(request, key, signedAt)
          : await this.presignatureOf(request, key, signedAt, claim.expiresSeconds);
    if (expected !== claim.signature) {
      throw new IamAuthorizationError(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    if (identity.role !== undefined) {
      const decision = await this.evaluator.evaluate({
        principal: identity.arn,
        action,
        resource: resourceArn,
        identityPolicies: identity.role.identityPolicies,
        context: identity.tags,
      });
      if (!decision.allowed) {
        throw new IamAuthorizationError(
          `User: ${identity.arn} is not authorized to perform: ${action} on resource: ${resourceArn}`,
        );
      }
    }
    return {
      accessKey: claim.accessKeyId,
      accountId: this.accountId,
      callerId: identity.userId,
      userArn: identity.arn,
      userId: identity.userId,
      ...(identity.cognitoIdentity === undefined ? {} : { cognitoIdentity: identity.cognitoIdentity }),
    };
  }

  private identityOf(accessKeyId: string):
    | {
        arn: string;
        userId: string;
        secret: string;
        sessionToken?: string;
        role?: TemplateRole;
        tags: Record<string, string>;
        cognitoIdentity?: CognitoIdentityOfSession;
      }
    | undefined {
    if (accessKeyId === SANDBOX_ACCESS_KEY) {
      return {
        arn: `arn:aws:iam::${this.accountId}:user/sandbox-operator`,
        userId: 'AIDASANDBOXOPERATOR',
        secret: 'sandbox',
        tags: {},
      };
    }
    const session = this.sts.session(accessKeyId);
    if (session !== undefined) {
      return {
        arn: session.arn,
        userId: `AROA${session.role.logicalId.slice(0, 17).toUpperCase()}:${String(session.arn.split('/').at(-1))}`,
        secret: session.secretAccessKey,
        sessionToken: session.sessionToken,
        role: session.role,
        tags: Object.fromEntries(Object.entries(session.tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
        ...(session.cognitoIdentity === undefined ? {} : { cognitoIdentity: session.cognitoIdentity }),
      };
    }
    const role = this.roleByKey.get(accessKeyId);
    if (role !== undefined) {
      return {
        arn: role.arn,
        userId: `AROA${role.logicalId.slice(0, 17).toUpperCase()}`,
        secret: 'sandbox',
        role,
        tags: {},
      };
    }
    return undefined;
  }

  /** The signature the caller's secret gives the request, signed over the headers it says it signed. */
  private async signatureOf(
    request: SignedRequest,
    key: SigningKey,
    signedAt: Date,
  ): Promise<string | undefined> {
    // The signature covers the hash of the body as received. A signed `x-amz-content-sha256` header is part of the
    // canonical headers, not a stand-in for the body: the signer would take its value as the payload's hash, so a
    // changed body under the original header must not verify.
    const declared = request.headers['x-amz-content-sha256'];
    if (declared !== undefined && declared !== createHash('sha256').update(request.body).digest('hex')) {
      return undefined;
    }
    const signed = await signerFor(key).sign(
      {
        ...httpRequestOf(
          request,
          key,
          queryOf(request.rawQueryString, () => true),
        ),
        body: request.body.length > 0 ? request.body : undefined,
      },
      { signingDate: signedAt, signableHeaders: new Set(key.signedHeaders) },
    );
    return /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
  }

  /**
   * The signature the caller's secret gives a presigned URL: the same request presigned again, from its query
   * without the signature's own parameters (the signer adds them back, the session token included).
   */
  private async presignatureOf(
    request: SignedRequest,
    key: SigningKey,
    signedAt: Date,
    expiresSeconds: number,
  ): Promise<string | undefined> {
    const presigned = await signerFor(key).presign(
      httpRequestOf(
        request,
        key,
        queryOf(request.rawQueryString, (name) => !PRESIGN_PARAMETERS.has(name)),
      ),
      { signingDate: signedAt, expiresIn: expiresSeconds, signableHeaders: new Set(key.signedHeaders) },
    );
    const signature = presigned.query?.['X-Amz-Signature'];
    return typeof signature === 'string' ? signature : undefined;
  }
}

/** The caller's key and what the signature says it signed. */
interface SigningKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly signedHeaders: readonly string[];
}

function signerFor(key: SigningKey): SignatureV4 {
  return new SignatureV4({
    service: 'execute-api',
    region: key.region,
    sha256: Sha256,
    credentials: {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      ...(key.sessionToken === undefined ? {} : { sessionToken: key.sessionToken }),
    },
  });
}

/** The parameters of a query string that `keep` keeps, repeated names as lists. */
function queryOf(rawQueryString: string, keep: (name: string) => boolean): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    if (!keep(name)) continue;
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/** The request as the signer sees it: the signed headers only, with the values received. */
function httpRequestOf(request: SignedRequest, key: SigningKey, query: Record<string, string | string[]>) {
  const [hostname = '', port] = request.host.split(':');
  return {
    method: request.method,
    protocol: 'http:',
    hostname,
    ...(port === undefined ? {} : { port: Number(port) }),
    path: request.rawPath,
    query,
    headers: Object.fromEntries(key.signedHeaders.map((name) => [name, request.headers[name] ?? ''])),
  };
}
