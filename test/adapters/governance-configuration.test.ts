import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import {
  AppConfigDataClient,
  BadRequestException,
  GetLatestConfigurationCommand,
  ResourceNotFoundException,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { CedarPolicyEngine } from '../../lambdas/adapters/cedar-policy-engine';
import { GovernanceConfiguration } from '../../lambdas/adapters/governance-configuration';
import { GovernanceConfigurationInvalid } from '../../lambdas/domain/governance/errors';
import type { GovernanceConfig } from '../../lambdas/domain/governance/governance-config';
import { Activity } from '../../local/activity';
import { LocalAppConfig } from '../../local/appconfig';
import { LocalEndpoint } from '../../local/endpoint';
import { loadTemplate } from '../../local/template';

const repoRoot = path.resolve(__dirname, '..', '..');
const assemblyDir = path.join(repoRoot, 'cdk.out');

/**
 * The sandbox's AppConfig data API (local/appconfig.ts) on a local endpoint, resolved from the synthesized
 * template, read by the real SDK client and Powertools' AppConfigProvider, as the policy function reads it.
 */
describe('AppConfig stand-in and the governance configuration', () => {
  const refusals: string[] = [];
  let dir: string;
  let file: string;
  let endpoint: LocalEndpoint;
  let client: AppConfigDataClient;
  let ids: { application: string; environment: string; profile: string };

  /** The file as a document to edit (autonomy left open, so an invalid level can be written). */
  type Document = Omit<GovernanceConfig, 'agents'> & { agents: Record<string, { autonomy: string }> };
  const document = () => JSON.parse(readFileSync(file, 'utf8')) as Document;
  const write = (value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'appconfig-'));
    file = path.join(dir, 'governance.json');
    copyFileSync(path.join(repoRoot, 'config', 'governance.json'), file);
    const template = loadTemplate(assemblyDir, {
      region: 'us-east-1',
      accountId: '123456789012',
      endpoint: '',
    });
    const appConfig = LocalAppConfig.fromTemplate(template, {
      files: { governance: file },
      onRefused: (profile, reason) => refusals.push(`${profile}: ${reason}`),
    });
    endpoint = new LocalEndpoint(new Activity());
    endpoint.restRoute('/appconfigdata', (method, p, body) => appConfig.handle(method, p, body));
    const url = await endpoint.listen();
    client = new AppConfigDataClient({
      endpoint: `${url}/appconfigdata`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    // The policy function's environment, as the template gives it (resolved by the sandbox's rules).
    const fn = template
      .resourcesOfType('AWS::Lambda::Function')
      .map(
        ([, r]) => template.resolve(r.Properties) as { Environment: { Variables: Record<string, string> } },
      )
      .find((p) => p.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'policy-agent')!;
    const env = fn.Environment.Variables;
    ids = {
      application: env.GOVERNANCE_CONFIG_APPLICATION!,
      environment: env.GOVERNANCE_CONFIG_ENVIRONMENT!,
      profile: env.GOVERNANCE_CONFIG_PROFILE!,
    };
    // The hosted version names the file it came from, relative to the assembly.
    const [, hosted] = template.resourcesOfType('AWS::AppConfig::HostedConfigurationVersion')[0]!;
    expect(path.resolve(assemblyDir, String(hosted.Metadata?.['proactive:configuration-file']))).toBe(
      path.join(repoRoot, 'config', 'governance.json'),
    );
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    copyFileSync(path.join(repoRoot, 'config', 'governance.json'), file);
    refusals.length = 0;
  });

  it('serves the configuration by id or by name; content once, then empty until it changes; tokens answer once', async () => {
    const byName = await client.send(
      new StartConfigurationSessionCommand({
        ApplicationIdentifier: 'proactive-agents-governance',
        EnvironmentIdentifier: 'live',
        ConfigurationProfileIdentifier: 'governance',
      }),
    );
    const first = await client.send(
      new GetLatestConfigurationCommand({ ConfigurationToken: byName.InitialConfigurationToken }),
    );
    expect(first.ContentType).toBe('application/json');
    expect(JSON.parse(Buffer.from(first.Configuration!).toString('utf8'))).toEqual(document());
    expect(first.NextPollIntervalInSeconds).toBe(60);
    const second = await client.send(
      new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken }),
    );
    expect(second.Configuration?.length ?? 0).toBe(0);
    await expect(
      client.send(
        new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken }),
      ),
    ).rejects.toThrow(BadRequestException);

    const byId = await client.send(
      new StartConfigurationSessionCommand({
        ApplicationIdentifier: ids.application,
        EnvironmentIdentifier: ids.environment,
        ConfigurationProfileIdentifier: ids.profile,
      }),
    );
    expect(byId.InitialConfigurationToken).toBeDefined();
    await expect(
      client.send(
        new StartConfigurationSessionCommand({
          ApplicationIdentifier: ids.application,
          EnvironmentIdentifier: 'staging',
          ConfigurationProfileIdentifier: ids.profile,
        }),
      ),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  it('a change to the file is served at the next poll; one the JSON Schema validator refuses is not', async () => {
    const provider = new AppConfigProvider({
      application: ids.application,
      environment: ids.environment,
      awsSdkV3Client: client,
    });
    const read = async () =>
      JSON.parse(
        Buffer.from((await provider.get(ids.profile, { forceFetch: true }))!).toString(),
      ) as Document;
    expect((await read()).agents['planning-agent']!.autonomy).toBe('autonomous');

    const revoked = document();
    revoked.agents['planning-agent']!.autonomy = 'revoked';
    write(revoked);
    expect((await read()).agents['planning-agent']!.autonomy).toBe('revoked');

    const invalid = document();
    invalid.agents['planning-agent']!.autonomy = 'sometimes';
    write(invalid);
    expect((await read()).agents['planning-agent']!.autonomy).toBe('revoked');
    expect(refusals).toEqual([
      expect.stringMatching(
        /^governance: .*refused by the profile's JSON Schema validator: \/agents\/planning-agent\/autonomy .*still serving version 2$/,
      ),
    ]);
  });

  it('parses the policies once per version, reuses them within maxAge, and fails closed on a bad Cedar policy', async () => {
    const provider = new AppConfigProvider({
      application: ids.application,
      environment: ids.environment,
      awsSdkV3Client: client,
    });
    // The provider's cache entry expiring (maxAge) is what forceFetch stands for here.
    let forceFetch = false;
    const engine = new CedarPolicyEngine();
    const loads = jest.spyOn(engine, 'load');
    const governance = new GovernanceConfiguration(
      () => provider.get(ids.profile, { maxAge: 30, forceFetch }),
      engine,
    );
    const first = await governance.load();
    expect(first).toMatchObject({ reloaded: true, version: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });
    expect(first.config.agents['planning-agent']!.autonomy).toBe('autonomous');

    const revoked = document();
    revoked.agents['planning-agent']!.autonomy = 'revoked';
    write(revoked);
    // Within maxAge the cached document stands.
    expect(await governance.load()).toMatchObject({ reloaded: false, version: first.version });

    forceFetch = true;
    const second = await governance.load();
    expect(second.reloaded).toBe(true);
    expect(second.version).not.toBe(first.version);
    expect(second.config.agents['planning-agent']!.autonomy).toBe('revoked');
    // The document has not changed since: nothing is parsed again.
    expect(await governance.load()).toMatchObject({ reloaded: false, version: second.version });
    expect(loads).toHaveBeenCalledTimes(2);

    // Valid JSON for the schema, but a policy that reads an attribute that does not exist.
    const typo = document();
    typo.policies.approval = '@id("typo") forbid (principal, action, resource) when { context.cost > 1 };';
    write(typo);
    await expect(governance.load()).rejects.toThrow(GovernanceConfigurationInvalid);
    await expect(governance.load()).rejects.toThrow(/policies\.approval\[typo\]/);
    expect(loads).toHaveBeenCalledTimes(3);
  });
});
