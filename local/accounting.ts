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

export class DeliveryAccounting {
  private readonly routed = new Map<string, Set<string>>();
  private readonly processed = new Map<string, Set<string>>();
  private readonly deliveries = new Map<string, number>();
  readonly lastErrors = new Map<string, string>();

  private set(map: Map<string, Set<string>>, consumer: string): Set<string> {
    let set = map.get(consumer);
    if (!set) map.set(consumer, (set = new Set()));
    return set;
  }

  route(consumer: string, eventId: string): void {
    this.set(this.routed, consumer).add(eventId);
  }

  delivered(
    consumer: string,
    processedIds: readonly string[],
    failed: { ids: readonly string[]; error?: string },
  ): void {
    this.deliveries.set(consumer, (this.deliveries.get(consumer) ?? 0) + 1);
    const processed = this.set(this.processed, consumer);
    for (const id of processedIds) processed.add(id);
    if (failed.error) for (const id of failed.ids) this.lastErrors.set(`${consumer}|${id}`, failed.error);
  }

  consumers(): string[] {
    return [...this.routed.keys()].sort();
  }

  account(
    consumer: string,
    deadLettered: ReadonlySet<string>,
    pending: ReadonlySet<string>,
  ): ConsumerAccount {
    const routed = this.routed.get(consumer) ?? new Set<string>();
    const processed = this.processed.get(consumer) ?? new Set<string>();
    let done = 0;
    let inDlq = 0;
    let waiting = 0;
    let lost = 0;
    for (const id of routed) {
      if (deadLettered.has(id)) inDlq++;
      else if (processed.has(id)) done++;
      else if (pending.has(id)) waiting++;
      else lost++;
    }
    return {
      consumer,
      routed: routed.size,
      processed: done,
      deadLettered: inDlq,
      pending: waiting,
      lost,
      deliveries: this.deliveries.get(consumer) ?? 0,
    };
  }
}
