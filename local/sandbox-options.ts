import type { ApprovalHoldOptions } from './approval-hold';
import type { TraceCollectorOptions } from './xray/collector';

/*
 * The sandbox's options and the records it keeps (local/sandbox.ts re-exports them: callers import them from
 * there).
 */

export interface SandboxOptions {
  /** The cloud assembly (`cdk.out`). */
  readonly assemblyDir: string;
  /** Where each function's logs go (one file per function). @default - discarded */
  readonly logDir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Initial virtual time (ms). @default 2026-01-01T00:00:00Z */
  readonly startTime?: number | undefined;
  /** Fault drills. @default - none */
  readonly faults?: SandboxFaults;
  /** Deliver only to these agents (by service name) and state machines; other targets are left out. @default - all */
  readonly onlyConsumers?: readonly string[];
  /**
   * Keep the DynamoDB tables on disk (LevelDB in a temporary directory, removed on stop) instead of in memory, so
   * a long replay's order book and window counters do not grow the process. @default false
   */
  readonly tablesOnDisk?: boolean;
  /**
   * Keep the DynamoDB tables in this directory (emptied at start) and leave them there on stop, so the run's
   * memory can be read afterwards (`npm run trace`). @default - see `tablesOnDisk`
   */
  readonly tablesDir?: string;
  /**
   * AppConfig: files to serve instead of the ones the template names, by configuration profile name (e.g.
   * `{ governance: '/tmp/governance.json' }`). @default - each hosted configuration's own file (config/…)
   */
  readonly appConfigFiles?: Readonly<Record<string, string>>;
  /**
   * Human in the loop: before the virtual clock moves, wait in real time while a callback task of these states
   * is pending (an approval), until it is answered or `realSeconds` have passed (local/approval-hold.ts).
   * @default - the clock never waits for a person: an approval times out as soon as nothing else happens
   */
  readonly holdForApprovals?: ApprovalHoldOptions;
  /**
   * X-Ray: collect the segments of traced functions and state machines, carrying trace headers through EventBridge,
   * SQS and Step Functions as AWS does (local/xray/). Costs an async hook per promise in every function: leave it
   * off for large replays. @default false
   */
  readonly traces?: boolean | TraceCollectorOptions;
  /**
   * Where the console is served locally (`npm run console`'s `http://127.0.0.1:<port>`): the origin that stands in
   * for the template's CloudFront distribution in the user pool client's callback URLs and the HTTP API's CORS
   * origins (local/distribution-origins.ts). @default - the template's URLs as they are
   */
  readonly consoleOrigin?: string;
}

/** Faults the sandbox injects (`npm start -- --fault <name>`). */
export interface SandboxFaults {
  /**
   * This agent spends `secondsPerRecord` of virtual time per record for `forSeconds` from its first invocation
   * (its poller holds the batch meanwhile), so its stream backs up on the virtual clock.
   */
  readonly slowConsumer?: {
    readonly service: string;
    readonly secondsPerRecord: number;
    readonly forSeconds: number;
  };
  /** Every rule target receives every event twice (EventBridge and SQS are at-least-once). */
  readonly duplicateDelivery?: boolean;
  /**
   * Every other invocation of this agent hangs after its work until its (shortened) timeout kills it, for
   * `forSeconds` of virtual time from its first invocation (for ever when absent).
   */
  readonly lambdaTimeout?: {
    readonly service: string;
    readonly timeoutSeconds: number;
    readonly forSeconds?: number;
  };
  /** The model answers Converse with Bedrock's ThrottlingException. */
  readonly llmThrottle?: boolean;
}

export interface AsyncInvokeConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  /** The on-failure destination; undefined when the template's EventInvokeConfig names none. */
  readonly onFailureArn?: string | undefined;
}

/** An input the sandbox refused, with the reason (nothing is dropped silently). */
export interface RejectedInput {
  readonly line?: number;
  readonly reason: string;
  readonly raw: string;
}

/** A function invocation that failed (a handler error, a timeout, a crash): reports and tests read them. */
export interface InvocationError {
  readonly functionName: string;
  readonly errorType: string;
  readonly errorMessage: string;
}

/** A record AWS would have dropped because its destination refused it (an oversized DLQ or on-failure message). */
export interface DroppedDelivery {
  /** The dead-letter queue or on-failure destination that refused it. */
  readonly destination: string;
  readonly eventId?: string;
  /** Why the destination refused the record. */
  readonly reason: string;
  /** Why the record was written: the delivery's own failure (the dead-letter record's ERROR_CODE and message). */
  readonly cause?: string;
}

/** One event to replay: the envelope, its event time (ms; NaN if it has none) and its line in the input. */
export interface ReplayEvent {
  readonly raw: unknown;
  readonly time: number;
  readonly line?: number;
}

export interface ReplayOptions {
  /** How far out of event-time order a streamed event may arrive and still be replayed in order. @default 1800 */
  readonly reorderSeconds?: number;
  /** Events held at most before the earliest step runs anyway (bounds memory). @default 200000 */
  readonly maxBuffered?: number;
}

/** What a replay put on the bus. */
export interface ReplayStats {
  /** Events read (timed or not). */
  readonly events: number;
  /** Events that arrived after their step had run: put on the bus late, with their own event time. */
  readonly late: number;
  /** Virtual-time steps run. */
  readonly steps: number;
  /** The most events held at once waiting for their step (the reorder window's worth, not the stream's). */
  readonly maxBuffered: number;
}
