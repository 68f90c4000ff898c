import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FulfillmentInputError } from '../../lambdas/domain/fulfillment/errors';
import { parseNetworkFile } from '../../lambdas/domain/fulfillment/network-file';

const repoRoot = path.resolve(__dirname, '..', '..');
const file = (warehouses: unknown[]) => JSON.stringify({ warehouses });
const valid = { warehouseId: 'WH-USW-01', region: 'us-west', capacity: 10, shippingCost: { 'us-west': 300 } };

describe('parseNetworkFile', () => {
  it('reads the walk-through network as warehouse_updated details, active unless said otherwise', () => {
    const warehouses = parseNetworkFile(
      readFileSync(path.join(repoRoot, 'config', 'retail-network.json'), 'utf8'),
    );

    expect(warehouses.map((w) => w.warehouseId)).toEqual([
      'WH-NYC',
      'WH-BOS',
      'WH-CHI',
      'WH-DAL',
      'WH-SEA',
      'WH-LAX',
    ]);
    expect(warehouses.every((w) => w.status === 'active' && w.schemaVersion === 1)).toBe(true);
  });

  it.each<[string, string, string]>([
    ['warehouses[1].capacity', file([valid, { ...valid, warehouseId: 'B', capacity: -2 }]), 'capacity'],
    [
      'warehouses[0].shippingCost.us-west',
      file([{ ...valid, shippingCost: { 'us-west': 2.5 } }]),
      'shippingCost',
    ],
    ['warehouses[0].warehouseId', file([{ ...valid, warehouseId: '' }]), 'warehouseId'],
    ['warehouses[1].warehouseId', file([valid, valid]), 'repeated'],
    ['warehouses', JSON.stringify({ network: [] }), 'warehouses'],
    ['(file)', '{ not json', 'JSON'],
  ])('rejects a bad %s with an error naming it', (field, text, words) => {
    const attempt = () => parseNetworkFile(text);

    expect(attempt).toThrow(FulfillmentInputError);
    expect(attempt).toThrow(expect.objectContaining({ field, message: expect.stringContaining(words) }));
  });
});
