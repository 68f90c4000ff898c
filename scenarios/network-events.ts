import { readFileSync } from 'node:fs';
import type { WarehouseUpdated } from '../lambdas/domain/contracts/retail';
import { parseNetworkFile } from '../lambdas/domain/fulfillment/network-file';

/** A `warehouse_updated` envelope per warehouse of a network file, as a warehouse service would emit it. */
export interface NetworkEnvelope {
  readonly id: string;
  readonly source: 'retail.warehouses';
  readonly 'detail-type': 'warehouse_updated';
  readonly time: string;
  readonly detail: WarehouseUpdated;
}

/**
 * Reads a network file (see `parseNetworkFile`) and turns each warehouse into a `warehouse_updated` event at
 * `time`: seeding goes through the same contract and projection as live updates.
 */
export function networkEvents(file: string, time: Date): NetworkEnvelope[] {
  const warehouses = parseNetworkFile(readFileSync(file, 'utf8'));
  return warehouses.map((detail) => ({
    id: `network-seed-${detail.warehouseId}`,
    source: 'retail.warehouses',
    'detail-type': 'warehouse_updated',
    time: time.toISOString(),
    detail,
  }));
}
