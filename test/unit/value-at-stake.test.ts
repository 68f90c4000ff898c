import { impactOf, stakeQuery } from '../../lambdas/domain/governance/value-at-stake';

const SINCE = '2026-11-20T08:35:00.000Z';

describe('what a task puts at stake', () => {
  it('names the orders each task moves or notifies', () => {
    expect(stakeQuery('reroute_orders', { fromWarehouseId: 'WH-NYC', since: SINCE })).toEqual({
      warehouseIds: ['WH-NYC'],
      since: SINCE,
    });
    expect(
      stakeQuery('rebalance_region', { region: 'us-east', fromWarehouseIds: ['WH-A', 'WH-B'], since: SINCE }),
    ).toEqual({ warehouseIds: ['WH-A', 'WH-B'], since: SINCE, region: 'us-east' });
    expect(
      stakeQuery('notify_customers', {
        scopeType: 'warehouse',
        scopeId: 'WH-NYC',
        since: SINCE,
        template: 'delivery_delay',
      }),
    ).toEqual({ warehouseIds: ['WH-NYC'], since: SINCE });
  });

  it('puts nothing at stake for tasks that move or notify no existing order, or whose orders it cannot name', () => {
    expect(stakeQuery('open_incident_ticket', { scopeType: 'warehouse', scopeId: 'WH-NYC' })).toBeUndefined();
    expect(stakeQuery('pause_warehouse_intake', { warehouseId: 'WH-NYC' })).toBeUndefined();
    expect(stakeQuery('revert_reroute', { fromWarehouseId: 'WH-NYC', since: SINCE })).toBeUndefined();
    expect(
      stakeQuery('notify_customers', { scopeType: 'region', scopeId: 'us-east', since: SINCE }),
    ).toBeUndefined();
    // Malformed parameters name nothing (the policy request's own validation judges them).
    expect(stakeQuery('reroute_orders', { fromWarehouseId: 42, since: SINCE })).toBeUndefined();
    expect(
      stakeQuery('rebalance_region', { region: 'us-east', fromWarehouseIds: [], since: SINCE }),
    ).toBeUndefined();
  });

  it('sums the orders and totals of every warehouse, of the region only when the task names one', () => {
    const a = new Map([
      ['us-east', { orders: 3, totalCents: 12_000 }],
      ['us-west', { orders: 1, totalCents: 500 }],
    ]);
    const b = new Map([['us-east', { orders: 2, totalCents: 8_000 }]]);

    expect(impactOf({ warehouseIds: ['A', 'B'], since: SINCE }, [a, b])).toEqual({
      orders: 6,
      valueAtStakeCents: 20_500,
    });
    expect(impactOf({ warehouseIds: ['A', 'B'], since: SINCE, region: 'us-east' }, [a, b])).toEqual({
      orders: 5,
      valueAtStakeCents: 20_000,
    });
    expect(impactOf({ warehouseIds: ['A'], since: SINCE }, [])).toEqual({ orders: 0, valueAtStakeCents: 0 });
  });
});
