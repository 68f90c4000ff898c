import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, CfnResource, Duration, Stack, Stage } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { sources } from '../lambdas/domain/contracts/registry';
import {
  governanceConfigJsonSchema,
  parseGovernanceConfigText,
} from '../lambdas/domain/governance/governance-config';
import { AgentFunction } from './agent-function';

/** Template metadata naming the file a hosted configuration came from: the sandbox serves (and reloads) it. */
const CONFIGURATION_FILE_METADATA = 'proactive:configuration-file';

export interface GovernanceProps {
  readonly bus: events.IEventBus;
  /** Where undeliverable events go (the policy function has no rule today; kept for its DLQ wiring). */
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** The governance configuration deployed as the first hosted version. @default config/governance.json */
  readonly configurationFile?: string;
  /** Name of the AppConfig application. @default 'proactive-agents-governance' */
  readonly applicationName?: string;
  /** Name of the AppConfig environment the function reads. @default 'live' */
  readonly environmentName?: string;
  /** How long the function reuses a configuration before asking AppConfig again. @default Duration.seconds(30) */
  readonly configurationMaxAge?: Duration;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
}

/**
 * Governance: the policy decision point and its configuration. One AppConfig freeform JSON configuration
 * (Cedar policies, autonomy levels, thresholds, escalation tiers, blocked actions, cost ceilings, token prices),
 * checked by a JSON Schema validator generated from the zod schema and deployed with an immediate strategy; a
 * new hosted version and deployment change decisions without a stack deployment. The policy function reads it
 * with Powertools Parameters and may read exactly that configuration, and put only `proactive.governance` events.
 */
export class Governance extends Construct {
  public readonly application: appconfig.Application;
  public readonly environment: appconfig.Environment;
  public readonly configuration: appconfig.HostedConfiguration;
  public readonly deploymentStrategy: appconfig.DeploymentStrategy;
  /** The policy decision point the saga invokes before each task. */
  public readonly policyAgent: AgentFunction;
  /** How long a function reuses a configuration it read before asking AppConfig again. */
  public readonly maxAge: Duration;

  constructor(scope: Construct, id: string, props: GovernanceProps) {
    super(scope, id);
    const file = props.configurationFile ?? path.join(__dirname, '..', 'config', 'governance.json');
    const content = readFileSync(file, 'utf8');
    try {
      parseGovernanceConfigText(content);
    } catch (error) {
      throw new Error(`configurationFile ${file}: ${(error as Error).message}`, { cause: error });
    }
    this.maxAge = props.configurationMaxAge ?? Duration.seconds(30);

    this.application = new appconfig.Application(this, 'Application', {
      applicationName: props.applicationName ?? 'proactive-agents-governance',
      description: 'Policies, autonomy levels, thresholds and escalation of the proactive agents.',
    });
    this.environment = new appconfig.Environment(this, 'Environment', {
      application: this.application,
      environmentName: props.environmentName ?? 'live',
      description: 'The configuration the policy decision point reads.',
    });
    // All at once, no bake: a revoked agent or a tightened policy must apply at the next read.
    this.deploymentStrategy = new appconfig.DeploymentStrategy(this, 'Immediate', {
      description: 'Deploys a governance change to every reader at once, without bake time.',
      rolloutStrategy: appconfig.RolloutStrategy.linear({
        growthFactor: 100,
        deploymentDuration: Duration.minutes(0),
        finalBakeTime: Duration.minutes(0),
      }),
    });
    this.configuration = new appconfig.HostedConfiguration(this, 'Configuration', {
      application: this.application,
      name: 'governance',
      description: 'The governance configuration (schemaVersion 1).',
      type: appconfig.ConfigurationType.FREEFORM,
      content: appconfig.ConfigurationContent.fromInlineJson(content),
      validators: [appconfig.JsonSchemaValidator.fromInline(JSON.stringify(governanceConfigJsonSchema()))],
      deploymentStrategy: this.deploymentStrategy,
      deployTo: [this.environment],
    });
    // The sandbox serves this file through its AppConfig data API and reloads it on change.
    const outdir = Stage.of(this)?.outdir ?? process.cwd();
    const resource = this.configuration.node.findChild('Resource');
    if (!(resource instanceof CfnResource))
      throw new Error(`${this.configuration.node.path} has no CfnResource`);
    resource.addMetadata(CONFIGURATION_FILE_METADATA, path.relative(outdir, file));

    this.policyAgent = new AgentFunction(this, 'PolicyAgent', {
      bus: props.bus,
      ruleDeadLetterQueue: props.ruleDeadLetterQueue,
      logLevel: props.logLevel,
      entry: path.join(__dirname, '..', 'lambdas', 'handlers', 'policy-agent.ts'),
      serviceName: 'policy-agent',
      description:
        'Policy decision point: decides with Cedar whether an agent may run a task (allow, deny, require approval, suggest).',
      timeout: Duration.seconds(10),
      environment: this.readerEnvironment(),
      // cedar-wasm reads its WebAssembly module from beside the bundle at load time.
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir, outputDir) => [
          `cp "${inputDir}/node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm" "${outputDir}/"`,
        ],
      },
    });
    this.grantReadConfiguration(this.policyAgent.function);
    this.policyAgent.grantPutEvents(props.bus, sources.governance);
  }

  /**
   * Where a function reads the configuration (with {@link grantReadConfiguration}): the AppConfig ids and how
   * long a read is reused.
   */
  public readerEnvironment(): Record<string, string> {
    return {
      GOVERNANCE_CONFIG_APPLICATION: this.application.applicationId,
      GOVERNANCE_CONFIG_ENVIRONMENT: this.environment.environmentId,
      GOVERNANCE_CONFIG_PROFILE: this.configuration.configurationProfileId,
      GOVERNANCE_CONFIG_MAX_AGE_SECONDS: String(this.maxAge.toSeconds()),
    };
  }

  /** StartConfigurationSession and GetLatestConfiguration on exactly this configuration in this environment. */
  public grantReadConfiguration(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'appconfig',
          resource: 'application',
          resourceName: `${this.application.applicationId}/environment/${this.environment.environmentId}/configuration/${this.configuration.configurationProfileId}`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    });
  }
}
