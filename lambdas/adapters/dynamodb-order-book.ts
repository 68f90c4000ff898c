import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ordersByDestination,
  type OpenOrder,
  type RerouteAssignment,
} from '../domain/fulfillment/assignment';
import type {
  CapacityHold,
  OrderBook,
  OrderFactRecord,
  RecordedPlan,
  RecordResult,
  RerouteState,
  RerouteSummary,
  UnassignedOrder,
} from '../domain/fulfillment/order-book';
import { sessionTagValue } from '../domain/governance/task-session';
import { mapLimited } from './concurrency';
import { conditionHolds } from './dynamodb-conditions';
import { batchGetAll } from './dynamodb-paging';
import { MAX_TRANSACTION_ITEMS, transactUpdates, transactWrite } from './dynamodb-transactions';

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
const BY_WAREHOUSE = 'byWarehouse';
/** Bytes of assignments and unassigned orders per journal part: well inside DynamoDB's 400 KB item. */
const MAX_PART_BYTES = 300_000;
/** A hold on a warehouse's capacity lapses after this many days, if nothing gave it back before. */
const HOLD_DAYS = 7;
/** Lapsed holds removed by one reservation (each adds a name to the update expression, limited to 4 KB). */
const MAX_PRUNED = 20;
/** Ledger reads whose lapsed holds an instance remembers, for pruning. */
const MAX_STALE_READS = 1_000;

const JOURNAL = 'reroute#';
const LEDGER = 'capacity#';
// A reroute's key as the task session's `journal` tag carries it (`reroute#x` → `reroute=23x`), so a session may
// touch only its own reroute's journal and parts (`dynamodb:LeadingKeys` `reroute#${aws:PrincipalTag/journal}`).
const journalOf = (key: string) => `${JOURNAL}${sessionTagValue(key, 'rerouteIdempotencyKey')}`;
const journalKey = (key: string) => ({ orderId: journalOf(key) });
const partKey = (key: string, index: number) => ({ orderId: `${journalOf(key)}#part#${index}` });
const ledgerKey = (warehouseId: string) => ({ orderId: `${LEDGER}${warehouseId}` });

