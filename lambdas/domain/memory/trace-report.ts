import { z } from 'zod';
import { policyDecisionV1 } from '../contracts/governance';
import { approvalTraceV1, reasoningTraceV1, TRACE_KINDS, type ReasoningTrace } from './decision-trace';
import type { EpisodicRecord } from './episodic';

/** How much of each prompt and output block the report shows. */
export interface TraceReportOptions {
  /** Characters shown of each prompt block (the system prompt and each message block). @default 400 */
  readonly promptChars?: number;
  /** Characters shown of each output block. @default 2000 */
  readonly outputChars?: number;
}

// How the report reads the records other parts write: tolerant of fields added later.
const planTrace = z.looseObject({
  planId: z.string(),
  planner: z.string(),
  templateId: z.string().optional(),
  summary: z.string().optional(),
  tasks: z.array(z.string()),
  validatedTasks: z
    .array(
      z.looseObject({
        taskId: z.string(),
        taskType: z.string(),
        parameters: z.unknown(),
        costCents: z.number().optional(),
        risk: z.string().optional(),
        timeoutSeconds: z.number().optional(),
        compensation: z.string().optional(),
        irreversible: z.boolean().optional(),
      }),
    )
    .optional(),
  evidence: z.array(z.string()).default([]),
  executionId: z.string().optional(),
});
const escalationTrace = z.looseObject({
  reason: z.string(),
  message: z.string(),
  attempts: z.number().optional(),
  evidence: z.array(z.string()).default([]),
});
const outcomeTrace = z.looseObject({
  outcome: z.string(),
  planId: z.string().optional(),
  tasks: z.string().optional(),
  failure: z.looseObject({ error: z.string().optional(), cause: z.string().optional() }).optional(),
});
const policyDecisionTrace = policyDecisionV1.omit({ schemaVersion: true, correlationId: true });
const approvalTrace = approvalTraceV1.omit({ correlationId: true, time: true });

const when = (time: string): string => time.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');
const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;
const microDollars = (micro: number): string => `$${(micro / 1_000_000).toFixed(6)}`;
const excerpt = (text: string, chars: number): string =>
  text.length <= chars ? text : `${text.slice(0, chars)} …(${text.length - chars} more characters)`;
const indent = (text: string, prefix: string): string[] => text.split('\n').map((line) => `${prefix}${line}`);
const json = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

/** One block of a prompt or an answer, as report lines. */
function blockLines(block: unknown, chars: number, prefix: string): string[] {
  if (typeof block === 'string') return indent(excerpt(block, chars), prefix);
  const b = block as {
    type: string;
    text?: string;
    tool?: string;
    id?: string;
    input?: unknown;
    status?: string;
  };
  if (b.type === 'text') return indent(excerpt(b.text ?? '', chars), prefix);
  if (b.type === 'tool_use')
    return [`${prefix}→ tool call ${b.tool ?? '?'} ${excerpt(json(b.input), chars)}`];
  return indent(
    excerpt(`← tool result (${b.status ?? '?'}) for ${b.id ?? '?'}: ${b.text ?? ''}`, chars),
    prefix,
  );
}

function reasoningLines(record: EpisodicRecord, data: ReasoningTrace, options: Required<TraceReportOptions>) {
  const lines = [`Model call ${data.attempt} — ${when(record.time)} — ${data.outcome}`];
  const facts = [
    data.modelId === undefined ? 'no model answered' : `model ${data.modelId}`,
    ...(data.inputTokens === undefined
      ? []
      : [`tokens ${data.inputTokens} in / ${data.outputTokens ?? 0} out`]),
    data.costMicroUsd === undefined ? 'cost not charged' : `cost ${microDollars(data.costMicroUsd)}`,
    ...(data.latencyMs === undefined ? [] : [`latency ${data.latencyMs} ms`]),
    ...(data.stopReason === undefined ? [] : [`stop ${data.stopReason}`]),
  ];
  lines.push(`  ${facts.join(' · ')}`);
  if (data.prompt) {
    const { system, messages, tools } = data.prompt;
    lines.push(`  prompt (as sent, redacted; tools offered: ${tools.join(', ')})`);
    lines.push('    system:', ...blockLines(system, options.promptChars, '      '));
    for (const message of messages) {
      if (typeof message === 'string') {
        lines.push(...blockLines(message, options.promptChars, '    '));
        continue;
      }
      lines.push(`    ${message.role}:`);
      for (const block of message.content) lines.push(...blockLines(block, options.promptChars, '      '));
    }
  }
  if (data.output) {
    lines.push('  raw output:');
    for (const block of data.output) lines.push(...blockLines(block, options.outputChars, '    '));
  }
  const verdict: Record<ReasoningTrace['outcome'], string> = {
    accepted: 'passed validation against the task catalog',
    rejected: `rejected by validation: ${data.error ?? '?'}`,
    declined: `declined: ${data.draft?.escalation ?? 'no tool fits'}`,
    unavailable: `unavailable: ${data.error ?? '?'}`,
  };
  lines.push(`  verdict: ${verdict[data.outcome]}`);
  return lines;
}

