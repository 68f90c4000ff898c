import type { OrderCancellationSpike, RemediationPlan } from '../contracts/platform';
import type { Embedder } from '../memory/embedder';
import { boundRecord } from '../memory/bounded-record';
import {
  reasoningRecord,
  TRACE_KINDS,
  TRACE_RECORD_MAX_BYTES,
  type ReasoningAttempt,
} from '../memory/decision-trace';
import type { EpisodicStore } from '../memory/episodic';
import {
  incidentEntity,
  incidentFeatures,
  type IncidentContext,
  type IncidentFeatures,
} from '../memory/incident-features';
import { taskSignature, type ProceduralStore, type TemplateMatch } from '../memory/procedural';
import type { DraftPlan, Reasoner, ReasoningRequest } from '../memory/reasoner';
import type { SemanticHit, SemanticIndex } from '../memory/semantic-index';
import { ReasonerUnavailable, type Escalation, type EscalationReason } from './errors';
import {
  concentrationEvidence,
  fulfillmentEvidence,
  outcomeEvidence,
  similarIncidentEvidence,
  spikeEvidence,
} from './evidence';
import { catalogTools, validateDraft } from './task-catalog';
import { instantiate } from './templates';
import { planOf, ruleDraft } from './plan';

/** The memory and reasoning the planner uses, as ports (wired once, in the handler). */
export interface PlannerPorts {
  readonly embedder: Embedder;
  readonly semantic: SemanticIndex;
  readonly episodic: EpisodicStore;
  readonly procedural: ProceduralStore;
  readonly reasoner: Reasoner;
}

export interface PlannerConfig {
  /** Cosine similarity of incident embeddings at or above which a procedural template is reused. */
  readonly templateThreshold: number;
  /** Templates scoring below this (smoothed success rate) are not reused, however similar. @default 0.5 */
  readonly minTemplateScore?: number;
  /** How many similar incidents and fulfillment records to retrieve. @default 5 */
  readonly similarIncidents?: number;
  /** Memories below this cosine similarity are not evidence. @default 0.5 */
  readonly evidenceMinScore?: number;
  /** How far back episodic outcome history is read. @default 30 */
  readonly historyDays?: number;
}

export interface PlanningInput {
  readonly spike: OrderCancellationSpike;
  readonly context?: IncidentContext;
  /** The saga execution, kept with the decision in episodic memory. */
  readonly executionId?: string;
}

export type PlanningResult =
  | { readonly status: 'planned'; readonly plan: RemediationPlan }
  | { readonly status: 'escalated'; readonly escalation: Escalation };

const DAY_MS = 86_400_000;

/** A draft as the planner keeps it beside its verdict: without the exchange, which its reasoning record holds. */
const withoutExchange = ({ exchange: _exchange, ...draft }: DraftPlan): DraftPlan => draft;

interface Recall {
  readonly features: IncidentFeatures;
  readonly evidence: string[];
  readonly templates: readonly TemplateMatch[];
}

/**
 * The planning use case (reference scenario, step 4): embed the incident; recall similar incidents and
 * fulfillment history (semantic), the entity's outcomes (episodic) and templates (procedural); reuse a template
 * similar enough, else ask the reasoner — validated against the task catalog, retried once with the validation
 * error, then escalated. Every plan names its evidence; the decision is written to episodic memory.
 */
export class RemediationPlanner {
  private readonly minTemplateScore: number;
  private readonly similarIncidents: number;
  private readonly evidenceMinScore: number;
  private readonly historyDays: number;

  constructor(
    private readonly ports: PlannerPorts,
    private readonly config: PlannerConfig,
  ) {
    if (!(config.templateThreshold > 0 && config.templateThreshold <= 1)) {
      throw new RangeError(`templateThreshold must be in (0, 1], got ${config.templateThreshold}`);
    }
    this.minTemplateScore = config.minTemplateScore ?? 0.5;
    this.similarIncidents = config.similarIncidents ?? 5;
    this.evidenceMinScore = config.evidenceMinScore ?? 0.5;
    this.historyDays = config.historyDays ?? 30;
  }

  async plan(input: PlanningInput): Promise<PlanningResult> {
    const { spike } = input;
    const recall = await this.recall(spike, input.context);
    const fromTemplate = this.planFromTemplate(spike, recall);
    // Each model call, for the decision trace: what was sent, what came back, what validation said.
    const reasoning: ReasoningAttempt[] = [];
    const result = fromTemplate ?? (await this.planWithReasoner(spike, recall, reasoning));
    await this.remember(spike, result, input.executionId, reasoning);
    return result;
  }

