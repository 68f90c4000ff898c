import { z } from 'zod';

/**
 * Retail inputs, exactly as existing order services emit them (source `retail.orders`): no platform fields
 * required, unknown extra fields kept.
 */
export const orderItem = z.looseObject({
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
export type OrderPlaced = z.infer<typeof orderPlacedV1>;

export const orderCancelledV1 = z.looseObject({
  orderId: z.string().min(1),
  warehouseId: z.string().min(1),
  region: z.string().min(1),
  reason: z.string().min(1),
  schemaVersion: z.literal(1).default(1),
});
export type OrderCancelled = z.infer<typeof orderCancelledV1>;