function planLines(record: EpisodicRecord, data: z.infer<typeof planTrace>): string[] {
  const lines = [
    `Plan — ${when(record.time)} — by ${data.planner}${data.templateId ? ` (template ${data.templateId})` : ''}: ${data.planId}`,
  ];
  if (data.summary) lines.push(`  ${data.summary}`);
  if (data.validatedTasks) {
    data.validatedTasks.forEach((task, index) => {
      const terms = [
        ...(task.costCents === undefined ? [] : [`cost ${dollars(task.costCents)}`]),
        ...(task.risk === undefined ? [] : [`risk ${task.risk}`]),
        ...(task.timeoutSeconds === undefined ? [] : [`timeout ${task.timeoutSeconds} s`]),
        task.irreversible ? 'irreversible' : `undone by ${task.compensation ?? '?'}`,
      ];
      lines.push(`  ${index + 1}. ${task.taskType} ${json(task.parameters)} — ${terms.join(', ')}`);
    });
  } else {
    lines.push(`  tasks: ${data.tasks.join(' > ')}`);
  }
  if (data.evidence.length > 0) lines.push('  evidence:', ...data.evidence.map((line) => `    - ${line}`));
  return lines;
}

function policyLines(record: EpisodicRecord, data: z.infer<typeof policyDecisionTrace>): string[] {
  const { context } = data;
  return [
    `${when(record.time)}  ${data.taskId} ${data.action.id} on ${data.resource.type}::"${data.resource.id}" by ${data.principal.id}: ${data.decision.toUpperCase()}${data.decision === data.policyOutcome ? '' : ` (policies said ${data.policyOutcome})`}`,
    `    determined by: ${data.determiningPolicies.join(', ') || '(no policy)'}`,
    ...data.reasons.map((reason) => `    reason: ${reason}`),
    ...data.errors.map((error) => `    policy error: ${error.policyId}: ${error.message}`),
    `    context: cost ${dollars(context.costCents)}, risk ${context.risk}, risk score ${dollars(context.riskScoreCents)}, at stake ${dollars(context.valueAtStakeCents)} (${context.orders} orders), ${context.customerSegment}, ${context.jurisdiction}, autonomy ${context.autonomy}${context.irreversible ? ', irreversible' : ''}`,
    `    latency: ${data.latencyMs.evaluation} ms evaluation, ${data.latencyMs.total} ms total · configuration ${data.configurationVersion} · decision ${data.decisionId}`,
  ];
}

function approvalLines(record: EpisodicRecord, data: z.infer<typeof approvalTrace>): string[] {
  const task = `${data.taskId}${data.taskType ? ` ${data.taskType}` : ''}`;
  const head =
    data.stage === 'requested'
      ? `${when(record.time)}  approval requested for ${task}${data.tier ? ` of tier ${data.tier}` : ''}${data.timeoutSeconds ? ` (waits ${data.timeoutSeconds} s)` : ''}`
      : `${when(record.time)}  approval ${data.outcome ?? 'decided'} for ${task}${data.decidedBy ? ` by ${data.decidedBy}` : ''}${data.tier ? ` (tier ${data.tier})` : ''}`;
  return [head, ...(data.reason ? [`    ${data.reason}`] : [])];
}

/** A record the report cannot read as its kind (written by a newer version, or cut to fit): shown as JSON. */
const unreadable = (record: EpisodicRecord): string[] => [
  `${when(record.time)}  ${record.kind}: ${excerpt(json(record.data), 600)}`,
];

