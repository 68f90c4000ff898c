import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Cancels every `every`th TransactWriteItems request sent through `client` before it reaches DynamoDB, each action's
 * reason `code`, until `disarm` — as DynamoDB does, writing nothing:
 * - `ThrottlingError`: a partition of the table or of an index past its write rate (1,000 writes a second: a
 *   20,000-order reroute writes every order's `byWarehouse` entry in the source warehouse's index partition);
 * - `TransactionConflict`: another transaction on a common item in flight.
 */
export function cancelTransactions(
  client: DynamoDBClient,
  every: number,
  code: 'ThrottlingError' | 'TransactionConflict',
): { cancelled(): number; disarm(): void } {
  let seen = 0;
  let cancelled = 0;
  const name = `cancel-every-${every}-${code}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand' || ++seen % every !== 0) return next(args);
      cancelled++;
      const actions = (args.input as { TransactItems?: unknown[] }).TransactItems ?? [];
      throw new TransactionCanceledException({
        $metadata: { httpStatusCode: 400 },
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${code}]`,
        CancellationReasons: actions.map(() => ({ Code: code })),
      });
    },
    { step: 'initialize', name },
  );
  return {
    cancelled: () => cancelled,
    disarm: () => client.middlewareStack.remove(name),
  };
}
