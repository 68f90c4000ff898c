import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  paginateQuery,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_NETWORK_DEFAULTS,
  type NetworkDefaults,
  type NetworkStore,
  type Route,
  type Sighting,
  type WarehouseDeclaration,
  type WarehouseProfile,
} from '../domain/fulfillment/network';
import { mapLimited } from './concurrency';
import { conditionHolds } from './dynamodb-conditions';
import { activePausesOf, intakeKey } from './dynamodb-intake-store';
import { batchGetAll } from './dynamodb-paging';

/** The GSI over route items: partition `warehouseId`, sort `routeRegion` (profiles have no `routeRegion`). */
const ROUTES_BY_WAREHOUSE = 'routesByWarehouse';
const PROFILE = 'profile';
const profileKey = (warehouseId: string) => ({ pk: `warehouse#${warehouseId}`, sk: PROFILE });
const routeKey = (region: string, warehouseId: string) => ({
  pk: `region#${region}`,
  sk: `warehouse#${warehouseId}`,
});

/** A route item: its key, the attributes the `routesByWarehouse` index reads, its cost and where it came from. */
const routeItem = (region: string, warehouseId: string, cost: number, origin: 'declared' | 'observed') => ({
  ...routeKey(region, warehouseId),
  warehouseId,
  routeRegion: region,
  cost,
  origin,
});

/**
 * The fulfillment network in one DynamoDB table (pk, sk), laid out for reads by region, so a reroute reads
 * only what its orders touch however many warehouses and regions there are:
 * - `pk = warehouse#<id>`, `sk = profile`: region, capacity, status, origin, and the event times last applied
 *   (`specAt` for the description, `capacityAt` for the capacity), which make updates order-independent;
 * - `pk = region#<region>`, `sk = warehouse#<id>`: one route, its cost per order; `warehouseId`/`routeRegion`
 *   key the `routesByWarehouse` index, which finds a warehouse's routes when its description replaces them.
 * A warehouse's description can hold thousands of regions without any item growing.
 */
