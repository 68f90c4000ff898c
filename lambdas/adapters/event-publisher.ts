import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { putEventsChunks } from '../domain/contracts/put-events';

/** An event the platform publishes: the detail is validated by the caller against its contract. */
export interface OutgoingEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  /** Business time of the fact; replays and late events keep it. @default - the time of the call */
  readonly time?: string;
  readonly resources?: string[];
}

class PublishFailed extends Error {
  override readonly name = 'PublishFailed';
  constructor(readonly failures: { detailType: string; errorCode?: string; errorMessage?: string }[]) {
    super(
      `${failures.length} event(s) not accepted by EventBridge: ${failures
        .map((f) => `${f.detailType} ${f.errorCode ?? ''} ${f.errorMessage ?? ''}`.trim())
        .join('; ')}`,
    );
  }
}

/**
 * PutEvents in requests of at most 10 entries and 1 MB (the API's limits, `putEventsChunks`); failed entries are
 * retried once, then reported.
 */
export class EventPublisher {
  constructor(
    private readonly eventBusName: string,
    private readonly client: EventBridgeClient = new EventBridgeClient({}),
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (const chunk of putEventsChunks(events.map((event) => this.entry(event)))) {
      let pending = chunk;
      let failures: PublishFailed['failures'] = [];
      for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
        const result = await this.client.send(new PutEventsCommand({ Entries: pending }));
        const retry: PutEventsRequestEntry[] = [];
        failures = [];
        (result.Entries ?? []).forEach((entry, index) => {
          const sent = pending[index];
          if (entry.ErrorCode && sent) {
            retry.push(sent);
            failures.push({
              detailType: sent.DetailType ?? '',
              errorCode: entry.ErrorCode,
              ...(entry.ErrorMessage === undefined ? {} : { errorMessage: entry.ErrorMessage }),
            });
          }
        });
        pending = retry;
      }
      if (pending.length > 0) throw new PublishFailed(failures);
    }
  }

  private entry(event: OutgoingEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: event.time ? new Date(event.time) : undefined,
      Resources: event.resources,
    };
  }
}