  private async recall(spike: OrderCancellationSpike, context: IncidentContext | undefined): Promise<Recall> {
    const { embedder, semantic, episodic, procedural } = this.ports;
    const features = incidentFeatures(spike, context);
    const [vector] = await embedder.embed([features]);
    if (!vector) throw new RangeError('the embedder returned no vector for the incident');
    const entity = incidentEntity(spike);
    const to = spike.window.end;
    const from = new Date(Date.parse(to) - this.historyDays * DAY_MS).toISOString();
    const query = { k: this.similarIncidents, minScore: this.evidenceMinScore };
    const notThisIncident = (hit: SemanticHit): boolean => hit.metadata.correlationId !== spike.correlationId;
    const [incidents, fulfillments, history, templates] = await Promise.all([
      semantic.search(vector, { ...query, kind: 'incident' }),
      semantic.search(vector, { ...query, kind: 'fulfillment' }),
      episodic.history(entity, from, to),
      procedural.findSimilar(vector, this.config.templateThreshold, {
        family: features.family,
        embeddingModel: embedder.model,
      }),
    ]);
    const similar = incidents.filter(notThisIncident);
    return {
      features,
      templates,
      evidence: [
        ...spikeEvidence(spike),
        concentrationEvidence(spike, similar),
        similarIncidentEvidence(similar, this.evidenceMinScore),
        fulfillmentEvidence(fulfillments.filter(notThisIncident)),
        outcomeEvidence(entity, history, this.historyDays),
      ],
    };
  }

  /** The most similar template that scores well enough and still fits the catalog, as a plan. */
  private planFromTemplate(spike: OrderCancellationSpike, recall: Recall): PlanningResult | undefined {
    const threshold = this.config.templateThreshold.toFixed(2);
    if (recall.templates.length === 0) {
      recall.evidence.push(
        `no procedural template for ${recall.features.family} at cosine ≥ ${threshold} (procedural memory)`,
      );
      return undefined;
    }
    for (const { template, similarity } of recall.templates) {
      const record = `${template.successCount} succeeded, ${template.failureCount} compensated, score ${template.score.toFixed(2)}`;
      if (template.score < this.minTemplateScore) {
        recall.evidence.push(
          `procedural template ${template.templateId} matches at cosine ${similarity.toFixed(2)} but scores below ${this.minTemplateScore.toFixed(2)} (${record})`,
        );
        continue;
      }
      const validation = validateDraft(instantiate(template, spike), spike);
      if (!validation.ok) {
        recall.evidence.push(
          `procedural template ${template.templateId} no longer fits the task catalog: ${validation.error}`,
        );
        continue;
      }
      recall.evidence.push(
        `reused procedural template ${template.templateId} (${taskSignature(template.tasks)}; ${record}) at cosine ${similarity.toFixed(2)} ≥ ${threshold}`,
      );
      return {
        status: 'planned',
        plan: planOf(spike, validation.tasks, recall.evidence, 'template', template.templateId),
      };
    }
    return undefined;
  }