/** In time order; records of one instant (a plan's decisions share the saga's time) in the order of their tasks. */
const byTime = (a: EpisodicRecord, b: EpisodicRecord): number =>
  a.time.localeCompare(b.time) || taskIdOf(a).localeCompare(taskIdOf(b));
const taskIdOf = (record: EpisodicRecord): string => {
  const taskId = (record.data as { taskId?: unknown } | undefined)?.taskId;
  return typeof taskId === 'string' ? taskId : '';
};

/**
 * The decision trace of one incident as a readable report: the plan (or the escalation), every model call with
 * its prompt, model, tokens, cost, raw output and verdict, every policy decision, every approval and the outcome.
 * `records` are the incident's episodic records, in any order.
 */
export function formatDecisionTrace(
  correlationId: string,
  records: readonly EpisodicRecord[],
  options: TraceReportOptions = {},
): string[] {
  const settings = { promptChars: options.promptChars ?? 400, outputChars: options.outputChars ?? 2000 };
  const mine = records.filter((record) => record.correlationId === correlationId);
  const lines = [`Decision trace — ${correlationId}`];
  const [first] = mine;
  if (first === undefined) {
    lines.push('  no records of this incident in episodic memory');
    return lines;
  }
  lines.push(`  ${mine.length} record(s) of ${first.entity} in episodic memory`);
  const ofKind = (kind: string) => mine.filter((record) => record.kind === kind).sort(byTime);
  const section = (title: string, body: string[]) => {
    if (body.length > 0) lines.push('', title, ...body);
  };

  const reasoning = ofKind(TRACE_KINDS.reasoning)
    .map((record) => ({ record, parsed: reasoningTraceV1.safeParse(record.data) }))
    .sort((a, b) => (a.parsed.data?.attempt ?? 0) - (b.parsed.data?.attempt ?? 0));
  const plans = ofKind(TRACE_KINDS.plan).flatMap((record) => {
    const parsed = planTrace.safeParse(record.data);
    return parsed.success ? planLines(record, parsed.data) : unreadable(record);
  });
  const escalations = ofKind(TRACE_KINDS.planningEscalated).flatMap((record) => {
    const parsed = escalationTrace.safeParse(record.data);
    if (!parsed.success) return unreadable(record);
    return [
      `Escalated to an operator — ${when(record.time)} — ${parsed.data.reason}: ${parsed.data.message}`,
      ...parsed.data.evidence.map((line) => `    - ${line}`),
    ];
  });
  if (plans.length > 0) lines.push('', ...plans);
  if (escalations.length > 0) lines.push('', ...escalations);
  if (plans.length === 0 && escalations.length === 0) lines.push('', 'No plan recorded (yet).');
  for (const { record, parsed } of reasoning) {
    lines.push('', ...(parsed.success ? reasoningLines(record, parsed.data, settings) : unreadable(record)));
  }
  if (reasoning.length === 0 && plans.length > 0) lines.push('', 'No model call: the plan needed none.');
  section(
    'Policy decisions',
    ofKind(TRACE_KINDS.policyDecision).flatMap((record) => {
      const parsed = policyDecisionTrace.safeParse(record.data);
      return parsed.success ? policyLines(record, parsed.data) : unreadable(record);
    }),
  );
  section(
    'Approvals',
    ofKind(TRACE_KINDS.approval).flatMap((record) => {
      const parsed = approvalTrace.safeParse(record.data);
      return parsed.success ? approvalLines(record, parsed.data) : unreadable(record);
    }),
  );
  section(
    'Outcome',
    ofKind(TRACE_KINDS.outcome).flatMap((record) => {
      const parsed = outcomeTrace.safeParse(record.data);
      if (!parsed.success) return unreadable(record);
      const { outcome, tasks, failure } = parsed.data;
      return [
        `${when(record.time)}  ${outcome}${tasks ? ` (${tasks})` : ''}${failure ? ` — ${failure.error ?? ''} ${failure.cause ?? ''}`.trimEnd() : ''}`,
      ];
    }),
  );
  const known = new Set<string>(Object.values(TRACE_KINDS));
  section(
    'Other records',
    mine
      .filter((record) => !known.has(record.kind))
      .sort(byTime)
      .flatMap(unreadable),
  );
  return lines;
}