/** One reroute's hold on a warehouse's capacity: the orders it reserved there, and when (ISO 8601). */
interface LedgerEntry {
  orders: number;
  at: string;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A journal's reservations (destination -> orders), as recorded. */
function reservationsOf(journal: Record<string, unknown>): Map<string, number> {
  return new Map(
    Object.entries((journal.reservations ?? {}) as Record<string, unknown>).map(([w, n]) => [w, Number(n)]),
  );
}

/**
 * A plan cut into journal parts of at most {@link MAX_PART_BYTES}: assignments as compact
 * `[orderId, from, to, cost]` rows, then the unassigned orders.
 */
function partsOf(plan: RecordedPlan): { part: number; assignments: string; unassigned: string }[] {
  const parts: { part: number; assignments: string; unassigned: string }[] = [];
  let rows: string[] = [];
  let unassigned: string[] = [];
  let bytes = 0;
  const flush = () => {
    parts.push({
      part: parts.length,
      assignments: `[${rows.join(',')}]`,
      unassigned: `[${unassigned.join(',')}]`,
    });
    rows = [];
    unassigned = [];
    bytes = 0;
  };
  const add = (kind: 'assignment' | 'unassigned', row: string) => {
    const size = Buffer.byteLength(row) + 1;
    if (bytes + size > MAX_PART_BYTES && bytes > 0) flush();
    (kind === 'assignment' ? rows : unassigned).push(row);
    bytes += size;
  };
  for (const a of plan.assignments) {
    add('assignment', JSON.stringify([a.orderId, a.fromWarehouseId, a.toWarehouseId, a.cost]));
  }
  for (const u of plan.unassigned) add('unassigned', JSON.stringify(u));
  if (bytes > 0 || parts.length === 0) flush();
  return parts;
}

function decodeAssignments(text: string): RerouteAssignment[] {
  return (JSON.parse(text) as [string, string, string, number][]).map(
    ([orderId, fromWarehouseId, toWarehouseId, cost]) => ({
      orderId,
      fromWarehouseId,
      toWarehouseId,
      cost,
    }),
  );
}

/** The facts of each order, in the order given. */
function factsByOrder(facts: readonly OrderFactRecord[]): Map<string, OrderFactRecord[]> {
  const byOrder = new Map<string, OrderFactRecord[]>();
  for (const fact of facts) {
    const group = byOrder.get(fact.orderId);
    if (group) group.push(fact);
    else byOrder.set(fact.orderId, [fact]);
  }
  return byOrder;
}

/**
 * The order book in DynamoDB, one table keyed by `orderId`, every item with `expiresAt` (TTL):
 * - one item per order, and a GSI `byWarehouse` (warehouseId, placedAt) for a warehouse's backlog;
 * - per reroute, a journal `reroute#<key>` (state, reservations, summary) and its parts `reroute#<key>#part#<n>`,
 *   the key encoded as a session tag value (`#` → `=23`)
 *   (the plan, at most 300 KB each): the claim check that events and saga state refer to, written before any
 *   order moves;
 * - per destination warehouse, a capacity ledger `capacity#<id>`: the holds of the reroutes that moved orders
 *   there, and a version that every reservation checks and bumps, so concurrent reroutes cannot overbook.
 * Writes are conditional so that redelivery, out-of-order facts and concurrent reroutes never corrupt an
 * order's state.
 */
export class DynamoOrderBook implements OrderBook {
  private readonly doc: DynamoDBDocumentClient;
  /** Lapsed holds seen by the last read of each ledger version (`<warehouse>@<version>`), pruned when reserving. */
  private readonly stale = new Map<string, string[]>();

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly retentionDays = 30,
    private readonly now: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /**
   * One update per order however many of its facts the batch holds, written up to 100 orders per
   * TransactWriteItems request: a batch of facts costs a few requests instead of one per fact. The updates carry no
   * condition (`if_not_exists` keeps them order-independent), so a transaction is cancelled only by a concurrent
   * writer (TransactionConflict) or throttling: then its orders are written one UpdateItem each.
   */
  async apply(facts: readonly OrderFactRecord[]): Promise<void> {
    const updates = [...factsByOrder(facts)].map(([orderId, group]) => this.updateOf(orderId, group));
    await transactUpdates(
      this.doc,
      updates,
      (update) => update,
      (chunk) =>
        mapLimited(chunk, 16, (update) => this.doc.send(new UpdateCommand(update))).then(() => undefined),
    );
  }

  /**
   * The update that applies an order's facts, in the order given, as the facts would one by one: a placement sets
   * where and when the order was placed (keeping the warehouse a reroute gave it), a cancellation marks it
   * cancelled, and a placement never reopens a cancelled order.
   */
  private updateOf(orderId: string, group: readonly OrderFactRecord[]) {
    const [first] = group;
    const last = group.at(-1);
    if (first === undefined || last === undefined) throw new Error(`order ${orderId}: no facts to apply`);
    const placed = group.filter((f) => f.kind === 'placed').at(-1);
    const cancelled = group.filter((f) => f.kind === 'cancelled').at(-1);
    const sets = ['warehouseId = if_not_exists(warehouseId, :w)', 'expiresAt = :e'];
    const values: Record<string, unknown> = {
      ':w': first.warehouseId,
      ':e': Math.floor(Date.parse(last.time) / 1000) + this.retentionDays * DAY_S,
    };
    if (placed) {
      sets.push('#region = :r', 'placedAt = :placedAt');
      values[':r'] = placed.region;
      values[':placedAt'] = placed.time;
      if (placed.totalCents !== undefined) {
        sets.push('totalCents = :t');
        values[':t'] = placed.totalCents;
      }
    } else {
      sets.push('#region = if_not_exists(#region, :r)');
      values[':r'] = first.region;
    }
    if (cancelled) {
      sets.push('#status = :cancelled', 'cancelledAt = :cancelledAt');
      values[':cancelled'] = 'cancelled';
      values[':cancelledAt'] = cancelled.time;
    } else {
      sets.push('#status = if_not_exists(#status, :open)');
      values[':open'] = 'open';
    }
    return {
      TableName: this.tableName,
      Key: { orderId },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: { '#region': 'region', '#status': 'status' },
      ExpressionAttributeValues: values,
    };
  }

