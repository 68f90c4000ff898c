import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
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
