import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoNetworkStore } from '../../adapters/dynamodb-network-store';
import { DEFAULT_NETWORK_DEFAULTS } from '../../domain/fulfillment/network';
import { jsonVariable, requiredText } from './config';

const networkDefaults = z.object({
  capacity: z.number().int().nonnegative().default(DEFAULT_NETWORK_DEFAULTS.capacity),
  shippingCostCents: z.number().int().nonnegative().default(DEFAULT_NETWORK_DEFAULTS.shippingCostCents),
});

/**
 * The variables of a function on the fulfillment network table (`NETWORK_TABLE_NAME`), with the defaults for
 * warehouses first seen in orders (`NETWORK_DEFAULTS`, JSON `{ capacity, shippingCostCents }`, optional).
 */
export const networkVariables = {
  NETWORK_TABLE_NAME: requiredText,
  NETWORK_DEFAULTS: jsonVariable(networkDefaults.prefault({})),
};
export type NetworkSettings = z.output<z.ZodObject<typeof networkVariables>>;

/** The fulfillment network table with its defaults, as configured. */
export function networkStore(client: DynamoDBClient, settings: NetworkSettings): DynamoNetworkStore {
  return new DynamoNetworkStore(settings.NETWORK_TABLE_NAME, client, settings.NETWORK_DEFAULTS);
}
