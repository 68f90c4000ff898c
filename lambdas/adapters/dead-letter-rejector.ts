import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** Why an event was rejected, kept beside the event itself. */
export interface Rejection {
  readonly agent: string;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly field?: string;
}

/**
 * Keeps a rejected event in the agent's DLQ with the reason as message attributes, so a contract violation is
 * neither retried (it would fail the same way) nor lost.
 */
export class DeadLetterRejector {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = new SQSClient({}),
  ) {}

  async reject(body: string, rejection: Rejection): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value.slice(0, 1024) || '-' });
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
  }
}
