import type { PendingTaskToken } from './stepfunctions/task-tokens';

/** `SandboxOptions.holdForApprovals`: let a person answer a callback task before virtual time runs past it. */
export interface ApprovalHoldOptions {
  /** The states whose pending task tokens are a person's to answer (e.g. the saga's `RequestApproval`). */
  readonly stateNames: readonly string[];
  /** Real seconds to wait for each one before the virtual clock moves on (and its timeout fires as usual). */
  readonly realSeconds: number;
  /** Called once per pending token, when the hold starts waiting for it (e.g. to print how to answer it). */
  readonly onPending?: (pending: PendingTaskToken) => void;
  /** Called once per token the hold gave up on after `realSeconds`. */
  readonly onLapsed?: (pending: PendingTaskToken) => void;
  /** How often to look for an answer. @default 200 */
  readonly pollMs?: number;
}

/**
 * The virtual clock jumps straight to the next timer when nothing else happens, so an approval would time out
 * the moment it is asked. Before the sandbox moves its clock, the hold waits in real time while such a token
 * is pending: until it is answered (SendTaskSuccess / SendTaskFailure through the sandbox's endpoint), or for
 * `realSeconds` — after which that token no longer holds the clock and its tier times out in virtual time.
 */
export class ApprovalHold {
  /** Tokens seen, with the real time the hold started waiting for each; lapsed ones no longer hold. */
  private readonly waiting = new Map<string, { since: number; lapsed: boolean }>();

  constructor(
    private readonly options: ApprovalHoldOptions,
    private readonly pendingTokens: () => readonly PendingTaskToken[],
  ) {
    if (!Number.isFinite(options.realSeconds) || options.realSeconds < 0) {
      throw new Error(
        `holdForApprovals.realSeconds must be a number of seconds >= 0, got ${options.realSeconds}`,
      );
    }
  }

  /**
   * Waits while a token the hold is for is pending and has not lapsed. Resolves true when one was answered (the
   * caller settles and looks at its timers again: the answer set work off), false when nothing holds the clock.
   */
  async wait(settle: () => Promise<void>): Promise<boolean> {
    let answered = false;
    for (;;) {
      const holding = this.holding();
      if (holding.length === 0) {
        if (answered) await settle();
        return answered;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 200));
      const still = new Set(this.pendingTokens().map((p) => p.token));
      if (holding.some((p) => !still.has(p.token))) answered = true;
      // An answer arrives over the endpoint, which the settle loop tracks: let its work finish before looking again.
      await settle();
    }
  }

  /** The pending tokens that hold the clock now; announces new ones and gives up on those past `realSeconds`. */
  private holding(): PendingTaskToken[] {
    const now = Date.now();
    const pending = this.pendingTokens().filter((p) => this.options.stateNames.includes(p.stateName));
    const held: PendingTaskToken[] = [];
    for (const p of pending) {
      let entry = this.waiting.get(p.token);
      if (entry === undefined) {
        entry = { since: now, lapsed: false };
        this.waiting.set(p.token, entry);
        this.options.onPending?.(p);
      }
      if (entry.lapsed) continue;
      if (now - entry.since >= this.options.realSeconds * 1000) {
        entry.lapsed = true;
        this.options.onLapsed?.(p);
        continue;
      }
      held.push(p);
    }
    const live = new Set(pending.map((p) => p.token));
    for (const token of this.waiting.keys()) if (!live.has(token)) this.waiting.delete(token);
    return held;
  }
}
