/**
 * How a template parameter gets its value from a new incident. Learning turns a plan's concrete parameters
 * into bindings (the affected warehouse becomes `scope.id`, a time becomes an offset from the window), so a
 * template fits the next incident of its family.
 */
export type ParameterBinding =
  | { readonly from: 'literal'; readonly value: unknown }
  | { readonly from: 'scope.id' }
  /** The warehouses a region incident names as contributors, largest excess first. */
  | { readonly from: 'contributors' }
  | { readonly from: 'window.start'; readonly offsetSeconds: number }
  | { readonly from: 'window.end'; readonly offsetSeconds: number };

export interface TemplateTask {
  readonly taskType: string;
  readonly parameters: Readonly<Record<string, ParameterBinding>>;
}

/** Outcomes a template learns from: the remediation succeeded, or failed and was compensated. */
export type TemplateOutcome = 'succeeded' | 'compensated';

/** A parameterised remediation that worked before, with its record. */
export interface ProceduralTemplate {
  /** `<family>@<correlation id of the incident it was learnt from>`; see `templateIdFor`. */
  readonly templateId: string;
  /** The incident family it applies to, e.g. `order_cancellation_spike/warehouse`. */
  readonly family: string;
  /** The first task's type: what the template mainly does. */
  readonly taskType: string;
  readonly tasks: readonly TemplateTask[];
  readonly successCount: number;
  readonly failureCount: number;
  /** `templateScore(successCount, failureCount)`. */
  readonly score: number;
  /** Embedding of the incident it was learnt from. */
  readonly embedding: readonly number[];
  /** The vector space of `embedding` (`Embedder.model`). */
  readonly embeddingModel: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
}

export interface TemplateMatch {
  readonly template: ProceduralTemplate;
  /** Cosine similarity of the template's incident embedding to the query. */
  readonly similarity: number;
}

export interface TemplateScope {
  readonly family: string;
  /** Only templates embedded in this vector space are comparable. */
  readonly embeddingModel: string;
}

/** A template learnt from a successful plan; it starts with that one success. */
export interface NewTemplate {
  readonly family: string;
  readonly tasks: readonly TemplateTask[];
  readonly embedding: readonly number[];
  readonly embeddingModel: string;
  /** The incident the plan remediated: names the template and keys its first outcome. */
  readonly sourceCorrelationId: string;
  /** When the success was observed (ISO 8601). */
  readonly time: string;
}

export interface OutcomeRecord {
  /** Identifies the outcome (the incident's correlation id), so a redelivered outcome counts once. */
  readonly outcomeKey: string;
  /** When it was observed (ISO 8601). */
  readonly time: string;
}

/** Port: procedural memory. */
export interface ProceduralStore {
  /** Templates of the family whose embedding has cosine ≥ `threshold` to `vector`, most similar first. */
  findSimilar(vector: readonly number[], threshold: number, scope: TemplateScope): Promise<TemplateMatch[]>;
  /**
   * Counts an outcome of a template once per `outcomeKey`: `duplicate` when that key was already counted.
   * Throws `TemplateNotFound` for an unknown template.
   */
  recordOutcome(
    templateId: string,
    outcome: TemplateOutcome,
    record: OutcomeRecord,
  ): Promise<'applied' | 'duplicate'>;
  /** Creates the template learnt from a plan; writing the same one again returns the stored template. */
  upsertFromPlan(template: NewTemplate): Promise<ProceduralTemplate>;
}

/**
 * Laplace-smoothed success rate: a new template (1 success) scores 0.67, two compensations bring it to 0.4.
 * Smoothing keeps one lucky or unlucky outcome from deciding.
 */
export function templateScore(successCount: number, failureCount: number): number {
  return (successCount + 1) / (successCount + failureCount + 2);
}

const FAMILY = /^[a-z0-9_./-]+$/;

/** The id of the template learnt from incident `correlationId`; it names its family, so stores can find it. */
export function templateIdFor(family: string, correlationId: string): string {
  if (!FAMILY.test(family)) {
    throw new RangeError(`template family must match ${String(FAMILY)}, got "${family}"`);
  }
  return `${family}@${correlationId}`;
}

/** The family named in a template id (see `templateIdFor`). */
export function familyOfTemplate(templateId: string): string {
  const at = templateId.indexOf('@');
  if (at <= 0) throw new RangeError(`not a template id: "${templateId}"`);
  return templateId.slice(0, at);
}

/** `reroute_orders>notify_operator`: templates reinforce only plans of the same shape. */
export function taskSignature(tasks: readonly { readonly taskType: string }[]): string {
  return tasks.map((task) => task.taskType).join('>');
}
