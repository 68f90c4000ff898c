import { createHash, randomBytes } from 'node:crypto';
import type { PolicyEvaluator } from './policy-evaluator';
import type { TemplateIam, TemplateRole } from './template-iam';

/** An STS error as the query protocol answers it (`<ErrorResponse><Error><Code>`). */
export class StsError extends Error {
  constructor(
    /** `AccessDenied`, `ValidationError`, `InvalidClientTokenId`, … */
    readonly code: string,
    message: string,
    /** 403 for authorization, 400 for a malformed request. */
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

/** A session that AssumeRole issued: its credentials, role and tags. */
export interface TaskSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly role: TemplateRole;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session name>` */
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Wall-clock ms: functions run in real time, and the SDK compares expirations with `Date.now()`. */
  readonly expiresAt: number;
  /**
   * For a session a Cognito identity pool obtained: the identity, as API Gateway's IAM authorization reports it
   * (`requestContext.authorizer.iam.cognitoIdentity`).
   */
  readonly cognitoIdentity?: CognitoIdentityOfSession;
}

/** The Cognito identity behind a session: its pool, id and authentication methods (`amr`). */
export interface CognitoIdentityOfSession {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly amr: readonly string[];
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAGS = 50;

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * STS for the sandbox: AssumeRole on the template's roles, for callers the sandbox knows by access key id (each
 * function signs as its execution role). The trust policy and the caller's identity policies are evaluated
 * (`sts:AssumeRole`, and `sts:TagSession` when tags are passed) with the request's tags, as on AWS; the session
 * it issues is remembered with its tags, so other stand-ins (DynamoDB) can authorize what it does.
 */
export class LocalSts {
  private readonly callers = new Map<string, TemplateRole>();
  private readonly sessions = new Map<string, TaskSession>();

  constructor(
    private readonly iam: TemplateIam,
    private readonly evaluator: PolicyEvaluator,
    private readonly accountId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The access key id a function of role `roleArn` signs with (fixed per role, like Lambda's credentials for
   * the function's role). Unknown roles get none: the function then signs as nobody STS knows.
   */
  accessKeyFor(roleArn: string): string | undefined {
    const role = this.iam.role(roleArn);
    if (!role) return undefined;
    const id = `AKIA${createHash('sha256').update(roleArn).digest('hex').slice(0, 16).toUpperCase()}`;
    this.callers.set(id, role);
    return id;
  }

  /** The session whose access key id this is, if STS issued it (expired or not). */
  session(accessKeyId: string): TaskSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** Sessions issued so far, oldest first. */
  issued(): TaskSession[] {
    return [...this.sessions.values()];
  }

  /** Serves one query-protocol request (`Action=…`); returns the XML answer. */
  async handle(params: URLSearchParams, callerKeyId: string | undefined): Promise<string> {
    const action = params.get('Action') ?? '';
    if (action !== 'AssumeRole') {
      throw new StsError('InvalidAction', `The sandbox's STS serves AssumeRole only, not "${action}".`, 400);
    }
    const session = await this.assumeRole(params, callerKeyId);
    const roleName = session.role.arn.slice(session.role.arn.lastIndexOf('/') + 1);
    const sessionName = session.arn.slice(session.arn.lastIndexOf('/') + 1);
    return (
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${session.sessionToken}</SessionToken>` +
      `<Expiration>${new Date(session.expiresAt).toISOString()}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>AROA${roleName.slice(0, 17).toUpperCase()}:${xml(sessionName)}</AssumedRoleId>` +
      `<Arn>${xml(session.arn)}</Arn></AssumedRoleUser>` +
      `<PackedPolicySize>${Math.min(100, Object.keys(session.tags).length * 4)}</PackedPolicySize>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId>` +
      `</ResponseMetadata></AssumeRoleResponse>`
    );
  }

  /** The query protocol's error document. */
  static errorXml(code: string, message: string): string {
    return (
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
      `<Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error>` +
      `<RequestId>${randomBytes(16).toString('hex')}</RequestId></ErrorResponse>`
    );
  }

  private async assumeRole(params: URLSearchParams, callerKeyId: string | undefined): Promise<TaskSession> {
    const caller = callerKeyId === undefined ? undefined : this.callers.get(callerKeyId);
    if (!caller) {
      throw new StsError(
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        403,
      );
    }
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    if (!SESSION_NAME.test(sessionName)) {
      throw new StsError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and length from 2 to 64`,
        400,
      );
    }
    const tags = tagsOf(params);
    const role = this.iam.role(roleArn);
    const denied = (action: string) =>
      new StsError(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${roleArn}`,
        403,
      );
    if (!role) throw denied('sts:AssumeRole');
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > role.maxSessionSeconds) {
      throw new StsError(
        'ValidationError',
        `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (or is below 900): ${params.get('DurationSeconds') ?? '(none)'}`,
        400,
      );
    }
    const context: Record<string, string | string[]> = {
      'aws:PrincipalArn': caller.arn,
      ...(Object.keys(tags).length > 0 ? { 'aws:TagKeys': Object.keys(tags) } : {}),
      ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])),
    };
    const actions = Object.keys(tags).length > 0 ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    for (const action of actions) {
      const decision = await this.evaluator.evaluate({
        principal: caller.arn,
        action,
        resource: role.arn,
        identityPolicies: caller.identityPolicies,
        resourcePolicy: role.trustPolicy,
        context,
      });
      if (!decision.allowed) throw denied(action);
    }
    return this.issue(role, sessionName, tags, duration);
  }

  /**
   * AssumeRoleWithWebIdentity as a web identity federation service calls it (the Cognito identity pool's
   * GetCredentialsForIdentity): the role's trust policy must allow `sts:AssumeRoleWithWebIdentity` to the federated
   * `provider` (e.g. `cognito-identity.amazonaws.com`) with the request's `context`
   * (`cognito-identity.amazonaws.com:aud`, `…:amr`); an AccessDenied StsError otherwise.
   */
  async assumeRoleWithWebIdentity(
    roleArn: string,
    sessionName: string,
    provider: string,
    context: Readonly<Record<string, string | string[]>>,
    durationSeconds = 3600,
    cognitoIdentity?: CognitoIdentityOfSession,
  ): Promise<TaskSession> {
    const role = this.iam.role(roleArn);
    const decision =
      role === undefined
        ? undefined
        : await this.evaluator.evaluate({
            principal: provider,
            action: 'sts:AssumeRoleWithWebIdentity',
            resource: role.arn,
            identityPolicies: [],
            resourcePolicy: role.trustPolicy,
            context,
          });
    if (role === undefined || decision?.allowed !== true) {
      throw new StsError(
        'AccessDenied',
        `Not authorized to perform sts:AssumeRoleWithWebIdentity on ${roleArn} for ${provider}`,
        403,
      );
    }
    return this.issue(role, sessionName, {}, durationSeconds, cognitoIdentity);
  }

  private issue(
    role: TemplateRole,
    sessionName: string,
    tags: Record<string, string>,
    durationSeconds: number,
    cognitoIdentity?: CognitoIdentityOfSession,
  ): TaskSession {
    const session: TaskSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      role,
      arn: `arn:aws:sts::${this.accountId}:assumed-role/${role.arn.split('/').at(-1) ?? role.arn}/${sessionName}`,
      tags,
      expiresAt: this.now() + durationSeconds * 1000,
      ...(cognitoIdentity === undefined ? {} : { cognitoIdentity }),
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }
}

/** `Tags.member.<n>.Key` / `.Value`, checked as STS checks them. */
function tagsOf(params: URLSearchParams): Record<string, string> {
  const members = new Map<number, { key?: string; value?: string }>();
  for (const [name, value] of params) {
    const match = /^Tags\.member\.(\d+)\.(Key|Value)$/.exec(name);
    if (!match) continue;
    const member = members.get(Number(match[1])) ?? {};
    if (match[2] === 'Key') member.key = value;
    else member.value = value;
    members.set(Number(match[1]), member);
  }
  if (members.size > MAX_TAGS) {
    throw new StsError(
      'ValidationError',
      `A session may have at most ${MAX_TAGS} tags, got ${members.size}.`,
      400,
    );
  }
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [n, { key, value = '' }] of [...members].sort(([a], [b]) => a - b)) {
    if (!key || key.length > 128 || !TAG_TEXT.test(key)) {
      throw new StsError(
        'ValidationError',
        `Tags.member.${n}.Key "${key ?? ''}" is not a valid tag key.`,
        400,
      );
    }
    if (value.length > 256 || !TAG_TEXT.test(value)) {
      throw new StsError(
        'ValidationError',
        `Tags.member.${n}.Value "${value}" is not a valid tag value.`,
        400,
      );
    }
    // Tag keys are case-insensitive in STS: two spellings of one key are refused.
    if (seen.has(key.toLowerCase())) {
      throw new StsError('InvalidParameterValue', `Duplicate tag keys found: ${key}.`, 400);
    }
    seen.add(key.toLowerCase());
    tags[key] = value;
  }
  return tags;
}