  /** The open orders of `warehouseId` placed at or after `since`, through the byWarehouse index. */
  private openQuery(warehouseId: string, since: string) {
    return {
      TableName: this.tableName,
      IndexName: BY_WAREHOUSE,
      KeyConditionExpression: 'warehouseId = :w AND placedAt >= :since',
      FilterExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':w': warehouseId, ':since': since, ':open': 'open' },
    };
  }

  async openOrders(warehouseId: string, since: string): Promise<OpenOrder[]> {
    const orders: OpenOrder[] = [];
    for await (const page of paginateQuery({ client: this.doc }, this.openQuery(warehouseId, since))) {
      for (const item of page.Items ?? []) {
        orders.push({ orderId: String(item.orderId), region: String(item.region), warehouseId });
      }
    }
    return orders;
  }

  /**
   * The open orders of `warehouseId` placed at or after `since`, counted and summed (their totals) by customer
   * region: what a task that moves or notifies them puts at stake. Only the region and total of each are read.
   */
  async openValueByRegion(
    warehouseId: string,
    since: string,
  ): Promise<Map<string, { orders: number; totalCents: number }>> {
    const byRegion = new Map<string, { orders: number; totalCents: number }>();
    const query = this.openQuery(warehouseId, since);
    for await (const page of paginateQuery(
      { client: this.doc },
      {
        ...query,
        ExpressionAttributeNames: { ...query.ExpressionAttributeNames, '#region': 'region' },
        ProjectionExpression: '#region, totalCents',
      },
    )) {
      for (const item of page.Items ?? []) {
        const region = String(item.region);
        const entry = byRegion.get(region) ?? { orders: 0, totalCents: 0 };
        entry.orders += 1;
        entry.totalCents += Number(item.totalCents ?? 0);
        byRegion.set(region, entry);
      }
    }
    return byRegion;
  }

  /** Orders placed at a warehouse (not moved there by a reroute), counted through the byWarehouse index. */
  async openLoad(warehouseIds: readonly string[], since: string): Promise<Record<string, number>> {
    const counts = await mapLimited(warehouseIds, 8, async (warehouseId) => {
      const query = this.openQuery(warehouseId, since);
      let count = 0;
      for await (const page of paginateQuery(
        { client: this.doc },
        {
          ...query,
          FilterExpression: `${query.FilterExpression} AND attribute_not_exists(reroutedBy)`,
          Select: 'COUNT',
        },
      )) {
        count += page.Count ?? 0;
      }
      return [warehouseId, count] as const;
    });
    return Object.fromEntries(counts);
  }

  async holds(warehouseIds: readonly string[], since: string): Promise<Map<string, CapacityHold>> {
    const items = await batchGetAll(this.doc, this.tableName, [...new Set(warehouseIds)].map(ledgerKey), {
      consistentRead: true,
    });
    const found = new Map<string, CapacityHold>();
    for (const item of items) {
      const warehouseId = String(item.orderId).slice(LEDGER.length);
      const entries = Object.entries((item.holds ?? {}) as Record<string, LedgerEntry>);
      const lapsed = ([, hold]: [string, LedgerEntry]) =>
        Date.parse(hold.at) < this.now() - HOLD_DAYS * DAY_MS;
      const reserved = entries
        .filter((entry) => !lapsed(entry) && entry[1].at >= since)
        .reduce((sum, [, hold]) => sum + hold.orders, 0);
      const version = Number(item.version ?? 0);
      found.set(warehouseId, { reserved, version });
      const stale = entries.filter(lapsed);
      // Only the latest reads matter: a warm instance remembers a bounded number of them.
      if (this.stale.size >= MAX_STALE_READS) this.stale.clear();
      if (stale.length > 0) {
        this.stale.set(
          `${warehouseId}@${version}`,
          stale.slice(0, MAX_PRUNED).map(([key]) => key),
        );
      }
    }
    return found;
  }

