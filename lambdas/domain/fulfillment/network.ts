import type { FulfillmentNetwork, WarehouseSpec } from './assignment';

/** What the network knows of a warehouse, apart from the regions it serves. */
export interface WarehouseProfile {
  readonly warehouseId: string;
  /** The region it stands in. */
  readonly region: string;
  /** Most open orders it can hold; 0 when emptied. */
  readonly capacity: number;
  readonly status: 'active' | 'closed';
  /**
   * `declared` by a warehouse service (`warehouse_updated`, a seeded file), or `observed` in orders before
   * anyone described it: then it serves the regions it ships to, with the defaults' capacity and cost.
   */
  readonly origin: 'declared' | 'observed';
  /** `paused` while a remediation holds its intake (`pause_warehouse_intake`): it takes no rerouted orders. */
  readonly intake: 'open' | 'paused';
}

/** One warehouse serving one customer region, at a cost per order (integer cents). */
export interface Route {
  readonly region: string;
  readonly warehouseId: string;
  readonly cost: number;
}

/** A warehouse's full description, as `warehouse_updated` carries it. */
export interface WarehouseDeclaration {
  readonly warehouseId: string;
  readonly region: string;
  readonly capacity: number;
  readonly status: 'active' | 'closed';
  /** Customer region -> cost per order: the regions it serves, and only those. */
  readonly shippingCost: Readonly<Record<string, number>>;
}

/** A warehouse seen shipping an order to a customer region. */
export interface Sighting {
  readonly warehouseId: string;
  readonly region: string;
}

/** What a warehouse first seen in orders is assumed to have until a warehouse service describes it. */
export interface NetworkDefaults {
  /** Open orders it can hold. */
  readonly capacity: number;
  /** Cost per order to each region it was seen shipping to, in integer cents. */
  readonly shippingCostCents: number;
}

export const DEFAULT_NETWORK_DEFAULTS: NetworkDefaults = { capacity: 1_000, shippingCostCents: 1_000 };

/**
 * Port: the fulfillment network (warehouses, capacities, regions served, costs) as data, kept current from
 * events. Reads are by region and by warehouse, so a reroute reads only the part of a network of thousands of
 * warehouses and regions that its orders touch.
 */
export interface NetworkStore {
  /** Every route to each of `regions`, whatever the warehouse's status. */
  routesTo(regions: readonly string[]): Promise<Route[]>;
  /** The profiles of the warehouses known among `warehouseIds`, each with its intake state. */
  profiles(warehouseIds: readonly string[]): Promise<Map<string, WarehouseProfile>>;
  /**
   * Replaces a warehouse's description (profile and routes) if `time` is not older than the one applied;
   * returns false when a newer description was already applied.
   */
  declare(declaration: WarehouseDeclaration, time: string): Promise<boolean>;
  /** Sets a warehouse's capacity if `time` is not older than the last capacity applied; false otherwise. */
  setCapacity(warehouseId: string, capacity: number, time: string): Promise<boolean>;
  /**
   * Records warehouses seen in orders: an unknown warehouse becomes known at once (`observed`, serving the
   * regions it ships to, with the defaults); a declared warehouse is left as declared. Returns how many
   * routes were new.
   */
  observe(sightings: readonly Sighting[], time: string): Promise<number>;
}

/**
 * The part of the network that can take orders of `regions`: every active warehouse serving one of them whose
 * intake is not paused, except `excluded`, with the costs of those regions only.
 */
export async function networkServing(
  regions: readonly string[],
  excluded: readonly string[],
  store: NetworkStore,
): Promise<FulfillmentNetwork> {
  const skip = new Set(excluded);
  const routes = (await store.routesTo([...new Set(regions)])).filter(
    (route) => !skip.has(route.warehouseId),
  );
  const profiles = await store.profiles([...new Set(routes.map((route) => route.warehouseId))]);
  const byWarehouse = new Map<string, WarehouseSpec>();
  for (const route of routes) {
    const profile = profiles.get(route.warehouseId);
    if (profile === undefined || profile.status !== 'active' || profile.intake === 'paused') continue;
    let spec = byWarehouse.get(route.warehouseId);
    if (spec === undefined) {
      spec = {
        warehouseId: profile.warehouseId,
        region: profile.region,
        capacity: profile.capacity,
        shippingCost: {},
      };
      byWarehouse.set(route.warehouseId, spec);
    }
    spec.shippingCost[route.region] = route.cost;
  }
  return { warehouses: [...byWarehouse.values()] };
}
