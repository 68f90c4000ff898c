import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';

export interface ReasonerGuardrailProps {
  /** @default 'proactive-agents-reasoner' */
  readonly name?: string;
}

/**
 * A Bedrock guardrail for the reasoner's Converse calls: the prompt-attack filter (an instruction planted in an
 * event field is the attack this platform expects) at high strength on input, and the content filters on both
 * directions. A published version is what the functions use, so editing the draft never changes production.
 */
export class ReasonerGuardrail extends Construct {
  public readonly guardrail: bedrock.CfnGuardrail;
  public readonly version: bedrock.CfnGuardrailVersion;

  constructor(scope: Construct, id: string, props: ReasonerGuardrailProps = {}) {
    super(scope, id);
    const filter = (type: string, strength: string, output = strength) => ({
      type,
      inputStrength: strength,
      outputStrength: output,
    });
    const configuration: bedrock.CfnGuardrailProps = {
      name: props.name ?? 'proactive-agents-reasoner',
      description: 'Guards the planning agent reasoner: prompt attacks in event data, harmful content.',
      blockedInputMessaging: 'The request was blocked by the guardrail.',
      blockedOutputsMessaging: 'The answer was blocked by the guardrail.',
      contentPolicyConfig: {
        filtersConfig: [
          // Prompt attacks are detected on input only (AWS requires NONE on output for this type).
          filter('PROMPT_ATTACK', 'HIGH', 'NONE'),
          filter('MISCONDUCT', 'MEDIUM'),
          filter('HATE', 'MEDIUM'),
          filter('INSULTS', 'MEDIUM'),
          filter('VIOLENCE', 'MEDIUM'),
          filter('SEXUAL', 'MEDIUM'),
        ],
      },
    };
    this.guardrail = new bedrock.CfnGuardrail(this, 'Guardrail', configuration);
    // A version is published only when this resource is created or replaced, and only its description can make
    // CloudFormation replace it: naming the configuration in it publishes a new version whenever the guardrail
    // changes, instead of leaving the functions on the old one while only the draft is updated
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-bedrock-guardrailversion.html).
    const digest = createHash('sha256').update(JSON.stringify(configuration)).digest('hex').slice(0, 16);
    this.version = new bedrock.CfnGuardrailVersion(this, 'Version', {
      guardrailIdentifier: this.guardrail.attrGuardrailId,
      description: `The guardrail as configured (configuration sha256 ${digest}).`,
    });
  }

  /** Points `fn` at the published version (GUARDRAIL_ID, GUARDRAIL_VERSION) and lets it apply the guardrail. */
  public applyTo(fn: lambda.Function): void {
    fn.addEnvironment('GUARDRAIL_ID', this.guardrail.attrGuardrailId);
    fn.addEnvironment('GUARDRAIL_VERSION', this.version.attrVersion);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['bedrock:ApplyGuardrail'],
        resources: [this.guardrail.attrGuardrailArn],
      }),
    );
  }
}
