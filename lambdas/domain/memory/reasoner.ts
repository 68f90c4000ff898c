import type { OrderCancellationSpike } from '../contracts/platform';

/** A task of the catalog as the reasoner sees it: a tool with a JSON Schema for its parameters. */
export interface CatalogTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema (generated from the task's zod schema). */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** A task the reasoner proposes; unvalidated until the planner checks it against the catalog. */
export interface DraftTask {
  readonly taskType: string;
  readonly parameters: unknown;
  /** The model's id of the tool call, to answer it when the draft is sent back with an error. */
  readonly callId?: string;
}

export interface DraftPlan {
  /** In execution order. */
  readonly tasks: readonly DraftTask[];
  /** The reasoner's explanation, if it gave one. */
  readonly rationale?: string;
  /** Set when the reasoner finds no task that fits and asks for a human instead. */
  readonly escalation?: string;
  /** What the model call used, when a model answered (the budget ledger charges it). */
  readonly usage?: { readonly modelId: string; readonly inputTokens: number; readonly outputTokens: number };
}

export interface ReasoningRequest {
  readonly incident: OrderCancellationSpike;
  /** The incident in words (the same paragraph that was embedded). */
  readonly description: string;
  /** What memory says: the planner's evidence lines so far. */
  readonly evidence: readonly string[];
  readonly catalog: readonly CatalogTool[];
  /** On the retry: the draft that failed validation and why. */
  readonly rejected?: { readonly draft: DraftPlan; readonly error: string };
}

/** Port: writes a plan when no procedural template is similar enough. */
export interface Reasoner {
  propose(request: ReasoningRequest): Promise<DraftPlan>;
}
