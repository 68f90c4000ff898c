import type { OrderCancellationSpike } from '../contracts/platform';
import type { ParameterBinding, ProceduralTemplate, TemplateTask } from '../memory/procedural';
import type { DraftPlan } from '../memory/reasoner';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const contributorIds = (spike: OrderCancellationSpike): string[] =>
  (spike.contributors ?? []).map((contributor) => contributor.warehouseId);

function bindingOf(value: unknown, spike: OrderCancellationSpike): ParameterBinding {
  if (value === spike.scope.id) return { from: 'scope.id' };
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    JSON.stringify((value as unknown[]).map(String).sort()) === JSON.stringify(contributorIds(spike).sort())
  ) {
    return { from: 'contributors' };
  }
  if (typeof value === 'string' && ISO_TIME.test(value) && Number.isFinite(Date.parse(value))) {
    return {
      from: 'window.start',
      offsetSeconds: Math.round((Date.parse(value) - Date.parse(spike.window.start)) / 1000),
    };
  }
  return { from: 'literal', value };
}

/**
 * Generalises a plan's tasks into a template: a parameter equal to the incident's scope id becomes
 * `scope.id`, a region incident's contributors become `contributors`, a time becomes an offset from the
 * incident window's start, anything else stays literal.
 *
 * @example
 * // spike at WH-NYC, window starting 10:35
 * parameterise([{ taskType: 'reroute_orders', parameters: { fromWarehouseId: 'WH-NYC', since: '…T08:35:00Z' } }], spike)
 * // [{ taskType: 'reroute_orders', parameters: { fromWarehouseId: { from: 'scope.id' },
 * //                                              since: { from: 'window.start', offsetSeconds: -7200 } } }]
 */
export function parameterise(
  tasks: readonly { readonly taskType: string; readonly parameters: Readonly<Record<string, unknown>> }[],
  spike: OrderCancellationSpike,
): TemplateTask[] {
  return tasks.map((task) => ({
    taskType: task.taskType,
    parameters: Object.fromEntries(
      Object.entries(task.parameters).map(([name, value]) => [name, bindingOf(value, spike)]),
    ),
  }));
}

function bind(binding: ParameterBinding, spike: OrderCancellationSpike): unknown {
  switch (binding.from) {
    case 'literal':
      return binding.value;
    case 'scope.id':
      return spike.scope.id;
    case 'contributors':
      return contributorIds(spike);
    case 'window.start':
      return new Date(Date.parse(spike.window.start) + binding.offsetSeconds * 1000).toISOString();
    case 'window.end':
      return new Date(Date.parse(spike.window.end) + binding.offsetSeconds * 1000).toISOString();
  }
}

/** The template's tasks bound to a new incident, as a draft to validate like any other. */
export function instantiate(template: ProceduralTemplate, spike: OrderCancellationSpike): DraftPlan {
  return {
    tasks: template.tasks.map((task) => ({
      taskType: task.taskType,
      parameters: Object.fromEntries(
        Object.entries(task.parameters).map(([name, binding]) => [name, bind(binding, spike)]),
      ),
    })),
    rationale: `procedural template ${template.templateId}`,
  };
}
