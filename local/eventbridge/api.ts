import { BusError, type LocalEventBus, type PutEventsEntry } from './bus';
import { compilePattern, matchesPattern, type CompiledPattern } from './pattern';

export interface LocalArchive {
  readonly name: string;
  readonly arn: string;
  readonly pattern?: CompiledPattern | undefined;
  readonly retentionDays: number;
}

interface ReplayRecord {
  readonly name: string;
  readonly arn: string;
  readonly archiveArn: string;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly replayed: number;
}

/** Envelope fields TestEventPattern requires of the test event. */
const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

const fail = (name: string, message: string): never => {
  throw new BusError(name, message);
};

const epochSeconds = (value: unknown): Date => {
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  if (Number.isNaN(date.getTime())) fail('ValidationException', `invalid timestamp ${String(value)}`);
  return date;
};

/** The EventBridge operations of the sandbox endpoint (AWS JSON 1.1, target prefix `AWSEvents`). */
export class EventBridgeApi {
  private readonly replays = new Map<string, ReplayRecord>();

  constructor(
    private readonly bus: LocalEventBus,
    private readonly archives: readonly LocalArchive[],
    private readonly env: { region: string; accountId: string },
    /** The virtual clock's time (ms): what an archive's retention counts back from. */
    private readonly now: () => number = Date.now,
  ) {}

  archiveNames(): string[] {
    return this.archives.map((a) => a.name);
  }

  /** `traceHeader`: the request's `X-Amzn-Trace-Id`, for entries that carry no `TraceHeader` of their own. */
  handle(operation: string, body: Record<string, unknown>, traceHeader?: string): unknown {
    switch (operation) {
      case 'PutEvents':
        return this.putEvents(body, traceHeader);
      case 'TestEventPattern':
        return this.testEventPattern(body);
      case 'StartReplay':
        return this.startReplay(body);
      case 'DescribeReplay':
        return this.describeReplay(body);
      case 'ListArchives':
        return {
          Archives: this.archives.map((a) => ({
            ArchiveName: a.name,
            EventSourceArn: this.bus.arn,
            State: 'ENABLED',
            RetentionDays: a.retentionDays,
          })),
        };
      case 'DescribeEventBus':
        return { Name: this.bus.name, Arn: this.bus.arn };
      default:
        return fail('UnknownOperationException', `The sandbox does not implement EventBridge ${operation}.`);
    }
  }

  /** The bus checks the entries' count and total size (as EventBridge counts it, not the request's JSON). */
  private putEvents(body: Record<string, unknown>, traceHeader: string | undefined): unknown {
    const entries = Array.isArray(body.Entries) ? (body.Entries as PutEventsEntry[]) : [];
    return this.bus.putEvents(
      traceHeader === undefined
        ? entries
        : entries.map((entry) =>
            typeof entry === 'object' && entry !== null && !entry.TraceHeader
              ? { ...entry, TraceHeader: traceHeader }
              : entry,
          ),
    );
  }

  /** Validates the pattern (InvalidEventPatternException) and the event's envelope, then matches. */
  private testEventPattern(body: Record<string, unknown>): { Result: boolean } {
    if (typeof body.EventPattern !== 'string')
      return fail('ValidationException', 'EventPattern is required.');
    if (typeof body.Event !== 'string') return fail('ValidationException', 'Event is required.');
    let event: unknown;
    try {
      event = JSON.parse(body.Event);
    } catch {
      return fail('InvalidEventPatternException', 'Event is not valid JSON.');
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      return fail('InvalidEventPatternException', 'Event must be a JSON object.');
    }
    for (const field of REQUIRED_EVENT_FIELDS) {
      if (!(field in event))
        fail(
          'InvalidEventPatternException',
          `Parameter Event is not valid. Reason: Provided Event must have mandatory field ${field}.`,
        );
    }
    let pattern: unknown;
    try {
      pattern = JSON.parse(body.EventPattern);
    } catch {
      return fail(
        'InvalidEventPatternException',
        'Event pattern is not valid. Reason: the pattern is not valid JSON.',
      );
    }
    try {
      return { Result: matchesPattern(pattern, event) };
    } catch (error) {
      return fail(
        'InvalidEventPatternException',
        `Event pattern is not valid. Reason: ${(error as Error).message}`,
      );
    }
  }

  /** Replays the archive's events of [start, end) onto the bus, tagged with `replay-name`, to all or some rules. */
  private startReplay(body: Record<string, unknown>): unknown {
    const name =
      typeof body.ReplayName === 'string'
        ? body.ReplayName
        : fail('ValidationException', 'ReplayName is required.');
    if (this.replays.has(name)) fail('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archive = this.archives.find(
      (a) => a.arn === body.EventSourceArn || a.name === body.EventSourceArn,
    );
    if (!archive)
      return fail('ResourceNotFoundException', `Archive ${String(body.EventSourceArn)} does not exist.`);
    const startTime = epochSeconds(body.EventStartTime);
    const endTime = epochSeconds(body.EventEndTime);
    if (endTime <= startTime) fail('ValidationException', 'EventEndTime must be after EventStartTime.');
    const destination = (body.Destination ?? {}) as { Arn?: string; FilterArns?: string[] };
    if (destination.Arn !== this.bus.arn)
      fail('ValidationException', `Destination ${String(destination.Arn)} must be the archive's source bus.`);

    // Streamed from the archive (which may be on disk): replaying does not archive again, so it is stable. An archive
    // keeps its events `RetentionDays` (0: for ever); older ones are no longer there to replay. The sandbox's
    // archive keeps no ingestion time, so age counts from the event's time (a replayed file's clock follows it).
    const kept =
      archive.retentionDays > 0 ? this.now() - archive.retentionDays * 86_400_000 : Number.NEGATIVE_INFINITY;
    let replayed = 0;
    for (const event of this.bus.archive) {
      if (event['replay-name'] !== undefined) continue;
      const time = Date.parse(event.time);
      if (time < startTime.getTime() || time >= endTime.getTime() || time < kept) continue;
      if (archive.pattern && !archive.pattern.matches(event)) continue;
      this.bus.replay({ ...event, 'replay-name': name }, destination.FilterArns);
      replayed++;
    }
    const arn = `arn:aws:events:${this.env.region}:${this.env.accountId}:replay/${name}`;
    this.replays.set(name, {
      name,
      arn,
      archiveArn: archive.arn,
      startTime,
      endTime,
      replayed,
    });
    return {
      ReplayArn: arn,
      State: 'STARTING',
      StateReason: `${replayed} event(s) to replay`,
      ReplayStartTime: Date.now() / 1000,
    };
  }

  private describeReplay(body: Record<string, unknown>): unknown {
    const replay = this.replays.get(String(body.ReplayName));
    if (!replay)
      return fail('ResourceNotFoundException', `Replay ${String(body.ReplayName)} does not exist.`);
    return {
      ReplayName: replay.name,
      ReplayArn: replay.arn,
      EventSourceArn: replay.archiveArn,
      State: 'COMPLETED',
      StateReason: `${replay.replayed} event(s) replayed`,
      EventStartTime: replay.startTime.getTime() / 1000,
      EventEndTime: replay.endTime.getTime() / 1000,
    };
  }
}

/** Compiles an archive's pattern from the template (none means every event). */
export function archivePattern(pattern: unknown): CompiledPattern | undefined {
  return pattern === undefined ? undefined : compilePattern(pattern);
}
