import { randomUUID } from 'node:crypto';
import type { Activity } from '../activity';
import type { VirtualClock } from '../clock';
import { PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_REQUEST_BYTES, putEventsEntrySize } from '../limits';
import type { EventTracing } from '../xray/event-segments';
import { EventArchive } from './archive';
import { compilePattern, type CompiledPattern } from './pattern';
import { RuleIndex } from './rule-index';
import { transformInput, type TargetInput } from './target-input';
import type { DeliveryRefusal } from './target-permissions';

/** An event as EventBridge delivers it to targets. */
export interface EventEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  [extra: string]: unknown;
}

/** A PutEvents request entry, as the JSON protocol carries it (Time in epoch seconds or a date string). */
export interface PutEventsEntry {
  // Absent and undefined mean the same here: a missing field is refused with its name, whichever it is.
  Source?: string | undefined;
  DetailType?: string | undefined;
  Detail?: string | undefined;
  EventBusName?: string | undefined;
  Time?: number | string | Date | undefined;
  Resources?: string[] | undefined;
  TraceHeader?: string | undefined;
}

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface RuleTarget extends TargetInput {
  readonly id: string;
  readonly arn: string;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly deadLetterArn?: string | undefined;
  /** Set when AWS would refuse EventBridge delivery to the target (its policies; see target-permissions.ts). */
  readonly refused?: DeliveryRefusal | undefined;
  /** Set when the dead-letter queue's policies refuse EventBridge: AWS drops what it would keep there. */
  readonly deadLetterRefused?: string | undefined;
}

export interface Rule {
  readonly name: string;
  readonly arn: string;
  readonly pattern: CompiledPattern;
  readonly targets: readonly RuleTarget[];
}

/**
 * Delivers a transformed event to a target; throws when the target refuses it. EventBridge retries a refusal unless
 * it carries a 4xx `statusCode` other than 429 (a payload too large, a validation error), which goes to the
 * dead-letter queue at once.
 */
export type TargetDispatcher = (target: RuleTarget, input: string, event: EventEnvelope) => Promise<void>;
/** Keeps an event that could not be delivered (a target DLQ message with the reason). */
export type DeadLetterSink = (
  deadLetterArn: string,
  event: EventEnvelope,
  reason: {
    errorCode: string;
    errorMessage: string;
    ruleArn: string;
    targetArn: string;
    /** Retries made after the first attempt. */
    retryAttempts: number;
    /** The retry policy's limit that ended delivery; absent when the error is not retried at all. */
    exhaustedRetryCondition?: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';
    /** Why the dead-letter queue refuses EventBridge, when it does: the event is dropped instead. */
    deadLetterRefused?: string;
  },
) => void;

export class BusError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** AWS's answer when a request's entries add up to more than {@link PUT_EVENTS_MAX_REQUEST_BYTES}. */
const REQUEST_TOO_LARGE = 'Total size of the entries in the request is over the limit.';

/**
 * Whether EventBridge retries a target's refusal: it retries 5xx and 429 answers (and failures without a status,
 * such as a target that is not reachable), not other 4xx ones
 * (https://repost.aws/knowledge-center/eventbridge-resolve-failedinvocation-errors).
 */
function isRetryable(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status !== 'number' || status >= 500 || status === 429;
}

/**
 * Seconds before retry `attempt + 1` (0 after the first attempt): EventBridge retries "for 24 hours and up to 185
 * times with an exponential back off and jitter" (https://docs.aws.amazon.com/eventbridge/latest/userguide/
 * eb-rule-retry-policy.html) without documenting the intervals. Here 1 s doubling to a ceiling of 488 s, so that the
 * default's 185 retries span 24 hours as AWS's do (9 doublings make 511 s, and 176 retries at the ceiling the rest);
 * no jitter, so that a run on the virtual clock is the same every time.
 */
function retryDelaySeconds(attempt: number): number {
  return Math.min(2 ** attempt, 488);
}

