import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerNotification, NotificationLog } from '../domain/operations/notifications';
import { incidentPartition } from './dynamodb-incident-partition';

/**
 * A notification item in the operations table, in its incident's partition: `pk = incident#<incident tag>`,
 * `sk = notification#<notificationId>`.
 */
const notificationKey = (notification: Pick<CustomerNotification, 'notificationId' | 'correlationId'>) => ({
  pk: incidentPartition(notification.correlationId),
  sk: `notification#${notification.notificationId}`,
});

/**
 * The notifications sent, one item each: `sentAt` keeps the first send, and `sends` counts the sends (1 under
 * any redelivery, since the handler is idempotent; more would mean customers were told twice).
 */
export class DynamoNotificationLog implements NotificationLog {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async record(notification: CustomerNotification, at: string): Promise<{ readonly sentAt: string }> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: notificationKey(notification),
        UpdateExpression:
          'SET #status = :sent, correlationId = :c, scopeType = :t, scopeId = :s, #since = :since, #template = :tpl, sentAt = if_not_exists(sentAt, :at), sends = if_not_exists(sends, :zero) + :one',
        ExpressionAttributeNames: { '#status': 'status', '#since': 'since', '#template': 'template' },
        ExpressionAttributeValues: {
          ':sent': 'sent',
          ':c': notification.correlationId,
          ':t': notification.scopeType,
          ':s': notification.scopeId,
          ':since': notification.since,
          ':tpl': notification.template,
          ':at': at,
          ':zero': 0,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { sentAt: String(result.Attributes?.sentAt) };
  }
}
