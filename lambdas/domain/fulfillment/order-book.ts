import type { OpenOrder, RerouteAssignment } from './assignment';

/** A placed or cancelled order, as the fulfillment agent's order book records it. */
export interface OrderFactRecord {
  readonly kind: 'placed' | 'cancelled';
  readonly orderId: string;
  readonly warehouseId: string;
  readonly region: string;
  /** Event time (ISO 8601). */
  readonly time: string;
}

/** What a reroute changed, kept so its compensation can undo exactly that. */
export interface RerouteRecord {
  readonly idempotencyKey: string;
  readonly fromWarehouseId: string;
  readonly assignments: readonly RerouteAssignment[];
}

/** Port: the fulfillment agent's view of open orders per warehouse. */
export interface OrderBook {
  /** Applies placed/cancelled facts idempotently and in any order (a cancellation may arrive first). */
  apply(facts: readonly OrderFactRecord[]): Promise<void>;
  /** Open orders held by `warehouseId` placed at or after `since`. */
  openOrders(warehouseId: string, since: string): Promise<OpenOrder[]>;
  /** Number of open orders each warehouse holds, placed at or after `since`. */
  openLoad(warehouseIds: readonly string[], since: string): Promise<Record<string, number>>;
  /** Moves each order still open at its `fromWarehouseId`; returns those moved. */
  move(assignments: readonly RerouteAssignment[], rerouteKey: string): Promise<RerouteAssignment[]>;
  /** Moves back the orders a reroute moved (and nobody moved since); returns how many. */
  restore(record: RerouteRecord): Promise<number>;
  saveReroute(record: RerouteRecord): Promise<void>;
  findReroute(idempotencyKey: string): Promise<RerouteRecord | undefined>;
}