  private async planWithReasoner(
    spike: OrderCancellationSpike,
    recall: Recall,
    reasoning: ReasoningAttempt[],
  ): Promise<PlanningResult> {
    const request: ReasoningRequest = {
      incident: spike,
      description: recall.features.text,
      evidence: [...recall.evidence],
      catalog: catalogTools,
    };
    const attempts: { draft: DraftPlan; error?: string }[] = [];
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const previous = attempts[attempts.length - 1];
      let draft: DraftPlan;
      try {
        draft = await this.ports.reasoner.propose(
          previous?.error === undefined
            ? request
            : { ...request, rejected: { draft: previous.draft, error: previous.error } },
        );
      } catch (error) {
        if (!(error instanceof ReasonerUnavailable)) throw error;
        reasoning.push({ attempt, outcome: 'unavailable', error: error.message });
        return this.planByRule(spike, recall, error.message, attempts);
      }
      if (draft.escalation !== undefined) {
        reasoning.push({ attempt, outcome: 'declined', draft });
        attempts.push({ draft: withoutExchange(draft) });
        return this.escalate(spike, recall, 'reasoner_declined', draft.escalation, attempts);
      }
      const validation = validateDraft(draft, spike);
      if (!validation.ok) {
        reasoning.push({ attempt, outcome: 'rejected', draft, error: validation.error });
        attempts.push({ draft: withoutExchange(draft), error: validation.error });
        continue;
      }
      reasoning.push({ attempt, outcome: 'accepted', draft });
      attempts.push({ draft: withoutExchange(draft) });
      const evidence = [...recall.evidence];
      if (previous?.error !== undefined) {
        evidence.push(
          `the reasoner's first plan was rejected (${previous.error}); its corrected plan passed validation`,
        );
      }
      if (draft.rationale !== undefined && draft.rationale !== '') {
        evidence.push(`reasoner: ${draft.rationale.slice(0, 500)}`);
      }
      return { status: 'planned', plan: planOf(spike, validation.tasks, evidence, 'reasoner') };
    }
    const last = attempts[attempts.length - 1];
    return this.escalate(
      spike,
      recall,
      'reasoner_output_invalid',
      `the reasoner's plan failed validation twice; last error: ${last?.error ?? 'unknown'}`,
      attempts,
    );
  }

  /**
   * The reasoner cannot answer (throttled, retired, not enabled): the incident is not failed for that. The rule
   * planner answers it — the plan says why in its evidence — and escalates only when the rule has no plan.
   */
  private planByRule(
    spike: OrderCancellationSpike,
    recall: Recall,
    unavailable: string,
    attempts: readonly { draft: DraftPlan; error?: string }[],
  ): PlanningResult {
    const draft = ruleDraft(spike);
    const validation = draft.escalation === undefined ? validateDraft(draft, spike) : undefined;
    if (!validation?.ok) {
      const why = draft.escalation ?? (validation?.ok === false ? validation.error : 'no rule applies');
      return this.escalate(
        spike,
        recall,
        'reasoner_unavailable',
        `${unavailable}; the rule planner has no plan either: ${why}`,
        attempts,
      );
    }
    const evidence = [
      ...recall.evidence,
      `reasoner unavailable (${unavailable}): planned by the rule instead`,
      ...(draft.rationale === undefined ? [] : [`rule: ${draft.rationale}`]),
    ];
    return { status: 'planned', plan: planOf(spike, validation.tasks, evidence, 'rule') };
  }

  private escalate(
    spike: OrderCancellationSpike,
    recall: Recall,
    reason: EscalationReason,
    message: string,
    attempts: readonly { draft: DraftPlan; error?: string }[],
  ): PlanningResult {
    return {
      status: 'escalated',
      escalation: {
        correlationId: spike.correlationId,
        entity: incidentEntity(spike),
        reason,
        message,
        evidence: recall.evidence,
        attempts,
      },
    };
  }

  /**
   * The decision, in episodic memory, at the incident's business time: one `reasoning` record per model call
   * (the decision trace), then the plan with its validated tasks, or the escalation.
   */
  private async remember(
    spike: OrderCancellationSpike,
    result: PlanningResult,
    executionId: string | undefined,
    reasoning: readonly ReasoningAttempt[],
  ): Promise<void> {
    const base = {
      entity: incidentEntity(spike),
      time: spike.window.end,
      correlationId: spike.correlationId,
    };
    const execution = executionId === undefined ? {} : { executionId };
    for (const attempt of reasoning) {
      await this.ports.episodic.record(reasoningRecord({ ...base, ...execution }, attempt));
    }
    if (result.status === 'planned') {
      const { plan } = result;
      const data = {
        planId: plan.planId,
        planner: plan.planner,
        ...(plan.templateId === undefined ? {} : { templateId: plan.templateId }),
        summary: plan.summary,
        tasks: plan.tasks.map((task) => task.taskType),
        validatedTasks: plan.tasks.map((task) => ({
          taskId: task.taskId,
          taskType: task.taskType,
          parameters: task.parameters,
          costCents: task.costCents,
          risk: task.risk,
          timeoutSeconds: task.timeoutSeconds,
          ...('compensation' in task ? { compensation: task.compensation.taskType } : { irreversible: true }),
        })),
        evidence: plan.evidence,
        ...execution,
      };
      await this.ports.episodic.record({
        ...base,
        kind: TRACE_KINDS.plan,
        data: boundRecord(data, { maxBytes: TRACE_RECORD_MAX_BYTES }) as Record<string, unknown>,
      });
      return;
    }
    const { escalation } = result;
    await this.ports.episodic.record({
      ...base,
      kind: TRACE_KINDS.planningEscalated,
      data: {
        reason: escalation.reason,
        message: escalation.message,
        attempts: escalation.attempts.length,
        evidence: escalation.evidence,
        ...execution,
      },
    });
  }
}
