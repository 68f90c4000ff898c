import type { SQSRecord } from 'aws-lambda';

/** An SQS record as a Lambda event source mapping delivers it from the monitoring agent's queue. */
export function sqsRecord(messageId: string, body: string, receives = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `r-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receives),
      SentTimestamp: '0',
      SenderId: 'events',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:monitoring',
    awsRegion: 'us-east-1',
  };
}