  async openJournal(key: string, label: string): Promise<{ state: RerouteState; summary?: RerouteSummary }> {
    const { Attributes: old } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: journalKey(key),
        UpdateExpression:
          'SET #state = if_not_exists(#state, :planning), label = if_not_exists(label, :label), expiresAt = :e',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':planning': 'planning', ':label': label, ':e': this.expiry() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const state = (old?.state as RerouteState | undefined) ?? 'planning';
    // A plan interrupted before it moved anything: give back what it may have reserved, and plan again.
    if (state === 'planning' && old?.reservations) await this.release(key, reservationsOf(old));
    return {
      state,
      ...(state === 'applied' && typeof old?.summary === 'string'
        ? { summary: JSON.parse(old.summary) as RerouteSummary }
        : {}),
    };
  }

  async recordPlan(
    key: string,
    plan: RecordedPlan,
    reservations: ReadonlyMap<string, number>,
    seen: ReadonlyMap<string, CapacityHold>,
  ): Promise<RecordResult> {
    const parts = partsOf(plan);
    await mapLimited(parts, 4, (part) =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...partKey(key, part.part), ...part, expiresAt: this.expiry() },
        }),
      ),
    );
    // The reservations are written ahead too: whatever happens next, a revert or a retry knows what to give back.
    const planned = await conditionHolds(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: journalKey(key),
          UpdateExpression: 'SET reservations = :r, parts = :p',
          ConditionExpression: '#state = :planning',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':r': Object.fromEntries(reservations),
            ':p': parts.length,
            ':planning': 'planning',
          },
        }),
      ),
    );
    if (!planned) return 'reverted';

    // Each destination's hold, conditional on its ledger being as the plan saw it; the last transaction also
    // moves the journal to `moving`, so the journal says `moving` only when every reservation holds.
    const at = new Date(this.now()).toISOString();
    const ledgerUpdates = [...reservations].map(([warehouseId, orders]) =>
      this.reservationOf(key, warehouseId, orders, at, seen.get(warehouseId) ?? { reserved: 0, version: 0 }),
    );
    const flip = {
      Update: {
        TableName: this.tableName,
        Key: journalKey(key),
        UpdateExpression: 'SET #state = :moving',
        ConditionExpression: '#state = :planning',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':moving': 'moving', ':planning': 'planning' },
      },
    };
    const chunks = chunked(ledgerUpdates, MAX_TRANSACTION_ITEMS - 1);
    if (chunks.length === 0) chunks.push([]);
    for (const [i, chunk] of chunks.entries()) {
      const last = i === chunks.length - 1;
      const head = last ? flip : this.journalIs(key, 'planning');
      const outcome = await transactWrite(this.doc, [head, ...chunk.map((Update) => ({ Update }))]);
      if (outcome === 'done') continue;
      await this.release(key, reservations);
      if (outcome.includes(0)) return (await this.stateOf(key)) === 'reverted' ? 'reverted' : 'contended';
      return 'contended';
    }
    return 'recorded';
  }

  reference(key: string): { tableName: string; key: string } {
    return { tableName: this.tableName, key: journalKey(key).orderId };
  }

  async recordedPlan(key: string): Promise<RecordedPlan> {
    const journal = await this.journal(key);
    const count = Number(journal?.parts ?? 0);
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      Array.from({ length: count }, (_, index) => partKey(key, index)),
      { consistentRead: true },
    );
    if (items.length !== count) {
      throw new Error(`reroute ${key}: its journal names ${count} parts, ${items.length} were found`);
    }
    items.sort((a, b) => Number(a.part) - Number(b.part));
    return {
      assignments: items.flatMap((item) => decodeAssignments(String(item.assignments))),
      unassigned: items.flatMap((item) => JSON.parse(String(item.unassigned)) as UnassignedOrder[]),
    };
  }

  async move(
    key: string,
    assignments: readonly RerouteAssignment[],
  ): Promise<{ moved: RerouteAssignment[]; reverted: boolean }> {
    let reverted = false;
    const refused: RerouteAssignment[] = [];
    const moved: RerouteAssignment[] = [];
    // One transaction at a time: every one checks the journal item, and concurrent transactions on a common item
    // cancel each other on DynamoDB (TransactionConflict).
    for (const chunk of chunked(assignments, MAX_TRANSACTION_ITEMS - 1)) {
      let pending = chunk;
      while (pending.length > 0 && !reverted) {
        const outcome = await transactWrite(this.doc, [
          this.journalIs(key, 'moving'),
          ...pending.map((a) => ({ Update: this.moveOf(a, key) })),
        ]);
        if (outcome === 'done') {
          for (const a of pending) moved.push(a);
          break;
        }
        if (outcome.includes(0)) reverted = true;
        const failed = new Set(outcome.map((index) => index - 1));
        for (const index of failed) {
          // Index -1 is the journal's check, which names no assignment.
          const assignment = pending[index];
          if (assignment !== undefined) refused.push(assignment);
        }
        pending = pending.filter((_, index) => !failed.has(index));
      }
      if (reverted) break;
    }
    // A resumed reroute finds some of its orders already moved: those count as moved.
    for (const a of await this.alreadyMoved(key, refused)) moved.push(a);
    return { moved, reverted };
  }

  async complete(key: string, summary: RerouteSummary, moved: readonly RerouteAssignment[]): Promise<void> {
    const journal = await this.journal(key);
    const reserved = reservationsOf(journal ?? {});
    const used = ordersByDestination(moved);
    const completed = await conditionHolds(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: journalKey(key),
          UpdateExpression: 'SET #state = :applied, summary = :s, reservations = :r',
          ConditionExpression: '#state = :moving',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':applied': 'applied',
            ':moving': 'moving',
            ':s': JSON.stringify(summary),
            ':r': Object.fromEntries(used),
          },
        }),
      ),
    );
    if (!completed) return; // reverted meanwhile: the revert gives the reservations back
    // Capacity reserved and not used (orders cancelled or moved meanwhile) goes back.
    await mapLimited([...reserved], 8, async ([warehouseId, orders]) => {
      const kept = used.get(warehouseId) ?? 0;
      if (kept < orders) await this.setHold(key, warehouseId, kept);
    });
  }

  async revert(key: string): Promise<number> {
    const { Attributes: old } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: journalKey(key),
        UpdateExpression: 'SET #state = :reverted, expiresAt = :e',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':reverted': 'reverted', ':e': this.expiry() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!old) return 0; // a tombstone: the reroute never ran, and now never will
    // No order moves once the journal says `reverted`, so what the parts record is all there is to restore.
    let restored = 0;
    if (old.state === 'moving' || old.state === 'applied' || old.state === 'reverted') {
      const { assignments } = old.parts ? await this.recordedPlan(key) : { assignments: [] };
      restored = await this.restore(key, assignments);
    }
    await this.release(key, reservationsOf(old));
    return restored;
  }

  /** Moves back each order still where reroute `key` put it; returns how many. */
  private async restore(key: string, assignments: readonly RerouteAssignment[]): Promise<number> {
    let restored = 0;
    await mapLimited(chunked(assignments, MAX_TRANSACTION_ITEMS), 4, async (chunk) => {
      let pending = chunk;
      while (pending.length > 0) {
        const outcome = await transactWrite(
          this.doc,
          pending.map((a) => ({ Update: this.restoreOf(a, key) })),
        );
        if (outcome === 'done') {
          restored += pending.length;
          return;
        }
        const failed = new Set(outcome);
        pending = pending.filter((_, index) => !failed.has(index));
      }
    });
    return restored;
  }

  /** Gives back reroute `key`'s holds at each warehouse of `reservations`. */
  private async release(key: string, reservations: ReadonlyMap<string, number>): Promise<void> {
    await mapLimited([...reservations.keys()], 8, (warehouseId) => this.setHold(key, warehouseId, 0));
  }

  /** Shrinks reroute `key`'s existing hold at `warehouseId` to `orders` (0 removes it); a no-op when it has none. */
  private setHold(key: string, warehouseId: string, orders: number): Promise<boolean> {
    return conditionHolds(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKey(warehouseId),
          UpdateExpression: orders === 0 ? 'REMOVE holds.#k' : 'SET holds.#k.orders = :n',
          ConditionExpression: 'attribute_exists(holds.#k)',
          ExpressionAttributeNames: { '#k': key },
          ...(orders === 0 ? {} : { ExpressionAttributeValues: { ':n': orders } }),
        }),
      ),
    );
  }

  /** A TransactWriteItems ConditionCheck that reroute `key`'s journal is in `state`. */
  private journalIs(key: string, state: RerouteState) {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: journalKey(key),
        ConditionExpression: '#state = :state',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': state },
      },
    };
  }

  /** The update that holds `orders` of `warehouseId`'s capacity for reroute `key`, if its ledger is as seen. */
  private reservationOf(key: string, warehouseId: string, orders: number, at: string, seen: CapacityHold) {
    const hold: LedgerEntry = { orders, at };
    const expiresAt = Math.floor(this.now() / 1000) + HOLD_DAYS * DAY_S;
    if (seen.version === 0) {
      return {
        TableName: this.tableName,
        Key: ledgerKey(warehouseId),
        UpdateExpression: 'SET holds = :holds, version = :one, expiresAt = :e',
        ConditionExpression: 'attribute_not_exists(version)',
        ExpressionAttributeValues: { ':holds': { [key]: hold }, ':one': 1, ':e': expiresAt },
      };
    }
    const stale = (this.stale.get(`${warehouseId}@${seen.version}`) ?? []).filter((k) => k !== key);
    const names: Record<string, string> = { '#k': key };
    stale.forEach((k, i) => (names[`#s${i}`] = k));
    return {
      TableName: this.tableName,
      Key: ledgerKey(warehouseId),
      UpdateExpression:
        'SET holds.#k = :hold, version = :next, expiresAt = :e' +
        (stale.length > 0 ? ` REMOVE ${stale.map((_, i) => `holds.#s${i}`).join(', ')}` : ''),
      ConditionExpression: 'version = :seen',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {
        ':hold': hold,
        ':next': seen.version + 1,
        ':seen': seen.version,
        ':e': expiresAt,
      },
    };
  }

  private moveOf(assignment: RerouteAssignment, key: string) {
    return {
      TableName: this.tableName,
      Key: { orderId: assignment.orderId },
      UpdateExpression: 'SET warehouseId = :to, previousWarehouseId = :from, reroutedBy = :key',
      ConditionExpression: 'warehouseId = :from AND #status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':to': assignment.toWarehouseId,
        ':from': assignment.fromWarehouseId,
        ':key': key,
        ':open': 'open',
      },
    };
  }

  private restoreOf(assignment: RerouteAssignment, key: string) {
    return {
      TableName: this.tableName,
      Key: { orderId: assignment.orderId },
      UpdateExpression: 'SET warehouseId = :from REMOVE previousWarehouseId, reroutedBy',
      ConditionExpression: 'reroutedBy = :key AND warehouseId = :to',
      ExpressionAttributeValues: {
        ':from': assignment.fromWarehouseId,
        ':to': assignment.toWarehouseId,
        ':key': key,
      },
    };
  }

  /** Those of `assignments` whose order is where reroute `key` put it (read consistently). */
  private async alreadyMoved(
    key: string,
    assignments: readonly RerouteAssignment[],
  ): Promise<RerouteAssignment[]> {
    if (assignments.length === 0) return [];
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      assignments.map((a) => ({ orderId: a.orderId })),
      { consistentRead: true, projection: 'orderId, warehouseId, reroutedBy' },
    );
    const at = new Map(
      items.filter((item) => item.reroutedBy === key).map((item) => [String(item.orderId), item.warehouseId]),
    );
    return assignments.filter((a) => at.get(a.orderId) === a.toWarehouseId);
  }

  private async journal(key: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: journalKey(key), ConsistentRead: true }),
    );
    return Item;
  }

  private async stateOf(key: string): Promise<RerouteState | undefined> {
    return (await this.journal(key))?.state as RerouteState | undefined;
  }

  /** Epoch seconds at which a journal written now expires. */
  private expiry(): number {
    return Math.floor(this.now() / 1000) + this.retentionDays * DAY_S;
  }
}
