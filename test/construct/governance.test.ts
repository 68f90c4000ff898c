import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { governanceConfigJsonSchema } from '../../lambdas/domain/governance/governance-config';
import { asEventBusInterface } from '../../lib/cdk-interfaces';
import { Governance } from '../../lib/governance';
import { repoRoot, synthStack } from './stack-fixture';

describe('Governance', () => {
  const { stack, template } = synthStack();
  const { governance } = stack;
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const configFile = path.join(repoRoot, 'config', 'governance.json');

  it('one AppConfig application and environment, named after the stack', () => {
    template.resourceCountIs('AWS::AppConfig::Application', 1);
    template.hasResourceProperties('AWS::AppConfig::Application', {
      Name: 'proactive-agents-test-governance',
    });
    template.hasResourceProperties('AWS::AppConfig::Environment', {
      ApplicationId: { Ref: id(governance.application) },
      Name: 'live',
    });
  });

  it('a freeform profile whose JSON Schema validator is generated from the zod schema', () => {
    const profiles = Object.values(template.findResources('AWS::AppConfig::ConfigurationProfile'));
    expect(profiles).toHaveLength(1);
    const profile = profiles[0]!.Properties as { Validators: { Type: string; Content: string }[] };
    expect(profile).toMatchObject({ Name: 'governance', LocationUri: 'hosted', Type: 'AWS.Freeform' });
    expect(profile.Validators).toHaveLength(1);
    expect(profile.Validators[0]!.Type).toBe('JSON_SCHEMA');
    expect(JSON.parse(profile.Validators[0]!.Content)).toEqual(governanceConfigJsonSchema());
  });

  it('the hosted version is config/governance.json, and names its file for the sandbox', () => {
    const versions = Object.values(template.findResources('AWS::AppConfig::HostedConfigurationVersion'));
    expect(versions).toHaveLength(1);
    expect(versions[0]!.Properties).toMatchObject({
      ContentType: 'application/json',
      Content: readFileSync(configFile, 'utf8'),
    });
    // The key the sandbox's AppConfig reads (test/adapters/governance-configuration.test.ts serves the file).
    const relative = versions[0]!.Metadata['proactive:configuration-file'] as string;
    // Relative to the cloud assembly, as `aws:asset:path` is.
    const app = stack.node.root;
    if (!(app instanceof App)) throw new Error('the stack is not in an App');
    expect(path.resolve(app.outdir, relative)).toBe(configFile);
  });

  it('deployed to the environment with an immediate strategy (all at once, no bake)', () => {
    template.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      GrowthFactor: 100,
      GrowthType: 'LINEAR',
      DeploymentDurationInMinutes: 0,
      FinalBakeTimeInMinutes: 0,
      ReplicateTo: 'NONE',
    });
    template.hasResourceProperties('AWS::AppConfig::Deployment', {
      ApplicationId: { Ref: id(governance.application) },
      EnvironmentId: { Ref: id(governance.environment) },
      ConfigurationProfileId: {
        Ref: stack.getLogicalId(governance.configuration.node.findChild('ConfigurationProfile') as never),
      },
      ConfigurationVersion: {
        Ref: stack.getLogicalId(governance.configuration.node.findChild('Resource') as never),
      },
      DeploymentStrategyId: { Ref: id(governance.deploymentStrategy) },
    });
  });

  it('the policy function reads exactly that configuration, cached for 30 s by default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'policy-agent',
          GOVERNANCE_CONFIG_APPLICATION: { Ref: id(governance.application) },
          GOVERNANCE_CONFIG_ENVIRONMENT: { Ref: id(governance.environment) },
          GOVERNANCE_CONFIG_PROFILE: {
            Ref: stack.getLogicalId(governance.configuration.node.findChild('ConfigurationProfile') as never),
          },
          GOVERNANCE_CONFIG_MAX_AGE_SECONDS: '30',
        },
      },
    });
  });

  describe('props', () => {
    const build = (props: Partial<ConstructorParameters<typeof Governance>[2]> = {}) => {
      const scope = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
      const governance = new Governance(scope, 'Governance', {
        bus: asEventBusInterface(new events.EventBus(scope, 'Bus')),
        ruleDeadLetterQueue: new sqs.Queue(scope, 'Dlq'),
        ...props,
      });
      return { governance, template: Template.fromStack(scope) };
    };

    it('configurationMaxAge and environmentName', () => {
      const { template: t } = build({ configurationMaxAge: Duration.seconds(5), environmentName: 'prod' });
      t.hasResourceProperties('AWS::AppConfig::Environment', { Name: 'prod' });
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { GOVERNANCE_CONFIG_MAX_AGE_SECONDS: '5' } },
      });
    });

    it('refuses a configuration file that breaks the schema at synth, naming the file and the field', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'governance-'));
      try {
        const file = path.join(dir, 'bad.json');
        const document = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
        document.defaultAutonomy = 'yolo';
        writeFileSync(file, JSON.stringify(document));
        expect(() => build({ configurationFile: file })).toThrow(
          `configurationFile ${file}: governance configuration: defaultAutonomy:`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
