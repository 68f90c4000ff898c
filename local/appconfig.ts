import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import type { RestResult } from './endpoint';
import type { ResolvedTemplate } from './template';

/**
 * Template metadata on an `AWS::AppConfig::HostedConfigurationVersion` naming the file its content came from,
 * relative to the cloud assembly (as `aws:asset:path` is). `lib/governance.ts` writes it.
 */
const CONFIGURATION_FILE_METADATA = 'proactive:configuration-file';

export interface LocalAppConfigOptions {
  /**
   * Files to serve instead of the ones the template names, by configuration profile name (tests serve a copy).
   * @default - the file in each hosted version's metadata, else its inline content
   */
  readonly files?: Readonly<Record<string, string>> | undefined;
  /** Told when a changed file is refused (invalid JSON, or its profile's JSON Schema validator says no). */
  readonly onRefused?: (profile: string, reason: string) => void;
}

/** One configuration profile deployed to one environment, as a reader sees it. */
interface Deployed {
  readonly application: { readonly id: string; readonly name: string };
  readonly environment: { readonly id: string; readonly name: string };
  readonly profile: HostedProfile;
}

/** A hosted configuration: its content, reloaded from its file when the file changes. */
class HostedProfile {
  /** Bumped each time a changed file is accepted, like a new hosted version deployed. */
  version = 1;
  private content: Buffer;
  private stamp?: string;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly contentType: string,
    inline: string,
    private readonly file: string | undefined,
    private readonly validate: ((document: unknown) => string | undefined) | undefined,
    private readonly onRefused: (reason: string) => void,
  ) {
    this.content = Buffer.from(inline, 'utf8');
    this.refresh();
  }

  /** The content in force: the file's, when it changed (mtime or size) and is acceptable. */
  current(): Buffer {
    this.refresh();
    return this.content;
  }

  private refresh(): void {
    if (!this.file) return;
    if (!existsSync(this.file)) {
      if (this.stamp !== 'missing')
        this.onRefused(`${this.file} does not exist; serving version ${this.version}`);
      this.stamp = 'missing';
      return;
    }
    const stat = statSync(this.file);
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    const next = readFileSync(this.file);
    if (next.equals(this.content)) return;
    const refusal = this.check(next);
    if (refusal) {
      this.onRefused(`${this.file}: ${refusal}; still serving version ${this.version}`);
      return;
    }
    this.content = next;
    this.version += 1;
  }

  /** What AppConfig would say when deploying `content` to this profile, if it refuses it. */
  private check(content: Buffer): string | undefined {
    if (!this.contentType.includes('json')) return undefined;
    let document: unknown;
    try {
      document = JSON.parse(content.toString('utf8')) as unknown;
    } catch (error) {
      return `not valid JSON (${(error as Error).message})`;
    }
    return this.validate?.(document);
  }
}

const badRequest = (message: string): RestResult => ({
  status: 400,
  body: { Message: message, Reason: 'InvalidParameters' },
  errorType: 'BadRequestException',
});

const notFound = (message: string, resourceType: string): RestResult => ({
  status: 404,
  body: { Message: message, ResourceType: resourceType },
  errorType: 'ResourceNotFoundException',
});

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The AppConfig data API (REST-JSON: `StartConfigurationSession`, `GetLatestConfiguration`) for the template's
 * hosted configurations, so Powertools' AppConfigProvider and the SDK client work unchanged. Each profile is
 * served from the file it was synthesized from and reloaded when the file changes: edit the file and the next
 * poll returns the new content, as a new hosted version and deployment would. A change the profile's JSON
 * Schema validator refuses is not served (AppConfig would not deploy it). Applications, environments and
 * profiles are known by id (the logical id in the sandbox) or by name; only deployed profiles are served.
 */
export class LocalAppConfig {
  private readonly sessions = new Map<string, { deployed: Deployed; seen: number; interval: number }>();

  private constructor(private readonly deployed: readonly Deployed[]) {}

