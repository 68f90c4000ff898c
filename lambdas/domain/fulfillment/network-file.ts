import { z } from 'zod';
import { warehouseUpdatedV1, type WarehouseUpdated } from '../contracts/retail';
import { FulfillmentInputError } from './errors';

/**
 * A fulfillment network file: `{ "warehouses": [ <warehouse_updated detail>, … ] }` — each warehouse as a
 * warehouse service would describe it in a `warehouse_updated` event (warehouseId, region, capacity,
 * shippingCost per customer region in integer cents, optional status). `description` is free text.
 */
const networkFileSchema = z.object({
  description: z.string().optional(),
  warehouses: z.array(warehouseUpdatedV1).max(100_000),
});

/**
 * Parses a network file's text into warehouse descriptions. Throws `FulfillmentInputError` naming the field
 * (`warehouses[3].capacity`) when the file is not JSON, breaks the `warehouse_updated` contract, or describes a
 * warehouse twice.
 */
export function parseNetworkFile(text: string): WarehouseUpdated[] {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    throw new FulfillmentInputError('(file)', text.slice(0, 40), 'must be JSON', { cause });
  }
  const parsed = networkFileSchema.safeParse(value);
  if (!parsed.success) {
    // zod reports at least one issue; the fallbacks only keep the message whole.
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    const field = path
      .map((part, index) =>
        typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
      )
      .join('');
    throw new FulfillmentInputError(field || '(file)', valueAt(value, path), issue?.message ?? 'invalid');
  }
  const seen = new Set<string>();
  parsed.data.warehouses.forEach((warehouse, index) => {
    if (seen.has(warehouse.warehouseId)) {
      throw new FulfillmentInputError(
        `warehouses[${index}].warehouseId`,
        warehouse.warehouseId,
        'is repeated',
      );
    }
    seen.add(warehouse.warehouseId);
  });
  return parsed.data.warehouses;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
