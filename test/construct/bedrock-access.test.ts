import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { grantModelInvoke } from '../../lib/bedrock-model-access';
import { ProactiveAgentsStack } from '../../lib/proactive-agents-stack';
import { ReasonerGuardrail } from '../../lib/reasoner-guardrail';
import { synthStack } from './stack-fixture';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The role's Bedrock statements, with the partition written out, as IAM would read them. */
function bedrockStatements(template: Template, stack: Stack, role: iam.Role): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  const statements = Object.values(policies)
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('bedrock:')));
  return JSON.parse(
    JSON.stringify(statements).replace(/\{"Fn::Join":\["",\[("[^\]]*")\]\]\}/g, (_, parts: string) =>
      JSON.stringify(
        (JSON.parse(`[${parts.replace(/\{"Ref":"AWS::Partition"\}/g, '"aws"')}]`) as string[]).join(''),
      ),
    ),
  ) as Statement[];
}

describe('Bedrock model access', () => {
  const { stack, template } = synthStack();
  const haiku = 'anthropic.claude-haiku-4-5-20251001-v1:0';
  const titan = 'arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0';

  it('defaults the reasoner to a current model through the global inference profile', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REASONER_MODEL_ID: `global.${haiku}` }) },
    });
  });

  it('lets the planning agent invoke the embedding model and the reasoner through its profile, and nothing else', () => {
    const profile = `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/global.${haiku}`;
    expect(bedrockStatements(template, stack, stack.agents.planning.role)).toEqual([
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: titan },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: profile },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: `arn:aws:bedrock:*::foundation-model/${haiku}`,
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
      },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: `arn:aws:bedrock:::foundation-model/${haiku}`,
        Condition: { StringEquals: { 'aws:RequestedRegion': 'unspecified' } },
      },
    ]);
  });

  it('lets the learning agent invoke the embedding model only: it never reasons', () => {
    expect(bedrockStatements(template, stack, stack.agents.learning.role)).toEqual([
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: titan },
    ]);
  });

  it('gives no other agent any Bedrock action', () => {
    const { monitoring, orderBook, network, fulfillment, sagaCallback } = stack.agents;
    for (const agent of [monitoring, orderBook, network, fulfillment, sagaCallback]) {
      expect(bedrockStatements(template, stack, agent.role)).toEqual([]);
    }
  });

  it('scopes a geographic profile to its model in any Region, through that profile only', () => {
    const app = new App();
    const other = new Stack(app, 'Geo', { env: { account: '111122223333', region: 'eu-central-1' } });
    const role = new iam.Role(other, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grantModelInvoke(role, `eu.${haiku}`);
    grantModelInvoke(role, 'amazon.titan-embed-text-v2:0');
    const profile = `arn:aws:bedrock:eu-central-1:111122223333:inference-profile/eu.${haiku}`;
    expect(bedrockStatements(Template.fromStack(other), other, role)).toEqual([
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: profile },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: `arn:aws:bedrock:*::foundation-model/${haiku}`,
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
      },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: 'arn:aws:bedrock:eu-central-1::foundation-model/amazon.titan-embed-text-v2:0',
      },
    ]);
  });

  it('reads a model id without a profile prefix as a foundation model in the stack Region', () => {
    const app = new App();
    const other = new Stack(app, 'Bare', { env: { account: '111122223333', region: 'ap-southeast-2' } });
    const role = new iam.Role(other, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grantModelInvoke(role, 'apac-tools.model-v1:0');
    grantModelInvoke(role, `apac.${haiku}`);
    const profile = `arn:aws:bedrock:ap-southeast-2:111122223333:inference-profile/apac.${haiku}`;
    expect(bedrockStatements(Template.fromStack(other), other, role)).toEqual([
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: 'arn:aws:bedrock:ap-southeast-2::foundation-model/apac-tools.model-v1:0',
      },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: profile },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: `arn:aws:bedrock:*::foundation-model/${haiku}`,
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
      },
    ]);
  });
});

describe('Reasoner guardrail (optional)', () => {
  const guarded = () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ProactiveAgentsStack(app, 'Guarded', {
      reasonerGuardrail: true,
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    return { stack, template: Template.fromStack(stack) };
  };

  it('is absent by default', () => {
    const { template } = synthStack();
    template.resourceCountIs('AWS::Bedrock::Guardrail', 0);
  });

  it('publishes a new version whenever its configuration changes, and keeps the version while it does not', () => {
    // CloudFormation publishes a guardrail version only when it creates or replaces the version resource, and
    // only the description can make it replace one.
    const versionDescription = (name?: string) => {
      const stack = new Stack(new App(), 'G');
      new ReasonerGuardrail(stack, 'Guardrail', name === undefined ? {} : { name });
      const [version] = Object.values(
        Template.fromStack(stack).findResources('AWS::Bedrock::GuardrailVersion'),
      );
      return (version!.Properties as { Description: string }).Description;
    };
    expect(versionDescription()).toMatch(
      /^The guardrail as configured \(configuration sha256 [0-9a-f]{16}\)\.$/,
    );
    expect(versionDescription()).toBe(versionDescription());
    expect(versionDescription('other-name')).not.toBe(versionDescription());
  });

  it('filters prompt attacks on input and harmful content both ways, and the planning agent calls through its published version', () => {
    const { stack, template } = guarded();
    template.resourceCountIs('AWS::Bedrock::Guardrail', 1);
    template.resourceCountIs('AWS::Bedrock::GuardrailVersion', 1);
    const [guardrail] = Object.values(template.findResources('AWS::Bedrock::Guardrail')) as {
      Properties: { ContentPolicyConfig: { FiltersConfig: Record<string, string>[] } };
    }[];
    expect(guardrail!.Properties.ContentPolicyConfig.FiltersConfig).toContainEqual({
      Type: 'PROMPT_ATTACK',
      InputStrength: 'HIGH',
      OutputStrength: 'NONE',
    });
    const [guardrailId, versionId] = ['AWS::Bedrock::Guardrail', 'AWS::Bedrock::GuardrailVersion'].map(
      (type) => Object.keys(template.findResources(type))[0]!,
    );
    const planning = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'planning-agent' } } },
    });
    expect(Object.values(planning)[0]!.Properties.Environment.Variables).toMatchObject({
      GUARDRAIL_ID: { 'Fn::GetAtt': [guardrailId, 'GuardrailId'] },
      GUARDRAIL_VERSION: { 'Fn::GetAtt': [versionId, 'Version'] },
    });
    expect(bedrockStatements(template, stack, stack.agents.planning.role)).toContainEqual({
      Effect: 'Allow',
      Action: 'bedrock:ApplyGuardrail',
      Resource: { 'Fn::GetAtt': [guardrailId, 'GuardrailArn'] },
    });
  });
});
