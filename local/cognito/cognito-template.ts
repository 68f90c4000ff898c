import type { ResolvedTemplate } from '../template';

/** An app client of a user pool (`AWS::Cognito::UserPoolClient`), as its hosted sign-in checks requests. */
export interface UserPoolClientDefinition {
  readonly clientId: string;
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  /** `code`, `implicit`, `client_credentials`. */
  readonly allowedFlows: readonly string[];
  readonly allowedScopes: readonly string[];
  readonly idTokenSeconds: number;
  readonly accessTokenSeconds: number;
  readonly refreshTokenSeconds: number;
}

/** A user pool (`AWS::Cognito::UserPool`) with its clients and its hosted sign-in domain's prefix. */
export interface UserPoolDefinition {
  readonly logicalId: string;
  /** Its id as `Ref` resolves it in the sandbox. */
  readonly userPoolId: string;
  readonly clients: readonly UserPoolClientDefinition[];
  /** `AWS::Cognito::UserPoolDomain`'s `Domain` (a Cognito prefix domain); undefined without one. */
  readonly domainPrefix?: string;
  /** `Policies.PasswordPolicy.MinimumLength`. @default 8 */
  readonly minimumPasswordLength: number;
}

/** An identity pool with the user pool clients it trusts and its role attachment. */
export interface IdentityPoolDefinition {
  readonly identityPoolId: string;
  readonly allowUnauthenticated: boolean;
  /** `CognitoIdentityProviders`: `cognito-idp.<region>.amazonaws.com/<pool id>` and the client id. */
  readonly providers: readonly { readonly providerName: string; readonly clientId: string }[];
  /** `AWS::Cognito::IdentityPoolRoleAttachment`'s `Roles`: role ARNs by `authenticated` / `unauthenticated`. */
  readonly roles: Readonly<Record<string, string>>;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** Seconds of a client's token validity in its `TokenValidityUnits` (CloudFormation's default unit: hours/days). */
function seconds(value: unknown, unit: unknown, defaultUnit: string, fallbackSeconds: number): number {
  if (typeof value !== 'number') return fallbackSeconds;
  const per: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };
  return value * (per[typeof unit === 'string' ? unit : defaultUnit] ?? 3600);
}

/**
 * The template's user pools (with clients and domains) and identity pools (with role attachments), resolved as the
 * sandbox resolves them; `rewriteUrl` maps the callback and logout URLs (the console's distribution to the local
 * console, local/distribution-origins.ts).
 */
export function cognitoOf(
  template: ResolvedTemplate,
  rewriteUrl: (url: string) => string = (url) => url,
): { userPools: UserPoolDefinition[]; identityPools: IdentityPoolDefinition[] } {
  const props = (resource: { Properties?: Record<string, unknown> }) =>
    template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
  const clients = template.resourcesOfType('AWS::Cognito::UserPoolClient').map(([logicalId, resource]) => {
    const p = props(resource);
    const units = (p.TokenValidityUnits ?? {}) as Record<string, unknown>;
    return {
      userPoolId: String(p.UserPoolId),
      client: {
        clientId: template.ref(logicalId),
        callbackUrls: strings(p.CallbackURLs).map(rewriteUrl),
        logoutUrls: strings(p.LogoutURLs).map(rewriteUrl),
        allowedFlows: p.AllowedOAuthFlowsUserPoolClient === true ? strings(p.AllowedOAuthFlows) : [],
        allowedScopes: strings(p.AllowedOAuthScopes),
        idTokenSeconds: seconds(p.IdTokenValidity, units.IdToken, 'hours', 3600),
        accessTokenSeconds: seconds(p.AccessTokenValidity, units.AccessToken, 'hours', 3600),
        refreshTokenSeconds: seconds(p.RefreshTokenValidity, units.RefreshToken, 'days', 30 * 86_400),
      } satisfies UserPoolClientDefinition,
    };
  });
  const domains = template
    .resourcesOfType('AWS::Cognito::UserPoolDomain')
    .map(([, resource]) => props(resource));
  const userPools = template.resourcesOfType('AWS::Cognito::UserPool').map(([logicalId, resource]) => {
    const userPoolId = template.ref(logicalId);
    const policy = ((props(resource).Policies ?? {}) as Record<string, Record<string, unknown>>)
      .PasswordPolicy;
    const domain = domains.find(
      (d) => String(d.UserPoolId) === userPoolId && d.CustomDomainConfig === undefined,
    );
    return {
      logicalId,
      userPoolId,
      clients: clients.filter((c) => c.userPoolId === userPoolId).map((c) => c.client),
      ...(domain === undefined ? {} : { domainPrefix: String(domain.Domain) }),
      minimumPasswordLength: typeof policy?.MinimumLength === 'number' ? policy.MinimumLength : 8,
    };
  });
  const attachments = template
    .resourcesOfType('AWS::Cognito::IdentityPoolRoleAttachment')
    .map(([, resource]) => props(resource));
  const identityPools = template
    .resourcesOfType('AWS::Cognito::IdentityPool')
    .map(([logicalId, resource]) => {
      const p = props(resource);
      const identityPoolId = template.ref(logicalId);
      const attachment = attachments.find((a) => String(a.IdentityPoolId) === identityPoolId);
      const providers = Array.isArray(p.CognitoIdentityProviders)
        ? (p.CognitoIdentityProviders as Record<string, unknown>[])
        : [];
      return {
        identityPoolId,
        allowUnauthenticated: p.AllowUnauthenticatedIdentities === true,
        providers: providers.map((provider) => ({
          providerName: String(provider.ProviderName),
          clientId: String(provider.ClientId),
        })),
        roles: Object.fromEntries(
          Object.entries((attachment?.Roles ?? {}) as Record<string, unknown>).map(([kind, arn]) => [
            kind,
            String(arn),
          ]),
        ),
      };
    });
  return { userPools, identityPools };
}
