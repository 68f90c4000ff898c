import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { TaskSessionTags } from '../domain/governance/task-session';

/** A session's temporary credentials, in the shape SDK clients take as `credentials`. */
interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface StsTaskSessionsOptions<T> {
  /** The agent's task-execution role. */
  readonly roleArn: string;
  /** Builds what a session works with (an SDK client and the stores on it) from its credentials. */
  readonly open: (credentials: SessionCredentials) => T;
  /** @default new STSClient({}) */
  readonly sts?: STSClient;
  /** Lifetime asked of STS (900, its minimum, to 3,600, the role's maximum). @default 900 */
  readonly durationSeconds?: number;
  /** A session is not handed out within this long of its expiry (a command must finish with it). @default 120 */
  readonly marginSeconds?: number;
  /** Sessions kept at once (least recently used dropped first). @default 32 */
  readonly maxSessions?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Entry<T> {
  readonly session: Promise<{ readonly value: T; readonly usableUntil: number }>;
}

/** STS accepts `[\w+=,.@-]` in a session name, 2 to 64 characters. */
function sessionNameOf(tags: TaskSessionTags): string {
  return `${tags.agent}.${tags.task}`.replace(/[^\w+=,.@-]/g, '-').slice(-64);
}

/**
 * Short-lived credentials per task (AssumeRole with the task's session tags, no transitive tags), and what the
 * caller builds on them, kept per tag set until shortly before they expire: a redelivered command reuses its
 * session; a new task gets its own. Concurrent asks for one tag set share one AssumeRole.
 */
export class StsTaskSessions<T> {
  private readonly sts: STSClient;
  private readonly durationSeconds: number;
  private readonly marginMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly sessions = new Map<string, Entry<T>>();

  constructor(private readonly options: StsTaskSessionsOptions<T>) {
    this.sts = options.sts ?? new STSClient({});
    this.durationSeconds = options.durationSeconds ?? 900;
    if (
      !Number.isInteger(this.durationSeconds) ||
      this.durationSeconds < 900 ||
      this.durationSeconds > 3600
    ) {
      throw new RangeError(
        `durationSeconds must be an integer from 900 to 3600, got ${this.durationSeconds}`,
      );
    }
    this.marginMs = (options.marginSeconds ?? 120) * 1000;
    if (this.marginMs < 0 || this.marginMs >= this.durationSeconds * 1000) {
      throw new RangeError(
        `marginSeconds must be from 0 to less than durationSeconds, got ${String(options.marginSeconds)}`,
      );
    }
    this.maxSessions = options.maxSessions ?? 32;
    this.now = options.now ?? Date.now;
  }

  /** What the session tagged `tags` works with, assuming the role when no usable session is kept. */
  async for(tags: TaskSessionTags): Promise<T> {
    const key = JSON.stringify(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
    const kept = this.sessions.get(key);
    if (kept) {
      const session = await kept.session;
      if (session.usableUntil > this.now()) {
        // Most recently used last: the first key is the one to drop.
        this.sessions.delete(key);
        this.sessions.set(key, kept);
        return session.value;
      }
      if (this.sessions.get(key) === kept) this.sessions.delete(key);
    }
    const entry: Entry<T> = { session: this.assume(tags) };
    this.sessions.set(key, entry);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.maxSessions) break;
      this.sessions.delete(oldest);
    }
    try {
      return (await entry.session).value;
    } catch (error) {
      if (this.sessions.get(key) === entry) this.sessions.delete(key);
      throw error;
    }
  }

  private async assume(tags: TaskSessionTags) {
    const { Credentials } = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: this.options.roleArn,
        RoleSessionName: sessionNameOf(tags),
        DurationSeconds: this.durationSeconds,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken) {
      throw new Error(`AssumeRole ${this.options.roleArn} answered without credentials`);
    }
    const expiration = Credentials.Expiration ?? new Date(this.now() + this.durationSeconds * 1000);
    const credentials: SessionCredentials = {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration,
    };
    return { value: this.options.open(credentials), usableUntil: expiration.getTime() - this.marginMs };
  }
}
