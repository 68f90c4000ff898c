/** Where each input event ended up, per consumer: the sandbox's answer to "was anything lost?". */
export interface ConsumerAccount {
  readonly consumer: string;
  /** Distinct events the rules routed to this consumer. */
  readonly routed: number;
  /** Distinct events processed successfully and not kept in the DLQ. */
  readonly processed: number;
  /** Distinct events sitting in the consumer's DLQ (rejected with a reason, or failed every attempt). */
  readonly deadLettered: number;
  /** Distinct events still waiting in the consumer's queue. */
  readonly pending: number;
  /** Routed but neither processed, dead-lettered nor pending: must be 0. */
  readonly lost: number;
  /** Invocations that carried events (retries and duplicates included). */
  readonly deliveries: number;
}

/** Pulls the EventBridge event id out of whatever a queue or DLQ holds (an envelope or an invocation record). */
export function eventIdOf(body: string): string | undefined {
  try {
    const value = JSON.parse(body) as { id?: unknown; requestPayload?: { id?: unknown } };
    if (typeof value.id === 'string') return value.id;
    if (typeof value.requestPayload?.id === 'string') return value.requestPayload.id;
  } catch {
    // not JSON: an event that was never an envelope
  }
  return undefined;
}

/** Finished ids remembered per consumer, to tell a repeated delivery (or a replay) from a new event. */
const RECENT_LIMIT = 100_000;

interface Ledger {
  /** Distinct events routed. */
  routed: number;
  /** Distinct events processed (some of which a handler may have kept in its DLQ). */
  finished: number;
  /** Routed and not processed yet: in flight, pending, dead-lettered by redrive, or lost. */
  readonly outstanding: Set<string>;
  /** The latest finished ids (at most RECENT_LIMIT, oldest dropped first). */
  readonly recent: Set<string>;
  /** `recent` in the order it was filled: a ring, so dropping the oldest is O(1). */
  readonly ring: (string | undefined)[];
  ringAt: number;
  /** Finished ids dropped from `recent`. */
  forgotten: number;
  deliveries: number;
}

/**
 * Where each routed event is, per consumer, in memory bounded by what is in flight rather than by what was
 * replayed: counts of routed and finished events, the ids still outstanding, and the latest finished ids (so a
 * duplicate delivery or a replay of a recent event is not counted twice; an id routed again after
 * {@link RECENT_LIMIT} newer events have finished counts as a new event, routed and processed).
 */
export class DeliveryAccounting {
  private readonly ledgers = new Map<string, Ledger>();
  /** The last error of each outstanding event that failed (`consumer|id`). */
  readonly lastErrors = new Map<string, string>();

  private ledger(consumer: string): Ledger {
    let ledger = this.ledgers.get(consumer);
    if (!ledger) {
      ledger = {
        routed: 0,
        finished: 0,
        outstanding: new Set(),
        recent: new Set(),
        ring: [],
        ringAt: 0,
        forgotten: 0,
        deliveries: 0,
      };
      this.ledgers.set(consumer, ledger);
    }
    return ledger;
  }

  route(consumer: string, eventId: string): void {
    const ledger = this.ledger(consumer);
    if (ledger.outstanding.has(eventId) || ledger.recent.has(eventId)) return;
    ledger.outstanding.add(eventId);
    ledger.routed++;
  }

  delivered(
    consumer: string,
    processedIds: readonly string[],
    failed: { ids: readonly string[]; error?: string },
  ): void {
    const ledger = this.ledger(consumer);
    ledger.deliveries++;
    for (const id of processedIds) {
      if (!ledger.outstanding.delete(id)) continue;
      ledger.finished++;
      this.lastErrors.delete(`${consumer}|${id}`);
      const oldest = ledger.ring[ledger.ringAt];
      if (oldest !== undefined) {
        ledger.recent.delete(oldest);
        ledger.forgotten++;
      }
      ledger.ring[ledger.ringAt] = id;
      ledger.ringAt = (ledger.ringAt + 1) % RECENT_LIMIT;
      ledger.recent.add(id);
    }
    if (failed.error) {
      for (const id of failed.ids)
        if (ledger.outstanding.has(id)) this.lastErrors.set(`${consumer}|${id}`, failed.error);
    }
  }

  consumers(): string[] {
    return [...this.ledgers.keys()].sort();
  }

  account(
    consumer: string,
    deadLettered: ReadonlySet<string>,
    pending: ReadonlySet<string>,
  ): ConsumerAccount {
    const ledger = this.ledger(consumer);
    let inDlq = 0;
    let waiting = 0;
    let lost = 0;
    for (const id of ledger.outstanding) {
      if (deadLettered.has(id)) inDlq++;
      else if (pending.has(id)) waiting++;
      else lost++;
    }
    // Processed, but the handler kept the event in its DLQ (a contract violation, or a failure on the last
    // receive): counted as dead-lettered, not processed.
    let finishedInDlq = 0;
    for (const id of deadLettered) {
      if (!ledger.outstanding.has(id) && (ledger.recent.has(id) || ledger.forgotten > 0)) finishedInDlq++;
    }
    return {
      consumer,
      routed: ledger.routed,
      processed: ledger.finished - finishedInDlq,
      deadLettered: inDlq + finishedInDlq,
      pending: waiting,
      lost,
      deliveries: ledger.deliveries,
    };
  }
}
