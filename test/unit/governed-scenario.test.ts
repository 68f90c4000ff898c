import { readFileSync } from 'node:fs';
import { parseEvent } from '../../lambdas/domain/contracts/parse';
import { parseGovernanceConfigText } from '../../lambdas/domain/governance/governance-config';
import { parseNetworkFile } from '../../lambdas/domain/fulfillment/network-file';
import { generateGoverned, governed, governedPaths } from '../../scenarios/generate-governed';
import { readNetwork, toNdjson } from '../../scenarios/generate-walkthrough';

/** The files of `npm start -- --scenario governed` (scenarios/governed/), checked against what they promise. */
describe('the governed scenario', () => {
  const network = parseNetworkFile(readFileSync(governedPaths.network, 'utf8'));

  it('replays exactly the events scenarios/generate-governed.ts writes (regenerate after changing either)', () => {
    expect(readFileSync(governedPaths.events, 'utf8')).toBe(
      toNdjson(generateGoverned(readNetwork(governedPaths.network))),
    );
  });

  it('serves a valid governance configuration that asks approval for every reroute', () => {
    const config = parseGovernanceConfigText(readFileSync(governedPaths.governance, 'utf8'));

    // Its own file (written from config/governance.json by the generator, then kept as it is): the policy is there.
    expect(config.policies.approval).toContain(
      governed.approvalPolicy.trim().split('\n').slice(1).join('\n'),
    );
    expect(config.agents['planning-agent']?.autonomy).toBe('autonomous');
  });

  it('has a reroutable incident and one whose customers no other warehouse serves', () => {
    const [reroutable, stranded] = governed.incidents;
    const regionsOf = (id: string) => Object.keys(network.find((w) => w.warehouseId === id)!.shippingCost);
    const othersServing = (id: string) =>
      network.filter((w) => w.warehouseId !== id && regionsOf(id).some((r) => r in w.shippingCost));

    expect(othersServing(reroutable.warehouseId).map((w) => w.warehouseId)).toEqual(['WH-CLT', 'WH-PHL']);
    expect(othersServing(stranded.warehouseId)).toEqual([]);
  });

  it('orders only at the network’s warehouses, to regions they serve, with a cancellation surge in each incident', () => {
    const events = readFileSync(governedPaths.events, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => parseEvent(line, ['order_placed', 'order_cancelled']));
    const served = new Map(network.map((w) => [w.warehouseId, Object.keys(w.shippingCost)]));

    for (const event of events) expect(served.get(event.detail.warehouseId)).toContain(event.detail.region);
    for (const incident of governed.incidents) {
      const during = events.filter(
        (e) =>
          e.detail.warehouseId === incident.warehouseId && e.time >= incident.start && e.time < incident.end,
      );
      const delayed = during.filter(
        (e) => e.detailType === 'order_cancelled' && e.detail.reason === 'warehouse_delay',
      ).length;
      const placed = during.filter((e) => e.detailType === 'order_placed').length;
      expect(delayed / placed).toBeGreaterThan(0.25);
    }
  });
});
