import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoNetworkStore } from '../../adapters/dynamodb-network-store';
import { DEFAULT_NETWORK_DEFAULTS } from '../../domain/fulfillment/network';
import { ConfigurationError, jsonEnv, requireEnv } from './environment';

const networkDefaults = z.object({
  capacity: z.number().int().nonnegative().default(DEFAULT_NETWORK_DEFAULTS.capacity),
  shippingCostCents: z.number().int().nonnegative().default(DEFAULT_NETWORK_DEFAULTS.shippingCostCents),
});

/**
 * The fulfillment network table (`NETWORK_TABLE_NAME`) with the defaults for warehouses first seen in orders
 * (`NETWORK_DEFAULTS`, JSON `{ capacity, shippingCostCents }`), checked once at cold start.
 */
export function networkStoreFromEnv(client: DynamoDBClient): DynamoNetworkStore {
  const parsed = networkDefaults.safeParse(jsonEnv('NETWORK_DEFAULTS', {}));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `environment variable NETWORK_DEFAULTS: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
    );
  }
  return new DynamoNetworkStore(requireEnv('NETWORK_TABLE_NAME'), client, parsed.data);
}
