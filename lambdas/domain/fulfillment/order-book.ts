import type { OpenOrder, RerouteAssignment } from './assignment';

/** A placed or cancelled order, as the fulfillment agent's order book records it. */
export interface OrderFactRecord {
  readonly kind: 'placed' | 'cancelled';
  readonly orderId: string;
  readonly warehouseId: string;
  readonly region: string;
  /** Event time (ISO 8601). */
  readonly time: string;
  /** The order's total in cents, from its placement: what a task that moves or notifies it puts at stake. */
  readonly totalCents?: number;
}

/** An order a reroute could not place, and why. */
export interface UnassignedOrder {
  readonly orderId: string;
  readonly reason: string;
}

/**
 * Where a reroute stands, kept in its journal before anything moves (write-ahead), so that a crash at any
 * point leaves its compensation complete:
 * - `planning`: opened, nothing reserved or moved yet (or a plan being replaced after a crash);
 * - `moving`: its plan and capacity reservations are recorded; orders move only in this state;
 * - `applied`: done, with its summary;
 * - `reverted`: compensated, or a tombstone left by a compensation that ran first: nothing moves any more.
 */
export type RerouteState = 'planning' | 'moving' | 'applied' | 'reverted';

/** What a reroute did, small enough for any event or saga state; the full lists stay in the journal. */
export interface RerouteSummary {
  /** Claim check: the journal that holds the full assignment and the unassigned orders. */
  readonly assignmentsRef: { tableName: string; key: string };
  readonly reroutedCount: number;
  /** Total shipping cost of the orders moved, in integer cents. */
  readonly totalCost: number;
  /** Orders and cost per destination, largest first, at most {@link MAX_SUMMARY_DESTINATIONS}. */
  readonly destinations: readonly { warehouseId: string; orders: number; cost: number }[];
  /** Destinations beyond those listed. */
  readonly otherDestinations: number;
  readonly unassignedCount: number;
  /** One entry per distinct reason, most orders first, at most {@link MAX_SUMMARY_REASONS}. */
  readonly unassignedReasons: readonly { reason: string; orders: number }[];
}

export const MAX_SUMMARY_DESTINATIONS = 100;
export const MAX_SUMMARY_REASONS = 20;

/** A reroute's plan as its journal records it before any order moves. */
export interface RecordedPlan {
  readonly assignments: readonly RerouteAssignment[];
  readonly unassigned: readonly UnassignedOrder[];
}

/**
 * Capacity that reroutes hold at one warehouse: the orders they moved there (and have not reverted) since
 * `since`, and the ledger's version, which a reservation must still find unchanged to commit.
 */
export interface CapacityHold {
  readonly reserved: number;
  readonly version: number;
}

/** Outcome of recording a plan: recorded, beaten to a warehouse's capacity by another reroute, or tombstoned. */
export type RecordResult = 'recorded' | 'contended' | 'reverted';

/**
 * Port: the fulfillment agent's view of open orders per warehouse, and the journal that makes reroutes
 * recoverable and reversible.
 */
export interface OrderBook {
  /** Applies placed/cancelled facts idempotently and in any order (a cancellation may arrive first). */
  apply(facts: readonly OrderFactRecord[]): Promise<void>;
  /** Open orders held by `warehouseId` placed at or after `since`. */
  openOrders(warehouseId: string, since: string): Promise<OpenOrder[]>;
  /**
   * Open orders each warehouse holds that were placed there (not moved there by a reroute), placed at or after
   * `since`. Orders moved in count through {@link OrderBook.holds} instead, which reads consistently.
   */
  openLoad(warehouseIds: readonly string[], since: string): Promise<Record<string, number>>;
  /** The capacity that reroutes hold at each of `warehouseIds` (strongly consistent). */
  holds(warehouseIds: readonly string[], since: string): Promise<Map<string, CapacityHold>>;

  /**
   * Opens reroute `key`'s journal, or finds it: a new journal starts `planning`; an existing one answers its
   * state (and its summary once applied).
   */
  openJournal(key: string, label: string): Promise<{ state: RerouteState; summary?: RerouteSummary }>;
  /**
   * Write-ahead: records the plan, then reserves `reservations` (orders per destination) in one atomic step
   * that also moves the journal from `planning` to `moving`, provided every destination's ledger is still at
   * the version in `seen`. Nothing is reserved when it answers `contended` or `reverted`.
   */
  recordPlan(
    key: string,
    plan: RecordedPlan,
    reservations: ReadonlyMap<string, number>,
    seen: ReadonlyMap<string, CapacityHold>,
  ): Promise<RecordResult>;
  /** Claim check: where reroute `key`'s journal (its full plan) is kept, for events and saga state to name. */
  reference(key: string): { tableName: string; key: string };
  /** The plan recorded for `key`, to resume a reroute interrupted while `moving`. */
  recordedPlan(key: string): Promise<RecordedPlan>;
  /**
   * Moves each order still open at its `fromWarehouseId`, only while the journal is `moving`; an order already
   * moved by this reroute counts as moved. Returns those moved, and whether a compensation stopped it.
   */
  move(
    key: string,
    assignments: readonly RerouteAssignment[],
  ): Promise<{ moved: RerouteAssignment[]; reverted: boolean }>;
  /** `moving` -> `applied`: records the summary and gives back the capacity reserved and not used. */
  complete(key: string, summary: RerouteSummary, moved: readonly RerouteAssignment[]): Promise<void>;
  /**
   * Compensation: marks the journal `reverted` (a tombstone when the reroute has not run yet, so a late one
   * does nothing), moves back every recorded order that is still where this reroute put it, and gives back its
   * reservations. Idempotent; returns how many orders it moved back this time.
   */
  revert(key: string): Promise<number>;
}
