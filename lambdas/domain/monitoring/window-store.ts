import type { OpenIncident } from './incidents';
import type { WindowIncrement } from './window-increments';
import type { WindowCount } from './windows';

/** Customers of one region served by one warehouse: a cell that attribution weighs (see attribution.ts). */
export interface Cell {
  readonly region: string;
  readonly warehouseId: string;
}

/** The monitoring agent's state: window counters and the open incident per scope (DynamoDB on AWS). */
export interface WindowStore {
  /**
   * Adds the batch's order ids to their windows, and records the (region, warehouse) `cells` among its facts, so
   * {@link WindowStore.members} knows every cell a scope has ever had.
   */
  add(increments: readonly WindowIncrement[], cells?: readonly Cell[]): Promise<void>;
  /**
   * The other level's ids that share a recorded cell with `scope`: a region's warehouses (`region#…`), or a
   * warehouse's customer regions (`warehouse#…`). Attribution reads them all, not only those the batch saw.
   */
  members(scope: string): Promise<string[]>;
  /** Counts of `scope` for windows in [fromWindowStart, toWindowStart]; windows without events may be absent. */
  history(scope: string, fromWindowStart: string, toWindowStart: string): Promise<WindowCount[]>;
  openIncident(scope: string): Promise<OpenIncident | undefined>;
  /** The open incidents of several scopes at once (one round trip where the store allows); absent when none. */
  openIncidents(scopes: readonly string[]): Promise<Map<string, OpenIncident>>;
  saveIncident(scope: string, incident: OpenIncident | undefined): Promise<void>;
}
