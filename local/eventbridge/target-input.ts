/** How a rule target shapes the event it receives: InputPath, Input or InputTransformer (at most one). */
export interface TargetInput {
  readonly input?: string | undefined;
  readonly inputPath?: string | undefined;
  readonly inputTransformer?:
    | {
        readonly inputPathsMap?: Record<string, string> | undefined;
        readonly inputTemplate: string;
      }
    | undefined;
}

class InputTransformError extends Error {
  override readonly name = 'InputTransformError';
}

/** Reads a simple JSONPath (`$`, `$.a.b`, `$.a[0]`, `$['a-b']`) from `value`. */
function readJsonPath(value: unknown, jsonPath: string): unknown {
  if (!jsonPath.startsWith('$'))
    throw new InputTransformError(`invalid JSONPath "${jsonPath}": must start with $`);
  const tokens = jsonPath.slice(1).match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g);
  const consumed = (tokens ?? []).join('');
  if (consumed !== jsonPath.slice(1)) throw new InputTransformError(`unsupported JSONPath "${jsonPath}"`);
  let current = value;
  for (const token of tokens ?? []) {
    if (current === undefined || current === null) return undefined;
    const key = token.startsWith('.')
      ? token.slice(1)
      : token.startsWith('[') && /^\[\d+\]$/.test(token)
        ? Number(token.slice(1, -1))
        : token.slice(2, -2);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** What an input template's predefined variables read besides the event: its rule, and when the bus took it. */
export interface TransformContext {
  readonly ruleName?: string;
  readonly ruleArn?: string;
  /** ISO 8601. */
  readonly ingestionTime?: string;
}

/**
 * The target's input, as EventBridge builds it: the whole event; a constant `Input`; the value at `InputPath`;
 * or `InputTemplate` with `<name>` placeholders filled from `InputPathsMap` (strings inside quotes are
 * inserted raw, JSON values elsewhere as JSON) and the predefined variables
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
 * `<aws.events.rule-arn>`, `<aws.events.rule-name>`, `<aws.events.event.ingestion-time>`, `<aws.events.event>` (the
 * event without its `detail`) and `<aws.events.event.json>` (the whole event).
 */
export function transformInput(target: TargetInput, event: unknown, context: TransformContext = {}): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) return JSON.stringify(readJsonPath(event, target.inputPath) ?? null);
  if (!target.inputTransformer) return JSON.stringify(event);
  const values = new Map<string, unknown>();
  for (const [name, jsonPath] of Object.entries(target.inputTransformer.inputPathsMap ?? {})) {
    values.set(name, readJsonPath(event, jsonPath));
  }
  const withoutDetail =
    typeof event === 'object' && event !== null
      ? Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'detail'))
      : event;
  values.set('aws.events.event', withoutDetail);
  values.set('aws.events.event.json', event);
  values.set('aws.events.rule-name', context.ruleName ?? '');
  values.set('aws.events.rule-arn', context.ruleArn ?? '');
  values.set('aws.events.event.ingestion-time', context.ingestionTime ?? '');
  const template = target.inputTransformer.inputTemplate;
  const json = /^\s*[[{]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template.charAt(i);
    if (json && char === '"' && template[i - 1] !== '\\') inString = !inString;
    const [placeholder, name] = (char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null) ?? [];
    if (placeholder === undefined || name === undefined || !values.has(name)) {
      out += char;
      continue;
    }
    const value = values.get(name);
    if (!json) out += typeof value === 'string' ? value : JSON.stringify(value ?? null);
    else if (inString) {
      // Inside a JSON string: the value's text, escaped so the result stays valid JSON.
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
      out += JSON.stringify(text).slice(1, -1);
    } else out += JSON.stringify(value ?? null);
    i += placeholder.length - 1;
  }
  return out;
}
