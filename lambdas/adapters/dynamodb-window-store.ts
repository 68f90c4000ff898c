import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OpenIncident } from '../domain/monitoring/incidents';
import { mapLimited } from './concurrency';
import { conditionHolds } from './dynamodb-conditions';
import { batchGetAll } from './dynamodb-paging';
import { transactUpdates } from './dynamodb-transactions';
import type { Cell, WindowStore } from '../domain/monitoring/window-store';
import type { WindowOrders } from '../domain/operator/recovery';
import type { WindowIncrement } from '../domain/monitoring/window-increments';
import {
  epochMsOf,
  isoOf,
  regionScope,
  warehouseScope,
  type WindowCount,
} from '../domain/monitoring/windows';

const DAY_S = 86_400;
/**
 * Ids checked in one condition expression: each adds `NOT contains(…)` and an AND, 3 of the 300 operators and
 * functions an expression may have (100 ids make 299), and about 34 of its 4,096 bytes. The sandbox enforces both.
 */
const MAX_CONDITION_IDS = 100;
/** History ranges of up to this many windows are read by key (BatchGetItem), longer ones queried. */
const MAX_POINT_READ_WINDOWS = 24;

/**
 * Window counters and incident state in one DynamoDB table (pk, sk):
 * - `pk = <scope>`, `sk = w#<window start>`: string sets `placed` and `cancelled` of order ids — ADD to a set is
 *   idempotent, so redelivered messages never double-count — and their sizes `placedCount`/`cancelledCount`;
 * - `pk = incident#<scope>`, `sk = open`: the open incident of a scope;
 * - `pk = members#<scope>`, `sk = members`: string set `ids` of the other level's ids sharing a cell with the scope
 *   (a region's warehouses, a warehouse's customer regions), written only when this instance first sees a cell.
 * Every item carries the table's TTL attribute `expiresAt` (epoch seconds), `retentionDays` after its window's
 * start (counters), its last anomalous window (incidents) or its write (memberships). A
 * membership an instance has read is written again when it sees the cell once the item is past half its life,
 * so the cells of a scope that keeps its orders never expire.
 */
export class DynamoWindowStore implements WindowStore, WindowOrders {
  private readonly doc: DynamoDBDocumentClient;
  /** Memberships this instance has written (or read): a warm instance writes each at most once. */
  private readonly knownMembers = new Set<string>();

  /** History reads waiting for this turn of the event loop's BatchGetItem. */
  private pointReads: {
    scope: string;
    starts: string[];
    resolve: (counts: WindowCount[]) => void;
    reject: (error: unknown) => void;
  }[] = [];

