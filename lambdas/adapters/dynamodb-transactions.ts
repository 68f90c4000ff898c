import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mapLimited } from './concurrency';

/** TransactWriteItems takes at most 100 actions, none two on one item. */
export const MAX_TRANSACTION_ITEMS = 100;
/** One Update action of a TransactWriteItems request (DocumentClient shapes). */
type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;
/** Transactions in flight at once. */
const TRANSACTIONS_IN_FLIGHT = 4;

/**
 * Writes many updates of distinct items in few requests: up to 100 per TransactWriteItems, four requests at a time.
 * A chunk whose transaction is cancelled (TransactionCanceledException: a condition that failed, a concurrent writer,
 * throttling) wrote nothing, and goes to `oneByOne` whole, as does a chunk of one update (which a transaction would
 * only make cost twice): the caller writes those as its exact path requires. Other errors throw.
 */
export async function transactUpdates<T>(
  doc: DynamoDBDocumentClient,
  entries: readonly T[],
  updateOf: (entry: T) => TransactUpdate,
  oneByOne: (chunk: readonly T[]) => Promise<void>,
): Promise<void> {
  const chunks: T[][] = [];
  for (let i = 0; i < entries.length; i += MAX_TRANSACTION_ITEMS) {
    chunks.push(entries.slice(i, i + MAX_TRANSACTION_ITEMS));
  }
  await mapLimited(chunks, TRANSACTIONS_IN_FLIGHT, async (chunk) => {
    if (chunk.length > 1) {
      try {
        await doc.send(
          new TransactWriteCommand({ TransactItems: chunk.map((entry) => ({ Update: updateOf(entry) })) }),
        );
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    await oneByOne(chunk);
  });
}

/**
 * One TransactWriteItems (DocumentClient shapes): `done`, or the indexes of the actions whose condition failed (the
 * transaction then changed nothing). A transaction cancelled for another reason — a conflict with a concurrent
 * transaction on a common item, or throttling (a partition of the table or of an index past its write rate) — is
 * sent again after an exponential backoff with jitter (20 ms doubling to 2 s), eight times before it throws.
 */
export async function transactWrite(
  doc: DynamoDBDocumentClient,
  items: readonly Record<string, unknown>[],
): Promise<'done' | number[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: items as never }));
      return 'done';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((r, index) => (r.Code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) return failed;
      if (attempt >= 8) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(2_000, 20 * 2 ** attempt * (0.5 + Math.random()))),
      );
    }
  }
}
