import type { OrderCancellationSpike, RemediationPlan } from '../contracts/platform';
import type { Embedder } from '../memory/embedder';
import type { EpisodicStore } from '../memory/episodic';
import { TemplateNotFound } from '../memory/errors';
import {
  incidentEntity,
  incidentFeatures,
  type IncidentContext,
  type IncidentFeatures,
} from '../memory/incident-features';
import { taskSignature, type ProceduralStore, type TemplateOutcome } from '../memory/procedural';
import type { SemanticDocument, SemanticIndex } from '../memory/semantic-index';
import { parameterise } from './templates';

export interface LearningPorts {
  readonly embedder: Embedder;
  /** Where the outcome is remembered for the entity (planning reads it back as evidence). */
  readonly episodic: EpisodicStore;
  readonly semantic: SemanticIndex;
  readonly procedural: ProceduralStore;
}

export interface LearningConfig {
  /** Same threshold as planning: a plan reinforces a template it would have reused. */
  readonly templateThreshold: number;
}

/** What the fulfillment agent reported for the reroute (from `reroute_complete`). */
export interface FulfillmentFacts {
  readonly fromWarehouseId: string;
  readonly reroutedCount: number;
  /** Integer cents. */
  readonly totalCost: number;
  readonly toWarehouses: readonly string[];
  readonly unassignedCount: number;
}

export interface OutcomeReport {
  readonly spike: OrderCancellationSpike;
  readonly context?: IncidentContext;
  readonly plan: RemediationPlan;
  readonly outcome: TemplateOutcome;
  /** When the outcome was observed (ISO 8601). */
  readonly time: string;
  readonly fulfillment?: FulfillmentFacts;
  /** Why a compensated remediation failed (the saga's error name and cause). */
  readonly failure?: { readonly error?: string; readonly cause?: string };
}

export type TemplateLearning =
  | { readonly action: 'created'; readonly templateId: string }
  | { readonly action: 'reinforced' | 'weakened'; readonly templateId: string; readonly duplicate: boolean }
  | { readonly action: 'unchanged' };

export interface LearningResult {
  readonly template: TemplateLearning;
  /** Ids of the semantic documents written. */
  readonly indexed: readonly string[];
}

/**
 * Learning (reference scenario, step 7): a successful remediation becomes a procedural template or reinforces
 * the one it used (or would have used); a compensated one lowers that template's score. The incident, its plan
 * and outcome — and what fulfillment did — go to semantic memory as evidence for the next plan. Safe to repeat:
 * outcomes count once per incident, documents are keyed by incident.
 */
export class OutcomeLearner {
  constructor(
    private readonly ports: LearningPorts,
    private readonly config: LearningConfig,
  ) {}

  async learn(report: OutcomeReport): Promise<LearningResult> {
    await this.rememberOutcome(report);
    const features = incidentFeatures(report.spike, report.context);
    const [vector] = await this.ports.embedder.embed([features]);
    if (!vector) throw new RangeError('the embedder returned no vector for the incident');
    const template = await this.learnTemplate(report, features, vector);
    const documents = this.documents(report, features, vector);
    await this.ports.semantic.upsert(documents);
    return { template, indexed: documents.map((document) => document.id) };
  }

  /** The outcome in episodic memory, keyed by entity and time: a retried Learn writes the same record. */
  private async rememberOutcome(report: OutcomeReport): Promise<void> {
    const { spike, plan, outcome, time, fulfillment, failure } = report;
    await this.ports.episodic.record({
      entity: incidentEntity(spike),
      time,
      kind: 'remediation_outcome',
      correlationId: spike.correlationId,
      data: {
        outcome,
        planId: plan.planId,
        planner: plan.planner,
        tasks: taskSignature(plan.tasks),
        ...(fulfillment === undefined ? {} : { fulfillment }),
        ...(failure === undefined ? {} : { failure }),
      },
    });
  }

  private async learnTemplate(
    report: OutcomeReport,
    features: IncidentFeatures,
    vector: readonly number[],
  ): Promise<TemplateLearning> {
    const { procedural, embedder } = this.ports;
    const { plan, outcome, spike } = report;
    const credited = plan.templateId ?? (await this.similarTemplateOfSameShape(plan, features, vector));
    const record = { outcomeKey: spike.correlationId, time: report.time };
    if (credited !== undefined) {
      try {
        const applied = await procedural.recordOutcome(credited, outcome, record);
        return {
          action: outcome === 'succeeded' ? 'reinforced' : 'weakened',
          templateId: credited,
          duplicate: applied === 'duplicate',
        };
      } catch (error) {
        // A template removed since planning: a success starts a new one, a failure has nothing to lower.
        if (!(error instanceof TemplateNotFound)) throw error;
      }
    }
    if (outcome !== 'succeeded') return { action: 'unchanged' };
    const created = await procedural.upsertFromPlan({
      family: features.family,
      tasks: parameterise(plan.tasks, spike),
      embedding: vector,
      embeddingModel: embedder.model,
      sourceCorrelationId: spike.correlationId,
      time: report.time,
    });
    return { action: 'created', templateId: created.templateId };
  }

  /** The most similar template with the plan's task shape, for plans that did not come from a template. */
  private async similarTemplateOfSameShape(
    plan: RemediationPlan,
    features: IncidentFeatures,
    vector: readonly number[],
  ): Promise<string | undefined> {
    const matches = await this.ports.procedural.findSimilar(vector, this.config.templateThreshold, {
      family: features.family,
      embeddingModel: this.ports.embedder.model,
    });
    const shape = taskSignature(plan.tasks);
    return matches.find((match) => taskSignature(match.template.tasks) === shape)?.template.templateId;
  }

  private documents(
    report: OutcomeReport,
    features: IncidentFeatures,
    vector: readonly number[],
  ): SemanticDocument[] {
    const { spike, plan, outcome, time, fulfillment } = report;
    const taskTypes = taskSignature(plan.tasks);
    const incident: SemanticDocument = {
      id: `incident#${spike.correlationId}`,
      kind: 'incident',
      vector,
      text: `${features.text} Remediated by ${taskTypes} (${plan.planner} plan): ${outcome}.`,
      metadata: {
        correlationId: spike.correlationId,
        entity: incidentEntity(spike),
        scopeType: spike.scope.type,
        scopeId: spike.scope.id,
        region: report.context?.region ?? null,
        family: features.family,
        taskTypes,
        planner: plan.planner,
        templateId: plan.templateId ?? null,
        outcome,
        time,
      },
    };
    if (fulfillment === undefined) return [incident];
    const destinations = [...new Set(fulfillment.toWarehouses)].sort();
    return [
      incident,
      {
        id: `fulfillment#${spike.correlationId}`,
        kind: 'fulfillment',
        vector,
        text:
          `Rerouted ${fulfillment.reroutedCount} orders from ${fulfillment.fromWarehouseId} to ` +
          `${destinations.join(', ') || 'no warehouse'} for ${fulfillment.totalCost} cents; ` +
          `${fulfillment.unassignedCount} left unassigned; remediation ${outcome}.`,
        metadata: {
          correlationId: spike.correlationId,
          fromWarehouseId: fulfillment.fromWarehouseId,
          reroutedCount: fulfillment.reroutedCount,
          totalCost: fulfillment.totalCost,
          toWarehouses: destinations.join(','),
          unassignedCount: fulfillment.unassignedCount,
          outcome,
          time,
        },
      },
    ];
  }
}