/** Whether a PutEvents entry is for the account's default bus: no `EventBusName`, or `default` (or its ARN). */
function onDefaultBus(entry: PutEventsEntry): boolean {
  const name = entry.EventBusName;
  return !name || name === 'default' || /^arn:aws[a-z-]*:events:[^:]*:\d{12}:event-bus\/default$/.test(name);
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A custom event bus: PutEvents validation with per-entry errors, rules matched by the template's patterns
 * (indexed, not scanned), input transformation, retries on the virtual clock, target DLQs, and an archive.
 */
export class LocalEventBus {
  /** Every accepted event (spilled to a file past a bound, so long replays keep memory flat). */
  readonly archive = new EventArchive();
  private readonly rules = new Map<string, Rule>();
  /** Rules indexed by the literal values their patterns require: an event is checked only against candidates. */
  private readonly index = new RuleIndex<Rule>();
  private readonly listeners: ((event: EventEnvelope) => void)[] = [];
  /** X-Ray: each event's trace, carried to its targets (local/xray). @default - not traced */
  tracing: EventTracing | undefined;
  private readonly traceHeaders = new WeakMap<EventEnvelope, string>();
  /** PutEvents entries accepted for the account's default bus (no `EventBusName`): no rule of this bus saw them. */
  defaultBusEntries = 0;

  constructor(
    readonly name: string,
    readonly arn: string,
    private readonly env: { region: string; accountId: string },
    private readonly clock: VirtualClock,
    private readonly activity: Activity,
    private readonly dispatch: TargetDispatcher,
    private readonly deadLetter: DeadLetterSink,
  ) {}

  addRule(name: string, pattern: unknown, targets: RuleTarget[]): Rule {
    const rule: Rule = {
      name,
      arn: `arn:aws:events:${this.env.region}:${this.env.accountId}:rule/${this.name}/${name}`,
      pattern: compilePattern(pattern),
      targets,
    };
    this.rules.set(name, rule);
    this.index.add(name, pattern, rule);
    return rule;
  }

  onEvent(listener: (event: EventEnvelope) => void): void {
    this.listeners.push(listener);
  }

  /** PutEvents: validates each entry, answers per entry, routes the accepted ones. */
  putEvents(entries: readonly PutEventsEntry[]): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    const list: readonly PutEventsEntry[] = Array.isArray(entries) ? entries : [];
    if (list.length === 0) {
      throw new BusError(
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (list.length > PUT_EVENTS_MAX_ENTRIES) {
      throw new BusError(
        'ValidationException',
        `1 validation error detected: Value '[...]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`,
      );
    }
    // The size limit is the request's: one entry may use all of it, and an oversized request is refused whole.
    const size = list.reduce((total, entry) => total + putEventsEntrySize(entry), 0);
    if (size > PUT_EVENTS_MAX_REQUEST_BYTES) throw new BusError('ValidationException', REQUEST_TOO_LARGE);
    const results = list.map((entry) => this.accept(entry, randomUUID(), onDefaultBus(entry)));
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  /**
   * Puts an event that already has an envelope (a replayed file or archive): validated like a PutEvents entry,
   * keeping its id and event time.
   */
  putEnvelope(raw: unknown): PutEventsResultEntry {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'The event is not a JSON object.' };
    }
    const envelope = raw as Record<string, unknown>;
    const text = (key: string) => (typeof envelope[key] === 'string' ? envelope[key] : undefined);
    return this.accept(
      {
        Source: text('source'),
        DetailType: text('detail-type'),
        Detail: envelope.detail === undefined ? undefined : JSON.stringify(envelope.detail),
        Time: text('time'),
        Resources: Array.isArray(envelope.resources) ? envelope.resources.map(String) : undefined,
      },
      text('id'),
    );
  }

  /** Delivers a replayed event to every rule (or only `ruleArns`) without archiving it again. */
  replay(event: EventEnvelope, ruleArns?: readonly string[]): void {
    for (const listener of this.listeners) listener(event);
    for (const rule of this.matchingRules(event)) {
      if (ruleArns && ruleArns.length > 0 && !ruleArns.includes(rule.arn)) continue;
      for (const target of rule.targets) this.deliver(rule, target, event, 0, this.clock.now());
    }
  }

  rule(name: string): Rule | undefined {
    return this.rules.get(name);
  }

  /** The trace header the event's targets receive (its PutEvents entry's `TraceHeader`, continued). */
  traceHeaderOf(event: EventEnvelope): string | undefined {
    return this.traceHeaders.get(event);
  }

  /**
   * Validates an entry and, unless it is for the default bus, puts it on this one. An entry for the default bus
   * (PutEvents without `EventBusName`, or `default`) is accepted as AWS accepts it, and goes where AWS sends it: to
   * the account's default bus, which has none of this app's rules — nothing here sees it. The sandbox counts it
   * and says so once, so that a service that forgets the bus's name finds out here, not in production.
   */
  private accept(entry: PutEventsEntry, id: string = randomUUID(), defaultBus = false): PutEventsResultEntry {
    if (
      !defaultBus &&
      entry.EventBusName &&
      entry.EventBusName !== this.name &&
      entry.EventBusName !== this.arn
    ) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
      };
    }
    if (!entry.Source)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      };
    if (!entry.DetailType) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      };
    }
    if (entry.Detail === undefined) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    // A replayed envelope is put alone, so its entry is a whole request (PutEvents checked its request already).
    if (putEventsEntrySize(entry) > PUT_EVENTS_MAX_REQUEST_BYTES) {
      return { ErrorCode: 'ValidationException', ErrorMessage: REQUEST_TOO_LARGE };
    }
    const time = this.timeOf(entry.Time);
    if (time === undefined)
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    const event: EventEnvelope = {
      version: '0',
      id,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.env.accountId,
      time,
      region: this.env.region,
      resources: entry.Resources ?? [],
      detail,
    };
    if (defaultBus) {
      if (this.defaultBusEntries++ === 0) {
        console.warn(
          `PutEvents: an entry without EventBusName went to the default event bus, where no rule of this app sees it; name the bus (${this.name})`,
        );
      }
      return { EventId: event.id };
    }
    const traceHeader = this.tracing?.traceHeaderFor(event, entry.TraceHeader);
    if (traceHeader !== undefined) this.traceHeaders.set(event, traceHeader);
    this.route(event);
    return { EventId: event.id };
  }

  private timeOf(time: PutEventsEntry['Time']): string | undefined {
    if (time === undefined || time === null) return isoSeconds(this.clock.now());
    const ms = typeof time === 'number' ? time * 1000 : new Date(time).getTime();
    return Number.isFinite(ms) ? isoSeconds(ms) : undefined;
  }

  private route(event: EventEnvelope): void {
    this.archive.push(event);
    for (const listener of this.listeners) listener(event);
    for (const rule of this.matchingRules(event)) {
      for (const target of rule.targets) this.deliver(rule, target, event, 0, this.clock.now());
    }
  }

  private matchingRules(event: EventEnvelope): Rule[] {
    return this.index.match(event);
  }

  /**
   * One attempt to deliver `event` to `target`; a retryable failure is tried again on the virtual clock while the
   * target's retry policy allows: at most `maximumRetryAttempts` retries, none later than `maximumEventAgeSeconds`
   * after the bus took the event (`ingestedAt`, its own clock's time — not the event's `time`, which a producer
   * sets and a replay of old events keeps).
   */
  private deliver(
    rule: Rule,
    target: RuleTarget,
    event: EventEnvelope,
    attempt: number,
    ingestedAt: number,
  ): void {
    let input: string;
    try {
      input = transformInput(target, event, {
        ruleName: rule.name,
        ruleArn: rule.arn,
        ingestionTime: isoSeconds(ingestedAt),
      });
    } catch (error) {
      this.giveUp(rule, target, event, 'TransformationFailed', (error as Error).message, attempt);
      return;
    }
    this.activity.begin();
    this.dispatch(target, input, event)
      .catch((error: unknown) => {
        const e = error as Error;
        const code = e.name || 'Error';
        if (!isRetryable(error)) {
          this.giveUp(rule, target, event, code, e.message, attempt);
          return;
        }
        if (attempt >= target.maximumRetryAttempts) {
          this.giveUp(rule, target, event, code, e.message, attempt, 'MaximumRetryAttempts');
          return;
        }
        const retryAt = this.clock.now() + retryDelaySeconds(attempt) * 1000;
        if (retryAt - ingestedAt > target.maximumEventAgeSeconds * 1000) {
          this.giveUp(rule, target, event, code, e.message, attempt, 'MaximumEventAgeInSeconds');
          return;
        }
        this.clock.setTimer(retryAt, () => this.deliver(rule, target, event, attempt + 1, ingestedAt));
      })
      .finally(() => this.activity.end());
  }

  private giveUp(
    rule: Rule,
    target: RuleTarget,
    event: EventEnvelope,
    errorCode: string,
    errorMessage: string,
    retryAttempts: number,
    exhaustedRetryCondition?: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds',
  ): void {
    if (target.deadLetterArn) {
      this.deadLetter(target.deadLetterArn, event, {
        errorCode,
        errorMessage,
        ruleArn: rule.arn,
        targetArn: target.arn,
        retryAttempts,
        ...(exhaustedRetryCondition === undefined ? {} : { exhaustedRetryCondition }),
        ...(target.deadLetterRefused === undefined ? {} : { deadLetterRefused: target.deadLetterRefused }),
      });
    }
  }
}
