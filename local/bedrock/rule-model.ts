import { ruleDraft, type RuleFacts } from '../../lambdas/domain/planning/plan';

/** The tool a model calls when no catalog task fits (the planner offers it beside the catalog). */
const ESCALATE_TOOL = 'escalate_to_operator';

/** A Converse content block the stand-in model answers with. */
export interface ConverseBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
}

const escalation = (toolUseId: string, reason: string): ConverseBlock => ({
  toolUse: { toolUseId, name: ESCALATE_TOOL, input: { reason } },
});

/**
 * The incident's facts from the Converse call's `requestMetadata` (the planner tags each call with them, for
 * invocation logs), or why they are missing. Structured tags, never the prompt's prose.
 */
function ruleFactsOf(metadata: Readonly<Record<string, string>> | undefined): RuleFacts | string {
  const { scopeType, scopeId, windowStart, windowEnd, contributors } = metadata ?? {};
  if (scopeType !== 'warehouse' && scopeType !== 'region') {
    return `the request metadata names no incident scope type (scopeType: ${String(scopeType)})`;
  }
  if (!scopeId) return 'the request metadata names no incident scope (scopeId)';
  if (!windowStart || Number.isNaN(Date.parse(windowStart))) {
    return `the request metadata has no incident window start (windowStart: ${String(windowStart)})`;
  }
  return {
    scope: { type: scopeType, id: scopeId },
    window: { start: windowStart, end: windowEnd ?? windowStart },
    ...(contributors
      ? { contributors: contributors.split(',').map((warehouseId) => ({ warehouseId })) }
      : {}),
  };
}

/**
 * The sandbox's deterministic model: it answers a planning call with the product's own rule (`ruleDraft`, the
 * planner's fallback) over the incident's structured facts — the catalog tools the rule picks, among those the
 * call offers, with the rule's rationale as text — or with the escalation tool when the facts are missing, the
 * rule escalates, or no tool it picks was offered.
 */
export function ruleModelAnswer(
  metadata: Readonly<Record<string, string>> | undefined,
  offeredTools: ReadonlySet<string>,
): ConverseBlock[] {
  const facts = ruleFactsOf(metadata);
  if (typeof facts === 'string') return [escalation('call-1', facts)];
  const draft = ruleDraft(facts);
  const content: ConverseBlock[] = draft.rationale ? [{ text: draft.rationale }] : [];
  draft.tasks.forEach((task, index) => {
    if (offeredTools.has(task.taskType)) {
      content.push({
        toolUse: { toolUseId: `call-${index + 1}`, name: task.taskType, input: task.parameters },
      });
    }
  });
  if (draft.escalation !== undefined || !content.some((block) => block.toolUse)) {
    content.push(escalation('call-escalate', draft.escalation ?? 'no tool fits'));
  }
  return content;
}
