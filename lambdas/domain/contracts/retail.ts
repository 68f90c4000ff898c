import { z } from 'zod';

/**
 * Retail inputs, exactly as existing order services emit them (source `retail.orders`): no platform fields
 * required, unknown extra fields kept.
 */
const orderItem = z.looseObject({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
});

export const orderPlacedV1 = z.looseObject({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  warehouseId: z.string().min(1),
  region: z.string().min(1),
  items: z.array(orderItem).min(1),
  total: z.number().nonnegative(),
  schemaVersion: z.literal(1).default(1),
});

export const orderCancelledV1 = z.looseObject({
  orderId: z.string().min(1),
  warehouseId: z.string().min(1),
  region: z.string().min(1),
  reason: z.string().min(1),
  schemaVersion: z.literal(1).default(1),
});

/**
 * The fulfillment network, as warehouse services describe it (source `retail.warehouses`). A warehouse's
 * description replaces the previous one; the event's `time` orders updates, so a late, older update changes
 * nothing.
 */
export const warehouseUpdatedV1 = z.looseObject({
  warehouseId: z.string().min(1),
  /** The region the warehouse stands in. */
  region: z.string().min(1),
  /** Most open orders it can hold; 0 empties it (it takes no rerouted orders). */
  capacity: z.number().int().nonnegative(),
  /** Customer region -> shipping cost per order in integer cents: the regions it serves, and only those. */
  shippingCost: z
    .record(z.string().min(1), z.number().int().nonnegative())
    .refine((costs) => Object.keys(costs).length <= 5_000, 'at most 5,000 regions per warehouse'),
  /** A closed warehouse takes no orders. */
  status: z.enum(['active', 'closed']).default('active'),
  schemaVersion: z.literal(1).default(1),
});
export type WarehouseUpdated = z.infer<typeof warehouseUpdatedV1>;

export const capacityChangedV1 = z.looseObject({
  warehouseId: z.string().min(1),
  capacity: z.number().int().nonnegative(),
  schemaVersion: z.literal(1).default(1),
});
export type CapacityChanged = z.infer<typeof capacityChangedV1>;
