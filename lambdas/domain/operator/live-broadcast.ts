/**
 * The operators' live channel on AWS: one message to every connected console. Pure: the connections are read and
 * the messages posted by adapters (DynamoDB, API Gateway's management API).
 */

/** The consoles connected now, read a page at a time (never the whole list in one call). */
export interface LiveConnections {
  /** The connection ids, one page (at most the page size the adapter was given) per step. */
  pages(): AsyncIterable<readonly string[]>;
  /** Forgets a connection that is gone (its console closed without `$disconnect` reaching us, or it expired). */
  remove(connectionId: string): Promise<void>;
}

/**
 * Sends one message to one connection: `gone` when the connection no longer exists (API Gateway answers 410),
 * `skipped` when that console cannot take the message now or ever (its buffer stays full, the message is too large)
 * and sending it again to every console would not help.
 */
export type PostToConnection = (
  connectionId: string,
  data: string,
) => Promise<'delivered' | 'gone' | 'skipped'>;

/** What a broadcast did: every connection is in exactly one of the counts. */
export interface BroadcastOutcome {
  readonly delivered: number;
  /** Connections that were gone, and have been removed. */
  readonly gone: number;
  /** Connections that could not take this message (see {@link PostToConnection}): it is not sent again. */
  readonly skipped: number;
  /** Connections whose post failed otherwise (throttled, an API error): see `BroadcastFailed`. */
  readonly failed: number;
}

/**
 * Thrown when some posts failed for another reason than a gone connection, after every connection was tried: the
 * invocation fails, so Lambda retries it and then sends it to the function's dead-letter queue. A retry posts to
 * every connection again; consoles keep an event they already have once (by its id).
 */
export class BroadcastFailed extends Error {
  override readonly name = 'BroadcastFailed';

  constructor(
    readonly outcome: BroadcastOutcome,
    /** The first failures (at most five), for the log and the dead-letter record. */
    readonly failures: readonly { readonly connectionId: string; readonly error: unknown }[],
  ) {
    super(
      `${outcome.failed} of ${outcome.delivered + outcome.gone + outcome.skipped + outcome.failed} connections could not be sent the message`,
      { cause: failures[0]?.error },
    );
  }
}

/**
 * Posts `data` to every connection, at most `concurrency` posts in flight, page by page (a page is done before the
 * next is read, so memory holds one page). Connections that are gone are removed; other failures are collected and
 * thrown at the end as {@link BroadcastFailed}, so one bad connection never keeps the message from the others.
 */
export async function broadcast(
  data: string,
  connections: LiveConnections,
  post: PostToConnection,
  concurrency: number,
): Promise<BroadcastOutcome> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let delivered = 0;
  let gone = 0;
  let skipped = 0;
  let failed = 0;
  const failures: { connectionId: string; error: unknown }[] = [];
  const send = async (connectionId: string): Promise<void> => {
    try {
      const result = await post(connectionId, data);
      if (result === 'gone') {
        await connections.remove(connectionId);
        gone++;
      } else if (result === 'skipped') {
        skipped++;
      } else {
        delivered++;
      }
    } catch (error) {
      failed++;
      if (failures.length < 5) failures.push({ connectionId, error });
    }
  };
  for await (const page of connections.pages()) {
    // One iterator shared by the workers: each takes the next connection when it is free.
    const queue = page.values();
    const worker = async (): Promise<void> => {
      for (const connectionId of queue) await send(connectionId);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
  }
  const outcome = { delivered, gone, skipped, failed };
  if (failed > 0) throw new BroadcastFailed(outcome, failures);
  return outcome;
}
