import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** A CloudFormation resource as the synthesized template holds it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CloudTemplate {
  readonly Resources: Record<string, TemplateResource>;
}

/** Where the sandbox pretends to be. */
export interface LocalEnvironment {
  readonly region: string;
  readonly accountId: string;
  /** Base URL of the sandbox's AWS-compatible endpoint (queue URLs live under it). */
  readonly endpoint: string;
}

class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Physical names and ARNs of the template's resources, as the sandbox creates them. */
export class ResolvedTemplate {
  constructor(
    readonly template: CloudTemplate,
    readonly env: LocalEnvironment,
    readonly assemblyDir: string,
  ) {}

  resourcesOfType(type: string): [string, TemplateResource][] {
    return Object.entries(this.template.Resources).filter(([, resource]) => resource.Type === type);
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new TemplateError(`no resource ${logicalId} in the template`);
    return resource;
  }

  /** The physical name the sandbox gives a resource: its explicit name property, else its logical id. */
  physicalName(logicalId: string): string {
    const { Type, Properties = {} } = this.resource(logicalId);
    const explicit: Record<string, string> = {
      'AWS::Events::EventBus': 'Name',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::DynamoDB::GlobalTable': 'TableName',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::StepFunctions::StateMachine': 'StateMachineName',
      'AWS::OpenSearchServerless::Collection': 'Name',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::CloudWatch::Alarm': 'AlarmName',
      'AWS::Events::Rule': 'Name',
    };
    const property = explicit[Type];
    const name = property ? Properties[property] : undefined;
    if (typeof name === 'string') return name;
    return name === undefined ? logicalId : String(this.resolve(name));
  }

  arn(logicalId: string): string {
    const { region, accountId } = this.env;
    const name = this.physicalName(logicalId);
    switch (this.resource(logicalId).Type) {
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${accountId}:${name}`;
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${accountId}:role/${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${accountId}:${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${accountId}:key/${name}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
      case 'AWS::Events::Rule': {
        // A rule of a custom bus is named under its bus; one of the default bus is not.
        const bus = this.resolve(this.resource(logicalId).Properties?.EventBusName);
        const busName = typeof bus === 'string' ? bus.slice(bus.lastIndexOf('/') + 1) : 'default';
        return `arn:aws:events:${region}:${accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
      }
      default:
        return `arn:aws:local:${region}:${accountId}:${logicalId}`;
    }
  }

  queueUrl(logicalId: string): string {
    return `${this.env.endpoint}/${this.env.accountId}/${this.physicalName(logicalId)}`;
  }

  /** `Ref`, as CloudFormation defines it per resource type. */
  ref(logicalId: string): string {
    if (logicalId === 'AWS::Region') return this.env.region;
    if (logicalId === 'AWS::AccountId') return this.env.accountId;
    if (logicalId === 'AWS::Partition') return 'aws';
    if (logicalId === 'AWS::URLSuffix') return 'amazonaws.com';
    if (logicalId === 'AWS::StackName') return 'ProactiveAgents';
    // A fixed stack id: names derived from it (the memory collection's) are the same on every run.
    if (logicalId === 'AWS::StackId') {
      return `arn:aws:cloudformation:${this.env.region}:${this.env.accountId}:stack/ProactiveAgents/5a4db0c5-0000-4000-8000-000000000000`;
    }
    const type = this.resource(logicalId).Type;
    if (type === 'AWS::SQS::Queue') return this.queueUrl(logicalId);
    if (type === 'AWS::StepFunctions::StateMachine' || type === 'AWS::SNS::Topic') return this.arn(logicalId);
    return this.physicalName(logicalId);
  }

  getAtt(logicalId: string, attribute: string): string {
    if (attribute === 'Arn') return this.arn(logicalId);
    if (attribute === 'QueueName' || attribute === 'Name' || attribute === 'StreamArn') {
      return this.physicalName(logicalId);
    }
    if (attribute === 'QueueUrl') return this.queueUrl(logicalId);
    if (attribute === 'CollectionEndpoint')
      return `${this.env.endpoint}/aoss/${this.physicalName(logicalId)}`;
    return `${logicalId}.${attribute}`;
  }

  /** Resolves the intrinsic functions the CDK emits (Ref, GetAtt, Join, Sub, Select, Split). */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [only] = entries;
    if (only !== undefined && entries.length === 1) {
      const [fn, arg] = only;
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as unknown[];
          return this.getAtt(String(id), String(attribute));
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(separator);
        }
        case 'Fn::Sub': {
          const [text, variables = {}] = Array.isArray(arg)
            ? (arg as [string, Record<string, unknown>])
            : [String(arg)];
          return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
            if (Object.hasOwn(variables, name)) return String(this.resolve(variables[name]));
            // split always yields a first part: the default is never used.
            const [id = name, attribute] = name.split('.');
            return attribute ? this.getAtt(id, attribute) : this.ref(id);
          });
        }
        default:
          break;
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  /** The logical id a resolved ARN, URL or name refers to. */
  logicalIdOf(reference: string): string | undefined {
    for (const logicalId of Object.keys(this.template.Resources)) {
      if (
        this.arn(logicalId) === reference ||
        this.ref(logicalId) === reference ||
        this.physicalName(logicalId) === reference
      ) {
        return logicalId;
      }
    }
    return undefined;
  }

  /** Directory of a Lambda function's bundled code in the cloud assembly. */
  assetDir(logicalId: string): string {
    const assetPath = this.resource(logicalId).Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new TemplateError(`${logicalId} has no aws:asset:path metadata`);
    return path.resolve(this.assemblyDir, assetPath);
  }
}

/** Reads the (single) stack template of a cloud assembly directory. */
export function loadTemplate(assemblyDir: string, env: LocalEnvironment): ResolvedTemplate {
  if (!existsSync(assemblyDir))
    throw new TemplateError(`no cloud assembly at ${assemblyDir}: run npx cdk synth`);
  const templates = readdirSync(assemblyDir).filter((file) => file.endsWith('.template.json'));
  const [file] = templates;
  if (file === undefined || templates.length !== 1) {
    throw new TemplateError(`expected one stack template in ${assemblyDir}, found ${templates.length}`);
  }
  const template = JSON.parse(readFileSync(path.join(assemblyDir, file), 'utf8')) as CloudTemplate;
  return new ResolvedTemplate(template, env, assemblyDir);
}

/** Newest modification time (ms) of the files below `dir`, skipping node_modules and dot-folders. */
export function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}
