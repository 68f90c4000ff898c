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

/**
 * One block of a model conversation as the decision trace keeps it: the model's own content blocks, normalised
 * across providers. A tool call names its tool in `tool` (not `name`, which the PII redactor treats as a
 * person's name and would blank).
 */
export type ExchangeBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly tool: string; readonly input: unknown }
  | {
      readonly type: 'tool_result';
      readonly id: string;
      readonly status: 'success' | 'error';
      readonly text: string;
    };

export interface ExchangeMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ExchangeBlock[];
}

/** What one model call sent and what the model answered, verbatim: the raw material of a decision trace. */
export interface ModelExchange {
  /** The system prompt. */
  readonly system: string;
  /** The conversation sent (the incident prompt; on a retry, the rejected answer and the correction). */
  readonly messages: readonly ExchangeMessage[];
  /** The names of the tools offered (their schemas come from the task catalog). */
  readonly tools: readonly string[];
  /** The model's answer, block by block, before any validation. */
  readonly output: readonly ExchangeBlock[];
  /** Why the model stopped (`tool_use`, `end_turn`, `max_tokens`, `guardrail_intervened`…), as it said. */
  readonly stopReason?: string;
  /** The model's latency as the service reported it. */
  readonly latencyMs?: number;
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
  /** What the call cost in micro-dollars, as the inference firewall charged it to the agent's budget. */
  readonly costMicroUsd?: number;
  /** The prompt sent and the raw answer, when a model answered (the decision trace records them). */
  readonly exchange?: ModelExchange;
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
