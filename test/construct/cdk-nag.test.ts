import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  App,
  CfnResource,
  CloudFormationValidatePlugin,
  Stack,
  Validations,
  type IPolicyValidationPlugin,
} from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ProactiveAgentsStack } from '../../lib/proactive-agents-stack';
import { synthStack } from './stack-fixture';

const synthWithChecks = (app: App) => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app.synth();
};

describe('cdk-nag AwsSolutions checks', () => {
  it('find no unacknowledged finding in the platform stack', () => {
    const { app } = synthStack();
    expect(() => synthWithChecks(app)).not.toThrow();
  });

  it('fail synthesis when a finding is there (the check really runs)', () => {
    const app = new App();
    new sqs.Queue(new Stack(app, 'Insecure'), 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => synthWithChecks(app)).toThrow(/AwsSolutions-SQS2/);
  });
});

/** What aws-cdk-lib's built-in CloudFormation validation reports on `app`, registered explicitly (test/setup.ts). */
function cloudFormationFindings(app: App): { ruleName: string; description: string }[] {
  // Its `version` is `string | undefined` where IPolicyValidationPlugin declares `version?: string` (the
  // exactOptionalPropertyTypes mismatch of lib/cdk-interfaces.ts).
  Validations.of(app).addPlugins(new CloudFormationValidatePlugin() as IPolicyValidationPlugin);
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; description: string }[] }[];
  };
  return report.pluginReports
    .filter((r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME)
    .flatMap((r) => r.violations.map(({ ruleName, description }) => ({ ruleName, description })));
}

describe("aws-cdk-lib's CloudFormation validation", () => {
  it('finds nothing in the platform stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new ProactiveAgentsStack(app, 'ProactiveAgentsValidated', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    expect(cloudFormationFindings(app)).toEqual([]);
  });

  it('reports a property the resource type does not have (the check really runs)', () => {
    const app = new App();
    new CfnResource(new Stack(app, 'Invalid'), 'Queue', {
      type: 'AWS::SQS::Queue',
      properties: { VisibilityTimeoutSecondz: 30 },
    });
    // Reported as a warning (the default) on stderr, and in the report read here.
    const warned = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const findings = cloudFormationFindings(app);
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('VisibilityTimeoutSecondz'));
    warned.mockRestore();
    expect(findings).toEqual([
      expect.objectContaining({ description: expect.stringContaining('VisibilityTimeoutSecondz') as string }),
    ]);
  });
});
