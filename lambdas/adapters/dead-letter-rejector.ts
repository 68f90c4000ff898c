import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseDetail } from '../domain/contracts/parse';
import type { DetailOf } from '../domain/contracts/registry';
import { createRedactor } from '../domain/governance/redaction';
import type { EventPublisher } from './event-publisher';

/** Why an event was rejected, kept beside the event itself. */
export interface Rejection {
  readonly agent: string;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly field?: string;
}

/** Where the agent announces its rejections (`agent_error`), best effort. */
export interface RejectionAnnouncements {
  readonly publisher: EventPublisher;
  /** The source the agent publishes as. */
  readonly source: string;
  /** A rejection kept in the DLQ but not announced (EventBridge refused it): the agent logs it. */
  readonly onUnannounced: (error: unknown) => void;
}

/** SQS message attribute values and the announced reason are clipped to this many characters. */
const MAX_TEXT = 1024;
const MAX_NAME = 256;
const redactor = createRedactor();

/** A string field of the rejected event, if it has one (bounded: the event may be anything). */
function textAt(value: unknown, key: string): string | undefined {
  const text = (value as Record<string, unknown> | null)?.[key];
  return typeof text === 'string' && text.length > 0 ? text.slice(0, MAX_NAME) : undefined;
}

/**
 * The `agent_error` detail of a rejection: the event named by its id and detail-type, the reason redacted, none
 * of the event's content. The correlation id is the event's own (a command's incident), else its id.
 */
function agentErrorOf(body: string, rejection: Rejection): DetailOf<'agent_error'> {
  let event: unknown;
  try {
    event = JSON.parse(body) as unknown;
  } catch {
    event = undefined;
  }
  const eventId = textAt(event, 'id');
  const eventDetailType = textAt(event, 'detail-type');
  const correlationId =
    textAt(
      typeof event === 'object' && event !== null ? (event as { detail?: unknown }).detail : undefined,
      'correlationId',
    ) ??
    eventId ??
    `${rejection.agent}#unreadable`;
  return parseDetail('agent_error', {
    schemaVersion: 1,
    correlationId,
    agent: rejection.agent,
    error: rejection.errorType.slice(0, MAX_NAME) || 'Error',
    reason: redactor.redactText(rejection.errorMessage).value.slice(0, MAX_TEXT),
    ...(rejection.field === undefined ? {} : { field: rejection.field.slice(0, MAX_NAME) }),
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventDetailType === undefined ? {} : { eventDetailType }),
  });
}

/**
 * Keeps a rejected event in the agent's DLQ with the reason as message attributes, so a contract violation is
 * neither retried (it would fail the same way) nor lost; then, when given `announcements`, announces it on the bus
 * as `agent_error` (operators see it on the timeline). The DLQ record comes first and does not depend on the
 * announcement: a refused publish is reported to `onUnannounced`, never thrown.
 */
export class DeadLetterRejector {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = new SQSClient({}),
    private readonly announcements?: RejectionAnnouncements,
  ) {}

  async reject(body: string, rejection: Rejection): Promise<void> {
    const attribute = (value: string) => ({
      DataType: 'String',
      StringValue: value.slice(0, MAX_TEXT) || '-',
    });
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body.length > 0 ? body : '(empty message)',
        MessageAttributes: {
          agent: attribute(rejection.agent),
          errorType: attribute(rejection.errorType),
          errorMessage: attribute(rejection.errorMessage),
          ...(rejection.field ? { field: attribute(rejection.field) } : {}),
        },
      }),
    );
    if (this.announcements === undefined) return;
    const { publisher, source, onUnannounced } = this.announcements;
    try {
      await publisher.publish([{ source, detailType: 'agent_error', detail: agentErrorOf(body, rejection) }]);
    } catch (error) {
      onUnannounced(error);
    }
  }
}
