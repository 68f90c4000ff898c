import * as path from 'node:path';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProactiveAgentsStack } from '../../lib/proactive-agents-stack';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The stack as `cdk synth` builds it, without bundling (construct tests assert resources, not bundles). */
export function synthStack(): { app: App; stack: ProactiveAgentsStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ProactiveAgentsStack(app, 'ProactiveAgentsTest', {
    archiveRetention: Duration.days(7),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}