  /**
   * @param windowMinutes the detector's window size, so short history ranges are read by key
   *   (@default - every history read is a Query)
   */
  constructor(
    readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly retentionDays = 35,
    private readonly windowMinutes?: number,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  private nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  async add(increments: readonly WindowIncrement[], cells: readonly Cell[] = []): Promise<void> {
    const memberships = cells.flatMap(({ region, warehouseId }) => [
      [regionScope(region), warehouseId] as const,
      [warehouseScope(warehouseId), region] as const,
    ]);
    await mapLimited(
      memberships.filter(([scope, id]) => !this.knownMembers.has(`${scope}|${id}`)),
      16,
      async ([scope, id]) => {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: `members#${scope}`, sk: 'members' },
            UpdateExpression: 'ADD ids :id SET expiresAt = :expiresAt',
            ExpressionAttributeValues: {
              ':id': new Set([id]),
              ':expiresAt': this.nowSeconds() + this.retentionDays * DAY_S,
            },
          }),
        );
        this.knownMembers.add(`${scope}|${id}`);
      },
    );
    const expiresAtOf = (increment: WindowIncrement) =>
      Math.floor(Date.parse(increment.windowStart) / 1000) + this.retentionDays * DAY_S;
    const keyOf = (increment: WindowIncrement) => ({ pk: increment.scope, sk: `w#${increment.windowStart}` });
    const nonEmpty = increments.filter((i) => i.placedOrderIds.length + i.cancelledOrderIds.length > 0);
    // The common case: none of the ids counted yet, each increment one conditional update, up to 100 of them in
    // one TransactWriteItems request. A cancelled transaction (an id already counted: a redelivery; or a
    // concurrent writer) writes nothing, and its increments take the one-by-one path, which counts exactly.
    // An increment with too many ids for one condition expression has no such update: one by one.
    const oneByOne: WindowIncrement[] = [];
    const conditional = nonEmpty.flatMap((increment) => {
      const update = this.newIdsUpdate(keyOf(increment), increment, expiresAtOf(increment));
      if (update !== undefined) return [{ increment, update }];
      oneByOne.push(increment);
      return [];
    });
    await transactUpdates(
      this.doc,
      conditional,
      ({ update }) => update,
      (chunk) => {
        for (const { increment } of chunk) oneByOne.push(increment);
        return Promise.resolve();
      },
    );
    await mapLimited(oneByOne, 16, async (increment) => {
      const key = keyOf(increment);
      const expiresAt = expiresAtOf(increment);
      if (!(await this.addNew(key, increment, expiresAt))) await this.addSome(key, increment, expiresAt);
    });
  }

  /**
   * The update that adds an increment none of whose ids is in its window yet — the sets and their sizes grow
   * together (`ADD` on a number adds) — on the condition that none is; undefined when the increment has too many
   * ids for one condition expression (4 KB).
   */
  private newIdsUpdate(key: { pk: string; sk: string }, increment: WindowIncrement, expiresAt: number) {
    const { placedOrderIds: placed, cancelledOrderIds: cancelled } = increment;
    if (placed.length + cancelled.length > MAX_CONDITION_IDS) return undefined;
    const adds: string[] = [];
    const absent: string[] = [];
    const values: Record<string, unknown> = { ':expiresAt': expiresAt };
    for (const [attribute, short, ids] of [
      ['placed', 'p', placed],
      ['cancelled', 'c', cancelled],
    ] as const) {
      if (ids.length === 0) continue;
      adds.push(`${attribute} :${attribute}`, `${attribute}Count :${attribute}Count`);
      values[`:${attribute}`] = new Set(ids);
      values[`:${attribute}Count`] = ids.length;
      ids.forEach((id, i) => {
        absent.push(`NOT contains(${attribute}, :${short}${i})`);
        values[`:${short}${i}`] = id;
      });
    }
    return {
      TableName: this.tableName,
      Key: key,
      UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :expiresAt`,
      ConditionExpression: absent.join(' AND '),
      ExpressionAttributeValues: values,
    };
  }

  /**
   * The common case, in one write: none of the increment's ids is in its window yet, so the sets and their
   * sizes grow together (`ADD` on a number adds). False, writing nothing, when some id is already there (a
   * redelivery) or the increment is too large for one condition: then {@link addSome} counts exactly.
   */
  private async addNew(
    key: { pk: string; sk: string },
    increment: WindowIncrement,
    expiresAt: number,
  ): Promise<boolean> {
    const update = this.newIdsUpdate(key, increment, expiresAt);
    return update !== undefined && conditionHolds(() => this.doc.send(new UpdateCommand(update)));
  }

  /** Adds ids of which some may already be counted: the sets first, then their sizes as read back. */
  private async addSome(
    key: { pk: string; sk: string },
    increment: WindowIncrement,
    expiresAt: number,
  ): Promise<void> {
    const adds: string[] = [];
    const values: Record<string, unknown> = { ':expiresAt': expiresAt };
    if (increment.placedOrderIds.length > 0) {
      adds.push('placed :placed');
      values[':placed'] = new Set(increment.placedOrderIds);
    }
    if (increment.cancelledOrderIds.length > 0) {
      adds.push('cancelled :cancelled');
      values[':cancelled'] = new Set(increment.cancelledOrderIds);
    }
    const { Attributes = {} } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :expiresAt`,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    // The set sizes, kept beside the sets so history reads a few numbers instead of every order id. Sets only
    // grow, so the largest size written is the true one: counts are raised, never lowered. One conditional
    // write in the common case; a concurrent writer makes it fall back to raising each count alone.
    const placed = (Attributes.placed as Set<string> | undefined)?.size ?? 0;
    const cancelled = (Attributes.cancelled as Set<string> | undefined)?.size ?? 0;
    if (Attributes.placedCount === placed && Attributes.cancelledCount === cancelled) return;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET placedCount = :placed, cancelledCount = :cancelled',
          ConditionExpression:
            '(attribute_not_exists(placedCount) OR placedCount <= :placed) AND (attribute_not_exists(cancelledCount) OR cancelledCount <= :cancelled)',
          ExpressionAttributeValues: { ':placed': placed, ':cancelled': cancelled },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.raise(key, 'placedCount', placed);
      await this.raise(key, 'cancelledCount', cancelled);
    }
  }

  private async raise(key: { pk: string; sk: string }, attribute: string, value: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #count = :value',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :value',
          ExpressionAttributeNames: { '#count': attribute },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * A short range (up to {@link MAX_POINT_READ_WINDOWS} windows, e.g. the recent windows a warm instance re-reads
   * each batch) is read by key: the ranges asked for in the same turn of the event loop — a batch reads every
   * touched scope at once — share BatchGetItem requests (100 keys each) instead of one Query per scope. Longer
   * ranges, or without `windowMinutes`, are queried.
   */
  history(scope: string, fromWindowStart: string, toWindowStart: string): Promise<WindowCount[]> {
    const starts = this.windowStartsBetween(fromWindowStart, toWindowStart);
    if (starts === undefined) return this.queryHistory(scope, fromWindowStart, toWindowStart);
    return new Promise((resolve, reject) => {
      if (this.pointReads.length === 0) setImmediate(() => void this.readPoints());
      this.pointReads.push({ scope, starts, resolve, reject });
    });
  }

  /** The window starts in [from, to], or undefined when there are too many to read by key. */
  private windowStartsBetween(from: string, to: string): string[] | undefined {
    if (this.windowMinutes === undefined) return undefined;
    const size = this.windowMinutes * 60_000;
    const first = Math.ceil(epochMsOf(from) / size) * size;
    const last = epochMsOf(to);
    if ((last - first) / size >= MAX_POINT_READ_WINDOWS) return undefined;
    const starts: string[] = [];
    for (let at = first; at <= last; at += size) starts.push(isoOf(at));
    return starts;
  }

  private async readPoints(): Promise<void> {
    const reads = this.pointReads.splice(0);
    try {
      const keys = new Map<string, { pk: string; sk: string }>();
      for (const { scope, starts } of reads) {
        for (const start of starts) keys.set(`${scope}|w#${start}`, { pk: scope, sk: `w#${start}` });
      }
      const found = new Map<string, Record<string, unknown>>();
      for (const item of await batchGetAll(this.doc, this.tableName, [...keys.values()], {
        projection: 'pk, sk, placedCount, cancelledCount',
      })) {
        found.set(`${String(item.pk)}|${String(item.sk)}`, item);
      }
      for (const { scope, starts, resolve } of reads) {
        const counts: WindowCount[] = [];
        for (const start of starts) {
          const item = found.get(`${scope}|w#${start}`);
          if (item) counts.push(countOf(scope, item));
        }
        resolve(counts);
      }
    } catch (error) {
      for (const { reject } of reads) reject(error);
    }
  }

  private async queryHistory(
    scope: string,
    fromWindowStart: string,
    toWindowStart: string,
  ): Promise<WindowCount[]> {
    const counts: WindowCount[] = [];
    for await (const item of this.windowItems(
      scope,
      fromWindowStart,
      toWindowStart,
      'sk, placedCount, cancelledCount',
    ))
      counts.push(countOf(scope, item));
    return counts;
  }

  /** The windows' order-id sets, read with one paginated Query (the recovery watch's {@link WindowOrders}). */
  async ordersBetween(
    scope: string,
    fromWindowStart: string,
    toWindowStart: string,
  ): Promise<{ placed: string[]; cancelled: string[] }> {
    const placed: string[] = [];
    const cancelled: string[] = [];
    for await (const item of this.windowItems(scope, fromWindowStart, toWindowStart, 'placed, cancelled')) {
      for (const id of (item.placed as Set<string> | undefined) ?? []) placed.push(id);
      for (const id of (item.cancelled as Set<string> | undefined) ?? []) cancelled.push(id);
    }
    return { placed, cancelled };
  }

  /** The window items of `scope` whose windows start in [from, to], page by page, with only `projection`. */
  private async *windowItems(
    scope: string,
    fromWindowStart: string,
    toWindowStart: string,
    projection: string,
  ): AsyncGenerator<Record<string, unknown>> {
    for await (const page of paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': scope,
          ':from': `w#${fromWindowStart}`,
          ':to': `w#${toWindowStart}`,
        },
        ProjectionExpression: projection,
      },
    )) {
      yield* page.Items ?? [];
    }
  }

  async members(scope: string): Promise<string[]> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `members#${scope}`, sk: 'members' } }),
    );
    const ids = [...((Item?.ids as Set<string> | undefined) ?? [])].sort();
    // Known, so not written again by this instance, only while more than half the retention is left: otherwise
    // the next add() of the cell refreshes the item's expiry.
    const expiresAt = typeof Item?.expiresAt === 'number' ? Item.expiresAt : 0;
    if (expiresAt - this.nowSeconds() > (this.retentionDays * DAY_S) / 2) {
      for (const id of ids) this.knownMembers.add(`${scope}|${id}`);
    }
    return ids;
  }

  async openIncident(scope: string): Promise<OpenIncident | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `incident#${scope}`, sk: 'open' },
        ConsistentRead: true,
      }),
    );
    return Item && incidentOf(scope, Item);
  }

  /** Every open incident among `scopes`, in BatchGetItem requests (strongly consistent). */
  async openIncidents(scopes: readonly string[]): Promise<Map<string, OpenIncident>> {
    const keys = [...new Set(scopes)].map((scope) => ({ pk: `incident#${scope}`, sk: 'open' }));
    const open = new Map<string, OpenIncident>();
    for (const item of await batchGetAll(this.doc, this.tableName, keys, { consistentRead: true })) {
      const scope = String(item.pk).slice('incident#'.length);
      open.set(scope, incidentOf(scope, item));
    }
    return open;
  }

  async saveIncident(scope: string, incident: OpenIncident | undefined): Promise<void> {
    const key = { pk: `incident#${scope}`, sk: 'open' };
    if (!incident) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
      return;
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key,
          incidentKey: incident.incidentKey,
          openedAt: incident.openedAt,
          lastAnomalousWindow: incident.lastAnomalousWindow,
          ...(incident.baselineBefore === undefined ? {} : { baselineBefore: incident.baselineBefore }),
          expiresAt: Math.floor(Date.parse(incident.lastAnomalousWindow) / 1000) + this.retentionDays * DAY_S,
        },
      }),
    );
  }
}

function countOf(scope: string, item: Record<string, unknown>): WindowCount {
  return {
    scope,
    windowStart: String(item.sk).slice(2),
    placed: Number(item.placedCount ?? 0),
    cancelled: Number(item.cancelledCount ?? 0),
  };
}

function incidentOf(scope: string, item: Record<string, unknown>): OpenIncident {
  return {
    incidentKey: String(item.incidentKey),
    scope,
    openedAt: String(item.openedAt),
    lastAnomalousWindow: String(item.lastAnomalousWindow),
    ...(typeof item.baselineBefore === 'string' ? { baselineBefore: item.baselineBefore } : {}),
  };
}
