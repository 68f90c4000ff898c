import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalSts } from '../iam/local-sts';
import type { PolicyEvaluator } from '../iam/policy-evaluator';
import type { TemplateIam, TemplateRole } from '../iam/template-iam';

/** The identity API Gateway's IAM authorization found, as payload format 2.0 carries it (`authorizer.iam`). */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
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

/** SHA-256 (keyed: HMAC) with node:crypto, in the shape the signer wants. */
export class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret?: string | Uint8Array;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = bytesOf(secret);
    this.hash = this.create();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data)!);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function bytesOf(data: string | ArrayBuffer | ArrayBufferView | undefined): string | Uint8Array | undefined {
  if (data === undefined || typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** The access key every sandbox tool signs with (`npm run approve`, the tests): the account's operator. */
const SANDBOX_ACCESS_KEY = 'sandbox';

/**
 * API Gateway's IAM authorization in the sandbox: the request must be SigV4-signed for `execute-api` by a caller
 * the sandbox knows by access key id — a function's role or a session STS issued (local/iam/), whose policies must
 * allow `execute-api:Invoke` on the route, or the sandbox's own operator key (`sandbox`), which may call anything.
 * The signature is recomputed with the caller's secret and compared.
 */
export class IamCallers {
  private readonly roleByKey = new Map<string, TemplateRole>();

  constructor(
    private readonly sts: LocalSts,
    private readonly evaluator: PolicyEvaluator,
    iam: TemplateIam,
    roleArns: readonly string[],
    private readonly accountId: string,
  ) {
    for (const arn of roleArns) {
      const key = sts.accessKeyFor(arn);
      const role = iam.role(arn);
      if (key !== undefined && role !== undefined) this.roleByKey.set(key, role);
    }
  }

  /** The caller of a signed request allowed to invoke `routeArn`, or an IamAuthorizationError saying why not. */
  async authorize(request: SignedRequest, routeArn: string): Promise<IamCaller> {
    const authorization = request.headers.authorization;
    if (authorization === undefined) throw new IamAuthorizationError('Forbidden');
    const parsed = AUTHORIZATION.exec(authorization);
    if (!parsed) throw new IamAuthorizationError('Forbidden');
    const [, accessKeyId, , region, service, signedHeaders, signature] = parsed as unknown as string[];
    if (service !== 'execute-api') {
      throw new IamAuthorizationError(`Credential should be scoped to correct service: 'execute-api'.`);
    }
    const identity = this.identityOf(accessKeyId!);
    if (identity === undefined) {
      throw new IamAuthorizationError('The security token included in the request is invalid.');
    }
    const expected = await this.signatureOf(request, {
      accessKeyId: accessKeyId!,
      secretAccessKey: identity.secret,
      ...(identity.sessionToken === undefined ? {} : { sessionToken: identity.sessionToken }),
      region: region!,
      signedHeaders: signedHeaders!.split(';'),
    });
    if (expected !== signature) {
      throw new IamAuthorizationError(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    if (identity.role !== undefined) {
      const decision = await this.evaluator.evaluate({
        principal: identity.arn,
        action: 'execute-api:Invoke',
        resource: routeArn,
        identityPolicies: identity.role.identityPolicies,
        context: identity.tags,
      });
      if (!decision.allowed) {
        throw new IamAuthorizationError(
          `User: ${identity.arn} is not authorized to perform: execute-api:Invoke on resource: ${routeArn}`,
        );
      }
    }
    return {
      accessKey: accessKeyId!,
      accountId: this.accountId,
      callerId: identity.userId,
      userArn: identity.arn,
      userId: identity.userId,
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
        userId: `AROA${session.role.logicalId.slice(0, 17).toUpperCase()}:${session.arn.split('/').pop()}`,
        secret: session.secretAccessKey,
        sessionToken: session.sessionToken,
        role: session.role,
        tags: Object.fromEntries(Object.entries(session.tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
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
    key: {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
      region: string;
      signedHeaders: readonly string[];
    },
  ): Promise<string | undefined> {
    const date = request.headers['x-amz-date'];
    if (date === undefined) return undefined;
    const signedAt = new Date(
      date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (Number.isNaN(signedAt.getTime())) return undefined;
    // The signature covers the hash of the body as received. A signed `x-amz-content-sha256` header is part of the
    // canonical headers, not a stand-in for the body: the signer would take its value as the payload's hash, so a
    // changed body under the original header must not verify.
    const declared = request.headers['x-amz-content-sha256'];
    if (declared !== undefined && declared !== createHash('sha256').update(request.body).digest('hex')) {
      return undefined;
    }
    const headers = Object.fromEntries(key.signedHeaders.map((name) => [name, request.headers[name] ?? '']));
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(request.rawQueryString)) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signer = new SignatureV4({
      service: 'execute-api',
      region: key.region,
      sha256: Sha256,
      credentials: {
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        ...(key.sessionToken === undefined ? {} : { sessionToken: key.sessionToken }),
      },
    });
    const [hostname = '', port] = request.host.split(':');
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname,
        ...(port === undefined ? {} : { port: Number(port) }),
        path: request.rawPath,
        query,
        headers,
        body: request.body.length > 0 ? request.body : undefined,
      },
      { signingDate: signedAt, signableHeaders: new Set(key.signedHeaders) },
    );
    return /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
  }
}
