import { CommandCancelled } from './errors';

/** A warehouse's intake after a pause or a resume. */
export interface IntakeState {
  readonly warehouseId: string;
  /** The pauses (idempotency keys of `pause_warehouse_intake` tasks) holding it; paused while any does. */
  readonly activePauses: number;
}

/**
 * Port: the intake state of warehouses, kept beside the fulfillment network so that a reroute reads it with the
 * warehouses' profiles. Each pause is recorded by its key, so two incidents pausing one warehouse each lift only
 * their own pause.
 */
export interface IntakeStore {
  /**
   * Adds the pause `pauseKey`, unless a resume of that key already ran (its tombstone): then returns
   * `cancelled` and changes nothing. Adding a pause twice counts it once.
   */
  pause(
    warehouseId: string,
    pauseKey: string,
    at: string,
  ): Promise<IntakeState | { readonly cancelled: true }>;
  /** Lifts the pause `pauseKey` (if it was applied) and leaves its tombstone, so a late pause never applies. */
  resume(warehouseId: string, pauseKey: string, at: string): Promise<IntakeState>;
}

/**
 * `pause_warehouse_intake`: while paused, no reroute or rebalance chooses the warehouse as a destination.
 * Throws `CommandCancelled` when its compensation already ran.
 */
export async function pauseIntake(
  command: { readonly warehouseId: string; readonly idempotencyKey: string; readonly at: string },
  store: IntakeStore,
): Promise<IntakeState> {
  const state = await store.pause(command.warehouseId, command.idempotencyKey, command.at);
  if ('cancelled' in state) throw new CommandCancelled('pause_warehouse_intake', command.idempotencyKey);
  return state;
}

/**
 * `resume_warehouse_intake` (the compensation of a pause): lifts that pause only; the intake opens when no
 * other pause holds it. A no-op, apart from its tombstone, when the pause never applied.
 */
export async function resumeIntake(
  command: { readonly warehouseId: string; readonly pauseIdempotencyKey: string; readonly at: string },
  store: IntakeStore,
): Promise<IntakeState & { readonly intake: 'open' | 'paused' }> {
  const state = await store.resume(command.warehouseId, command.pauseIdempotencyKey, command.at);
  return { ...state, intake: state.activePauses > 0 ? 'paused' : 'open' };
}