  static fromTemplate(template: ResolvedTemplate, options: LocalAppConfigOptions = {}): LocalAppConfig {
    const props = (logicalId: string) =>
      template.resolve(template.resource(logicalId).Properties ?? {}) as Record<string, unknown>;
    const named = (type: string) =>
      new Map(
        template.resourcesOfType(type).map(([logicalId]) => {
          const p = props(logicalId);
          return [
            template.ref(logicalId),
            { id: template.ref(logicalId), name: str(p.Name) ?? logicalId, p },
          ];
        }),
      );
    const applications = named('AWS::AppConfig::Application');
    const environments = named('AWS::AppConfig::Environment');
    const profiles = named('AWS::AppConfig::ConfigurationProfile');
    const ajv = new Ajv({ allErrors: false, strict: false });

    const hosted = new Map<string, HostedProfile>();
    for (const [logicalId, resource] of template.resourcesOfType(
      'AWS::AppConfig::HostedConfigurationVersion',
    )) {
      const p = props(logicalId);
      const profile = profiles.get(String(p.ConfigurationProfileId));
      if (!profile) continue;
      const metadata = str(resource.Metadata?.[CONFIGURATION_FILE_METADATA]);
      const file =
        options.files?.[profile.name] ??
        (metadata ? path.resolve(template.assemblyDir, metadata) : undefined);
      const schemas = ((profile.p.Validators ?? []) as { Type?: string; Content?: string }[]).flatMap(
        ({ Type, Content }) =>
          Type === 'JSON_SCHEMA' && Content ? [ajv.compile(JSON.parse(Content) as object)] : [],
      );
      const validate = (document: unknown): string | undefined => {
        for (const check of schemas) {
          if (!check(document)) {
            const [error] = check.errors ?? [];
            return `refused by the profile's JSON Schema validator: ${error?.instancePath || '(document)'} ${error?.message ?? ''}`.trim();
          }
        }
        return undefined;
      };
      hosted.set(
        profile.id,
        new HostedProfile(
          profile.id,
          profile.name,
          str(p.ContentType) ?? 'application/octet-stream',
          str(p.Content) ?? '',
          file,
          validate,
          (reason) => options.onRefused?.(profile.name, reason),
        ),
      );
    }

    const deployed: Deployed[] = [];
    for (const [logicalId] of template.resourcesOfType('AWS::AppConfig::Deployment')) {
      const p = props(logicalId);
      const application = applications.get(String(p.ApplicationId));
      const environment = environments.get(String(p.EnvironmentId));
      const profile = hosted.get(String(p.ConfigurationProfileId));
      if (!application || !environment || !profile) continue;
      deployed.push({
        application: { id: application.id, name: application.name },
        environment: { id: environment.id, name: environment.name },
        profile,
      });
    }
    return new LocalAppConfig(deployed);
  }

  /** The content a reader gets now, by profile name (reloading its file if it changed). */
  current(profileName: string): { version: number; content: string } | undefined {
    const profile = this.deployed.find((d) => d.profile.name === profileName)?.profile;
    return profile ? { content: profile.current().toString('utf8'), version: profile.version } : undefined;
  }

  handle(method: string, requestPath: string, body: unknown): RestResult {
    const url = new URL(requestPath, 'http://appconfigdata');
    if (method === 'POST' && url.pathname === '/configurationsessions') return this.startSession(body);
    if (method === 'GET' && url.pathname === '/configuration') {
      return this.latest(url.searchParams.get('configuration_token'));
    }
    return notFound(`The sandbox's AppConfig data API has no ${method} ${url.pathname}.`, 'Operation');
  }

  private startSession(body: unknown): RestResult {
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    for (const field of [
      'ApplicationIdentifier',
      'EnvironmentIdentifier',
      'ConfigurationProfileIdentifier',
    ]) {
      if (!str(request[field])) return badRequest(`${field} is required.`);
    }
    const matches = (entity: { id: string; name: string }, identifier: unknown) =>
      entity.id === identifier || entity.name === identifier;
    const inApplication = this.deployed.filter((d) => matches(d.application, request.ApplicationIdentifier));
    if (inApplication.length === 0) {
      return notFound(`Application ${String(request.ApplicationIdentifier)} not found.`, 'Application');
    }
    const inEnvironment = inApplication.filter((d) => matches(d.environment, request.EnvironmentIdentifier));
    if (inEnvironment.length === 0) {
      return notFound(`Environment ${String(request.EnvironmentIdentifier)} not found.`, 'Environment');
    }
    const deployed = inEnvironment.find((d) => matches(d.profile, request.ConfigurationProfileIdentifier));
    if (!deployed) {
      return notFound(
        `No deployment of configuration profile ${String(request.ConfigurationProfileIdentifier)} found.`,
        'ConfigurationProfile',
      );
    }
    const interval = Number(request.RequiredMinimumPollIntervalInSeconds ?? 60);
    if (!Number.isInteger(interval) || interval < 15 || interval > 86_400) {
      return badRequest('RequiredMinimumPollIntervalInSeconds must be between 15 and 86400.');
    }
    const token = randomUUID();
    this.sessions.set(token, { deployed, seen: 0, interval });
    return { status: 201, body: { InitialConfigurationToken: token } };
  }

  /** The content if it changed since the token's session last saw it (else an empty body), and the next token. */
  private latest(token: string | null): RestResult {
    if (!token) return badRequest('configuration_token is required.');
    const session = this.sessions.get(token);
    // Each token answers once: AppConfig refuses a token that was already used or never issued.
    if (!session) return badRequest('The configuration token is not valid or was already used.');
    this.sessions.delete(token);
    const { profile } = session.deployed;
    const content = profile.current();
    const changed = profile.version !== session.seen;
    const next = randomUUID();
    this.sessions.set(next, { ...session, seen: profile.version });
    return {
      status: 200,
      raw: changed ? content : Buffer.alloc(0),
      headers: {
        'content-type': profile.contentType,
        'next-poll-configuration-token': next,
        'next-poll-interval-in-seconds': String(session.interval),
      },
    };
  }
}
