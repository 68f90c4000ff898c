import * as path from 'node:path';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProactiveAgentsStack } from '../../lib/proactive-agents-stack';

export const repoRoot = path.resolve(__dirname, '..', '..');

type SynthesizedStack = { app: App; stack: ProactiveAgentsStack; template: Template };
let synthesized: SynthesizedStack | undefined;

/**
 * The stack as `cdk synth` builds it, without bundling (construct tests assert resources, not bundles). Built once
 * per test file (a synth takes seconds); tests only read it.
 */
export function synthStack(): SynthesizedStack {
  if (synthesized) return synthesized;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ProactiveAgentsStack(app, 'ProactiveAgentsTest', {
    archiveRetention: Duration.days(7),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  synthesized = { app, stack, template: Template.fromStack(stack) };
  return synthesized;
}

/** The stack id the fixture's names are rendered with (CloudFormation assigns one per deployment). */
const FIXTURE_STACK_ID =
  'arn:aws:cloudformation:eu-west-1:123456789012:stack/ProactiveAgentsTest/1f2e3d4c-5b6a-4789-8abc-def012345678';

/**
 * A template value as CloudFormation would resolve it in the fixture's account: pseudo parameters, `Fn::Join`,
 * `Fn::Select`, `Fn::Split`, `Fn::Sub` (of a string); a `Ref` to a resource stays `<LogicalId>`, a `Fn::GetAtt` `<LogicalId.Attribute>`.
 * JSON strings that come out are parsed, so policies compare as objects.
 */
export function rendered(value: unknown): unknown {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': '123456789012',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'ProactiveAgentsTest',
    'AWS::StackId': FIXTURE_STACK_ID,
  };
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref') return pseudo[arg as string] ?? `<${String(arg)}>`;
      if (fn === 'Fn::GetAtt') return `<${[arg].flat().join('.')}>`;
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return (resolve(parts) as unknown[]).join(separator);
      }
      if (fn === 'Fn::Split') {
        const [separator, source] = arg as [string, unknown];
        return String(resolve(source)).split(separator);
      }
      if (fn === 'Fn::Sub' && typeof arg === 'string') {
        return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? `<${name}>`);
      }
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [number | string, unknown];
        return (resolve(list) as unknown[])[Number(index)];
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, resolve(item)]));
  };
  const parseJson = (node: unknown): unknown => {
    if (typeof node === 'string' && /^[[{]/.test(node)) {
      try {
        return JSON.parse(node) as unknown;
      } catch {
        return node;
      }
    }
    if (Array.isArray(node)) return node.map(parseJson);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, parseJson(item)]));
    }
    return node;
  };
  return parseJson(resolve(value));
}