export class DynamoNetworkStore implements NetworkStore {
  private readonly doc: DynamoDBDocumentClient;
  /** `warehouse|region` pairs this instance has already recorded: a warm instance writes each once. */
  private readonly sighted = new Set<string>();

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly defaults: NetworkDefaults = DEFAULT_NETWORK_DEFAULTS,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async routesTo(regions: readonly string[]): Promise<Route[]> {
    const perRegion = await mapLimited([...new Set(regions)], 8, async (region) => {
      const routes: Route[] = [];
      for await (const page of paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `region#${region}` },
        },
      )) {
        for (const item of page.Items ?? []) {
          routes.push({ region, warehouseId: String(item.warehouseId), cost: Number(item.cost) });
        }
      }
      return routes;
    });
    return perRegion.flat();
  }

  async profiles(warehouseIds: readonly string[]): Promise<Map<string, WarehouseProfile>> {
    const ids = [...new Set(warehouseIds)];
    // Profiles and intake items in the same BatchGetItem: a paused warehouse costs no extra request.
    const items = await batchGetAll(this.doc, this.tableName, [
      ...ids.map(profileKey),
      ...ids.map(intakeKey),
    ]);
    const paused = new Set<string>();
    for (const item of items) {
      if (item.sk !== PROFILE && activePausesOf(item) > 0) paused.add(String(item.warehouseId));
    }
    const found = new Map<string, WarehouseProfile>();
    for (const item of items) {
      if (item.sk !== PROFILE) continue;
      const profile = profileOf(item, paused);
      found.set(profile.warehouseId, profile);
    }
    return found;
  }

  async declare(declaration: WarehouseDeclaration, time: string): Promise<boolean> {
    const { warehouseId } = declaration;
    const applied = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: profileKey(warehouseId),
        UpdateExpression:
          'SET warehouseId = :w, #region = :r, #status = :s, #origin = :declared, specAt = :t REMOVE observedAt',
        ConditionExpression: 'attribute_not_exists(specAt) OR specAt <= :t',
        ExpressionAttributeNames: { '#region': 'region', '#status': 'status', '#origin': 'origin' },
        ExpressionAttributeValues: {
          ':w': warehouseId,
          ':r': declaration.region,
          ':s': declaration.status,
          ':declared': 'declared',
          ':t': time,
        },
      }),
    );
    if (!applied) return false;
    await this.setCapacity(warehouseId, declaration.capacity, time);

    const costs = new Map(Object.entries(declaration.shippingCost));
    const stale: string[] = [];
    for await (const page of paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        IndexName: ROUTES_BY_WAREHOUSE,
        KeyConditionExpression: 'warehouseId = :w',
        ExpressionAttributeValues: { ':w': warehouseId },
      },
    )) {
      for (const item of page.Items ?? []) {
        const region = String(item.routeRegion);
        if (!costs.has(region)) stale.push(region);
      }
    }
    // A route written by a newer description stays; an observed route (no routeAt) gives way.
    const newerWins = 'attribute_not_exists(routeAt) OR routeAt <= :t';
    await mapLimited(stale, 16, (region) =>
      this.conditional(
        new DeleteCommand({
          TableName: this.tableName,
          Key: routeKey(region, warehouseId),
          ConditionExpression: newerWins,
          ExpressionAttributeValues: { ':t': time },
        }),
      ),
    );
    await mapLimited([...costs], 16, ([region, cost]) =>
      this.conditional(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...routeItem(region, warehouseId, cost, 'declared'), routeAt: time },
          ConditionExpression: newerWins,
          ExpressionAttributeValues: { ':t': time },
        }),
      ),
    );
    for (const region of stale) this.sighted.delete(`${warehouseId}|${region}`);
    return true;
  }

  async setCapacity(warehouseId: string, capacity: number, time: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: profileKey(warehouseId),
        UpdateExpression:
          'SET warehouseId = :w, #capacity = :c, capacityAt = :t, #status = if_not_exists(#status, :active), #origin = if_not_exists(#origin, :observed)',
        ConditionExpression: 'attribute_not_exists(capacityAt) OR capacityAt <= :t',
        ExpressionAttributeNames: { '#status': 'status', '#capacity': 'capacity', '#origin': 'origin' },
        ExpressionAttributeValues: {
          ':w': warehouseId,
          ':c': capacity,
          ':t': time,
          ':active': 'active',
          ':observed': 'observed',
        },
      }),
    );
  }

  async observe(sightings: readonly Sighting[], time: string): Promise<number> {
    const regionsOf = new Map<string, Set<string>>();
    for (const { warehouseId, region } of sightings) {
      if (this.sighted.has(`${warehouseId}|${region}`)) continue;
      let regions = regionsOf.get(warehouseId);
      if (regions === undefined) regionsOf.set(warehouseId, (regions = new Set()));
      regions.add(region);
    }
    const added = await mapLimited([...regionsOf], 8, async ([warehouseId, regions]) => {
      const [home] = regions;
      // Only an undescribed warehouse takes its routes from orders; a declared one keeps its description.
      const undescribed = await this.conditional(
        new UpdateCommand({
          TableName: this.tableName,
          Key: profileKey(warehouseId),
          UpdateExpression:
            'SET warehouseId = :w, #region = if_not_exists(#region, :r), #capacity = if_not_exists(#capacity, :c), #status = if_not_exists(#status, :active), #origin = if_not_exists(#origin, :observed), observedAt = if_not_exists(observedAt, :t)',
          ConditionExpression: 'attribute_not_exists(#origin) OR #origin = :observed',
          ExpressionAttributeNames: {
            '#region': 'region',
            '#status': 'status',
            '#capacity': 'capacity',
            '#origin': 'origin',
          },
          ExpressionAttributeValues: {
            ':w': warehouseId,
            ':r': home,
            ':c': this.defaults.capacity,
            ':active': 'active',
            ':observed': 'observed',
            ':t': time,
          },
        }),
      );
      let count = 0;
      if (undescribed) {
        for (const region of regions) {
          const created = await this.conditional(
            new PutCommand({
              TableName: this.tableName,
              Item: routeItem(region, warehouseId, this.defaults.shippingCostCents, 'observed'),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          if (created) count++;
        }
      }
      for (const region of regions) this.sighted.add(`${warehouseId}|${region}`);
      return count;
    });
    return added.reduce((sum, count) => sum + count, 0);
  }

  /** True when the write applied; false when its condition did not hold. */
  private conditional(command: UpdateCommand | PutCommand | DeleteCommand): Promise<boolean> {
    return conditionHolds(() => this.doc.send(command as PutCommand));
  }
}

function profileOf(item: Record<string, unknown>, paused: ReadonlySet<string>): WarehouseProfile {
  return {
    warehouseId: String(item.warehouseId),
    region: typeof item.region === 'string' && item.region.length > 0 ? item.region : 'unknown',
    capacity: typeof item.capacity === 'number' ? item.capacity : 0,
    status: item.status === 'closed' ? 'closed' : 'active',
    origin: item.origin === 'declared' ? 'declared' : 'observed',
    intake: paused.has(String(item.warehouseId)) ? 'paused' : 'open',
  };
}
