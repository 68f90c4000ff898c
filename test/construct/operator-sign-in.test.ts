import type { IConstruct } from 'constructs';
import type { CognitoSignIn } from '../../console/src/sign-in';
import { rendered, synthStack } from './stack-fixture';

/**
 * How operators reach the console's API on AWS: they sign in to a user pool that only administrators add to (a TOTP
 * second factor required, threat protection enforced), on its hosted page, with a public authorization-code client
 * whose only callback is the console; the identity pool trades their ID token for credentials of a role that may
 * invoke the operator API's routes and nothing else; the API lets the console's origin call it from the browser.
 */
describe('OperatorSignIn (Cognito) and the console’s access to the operator API', () => {
  const { stack, template } = synthStack();
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  const signIn = stack.operatorConsole.signIn;
  const distribution = id(stack.operatorConsole.distribution);
  const consoleUrl = `https://<${distribution}.DomainName>/`;
  const resource = (logicalId: string) =>
    rendered(template.toJSON().Resources[logicalId]) as { Properties: Record<string, unknown> };

  it('keeps a user pool of operators that administrators create, with a second factor and threat protection', () => {
    expect(resource(id(signIn.userPool)).Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 14,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          RequireUppercase: true,
        },
      },
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      UserPoolTier: 'PLUS',
      DeletionProtection: 'ACTIVE',
    });
    expect(resource(id(signIn.domain)).Properties.Domain).toBe('proactiveagentstest-123456789012');
  });

  it('signs in on the hosted page with a public code-flow client whose only callback is the console', () => {
    expect(resource(id(signIn.client)).Properties).toEqual(
      expect.objectContaining({
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email', 'profile'],
        CallbackURLs: [consoleUrl],
        LogoutURLs: [consoleUrl],
        SupportedIdentityProviders: ['COGNITO'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        IdTokenValidity: 60,
        RefreshTokenValidity: 720,
      }),
    );
  });

  it('gives signed-in operators — and nobody else — credentials of the operator role', () => {
    expect(resource(id(signIn.identityPool)).Properties).toEqual({
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [
        {
          ClientId: `<${id(signIn.client)}>`,
          ProviderName: `cognito-idp.eu-west-1.amazonaws.com/<${id(signIn.userPool)}>`,
          ServerSideTokenCheck: true,
        },
      ],
    });
    const role = resource(id(signIn.operatorRole));
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'cognito-identity.amazonaws.com:aud': `<${id(signIn.identityPool)}>` },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
          },
        },
      ],
    });
  });

  it('lets the operator role invoke each route of the operator API, connect to the live channel, and nothing else', () => {
    const roleId = id(signIn.operatorRole);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as unknown[]).some(
          (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
        ),
      )
      .flatMap((policy) => rendered(policy.Properties.PolicyDocument.Statement) as Record<string, unknown>[]);
    const api = `arn:aws:execute-api:eu-west-1:123456789012:<${id(stack.operatorApi.api)}>/$default`;

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: [
          `${api}/GET/incidents`,
          `${api}/GET/incidents/*/timeline`,
          `${api}/GET/incidents/*/ratio`,
          `${api}/GET/approvals`,
          `${api}/POST/approvals/*`,
          `${api}/GET/agents`,
          `${api}/GET/override-rate`,
        ],
      },
      // The push channel: $connect on its stage only (test/construct/live-events-api.test.ts).
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: `arn:aws:execute-api:eu-west-1:123456789012:<${id(stack.liveEvents.api)}>/live/$connect`,
      },
    ]);
    const attachment = Object.values(template.findResources('AWS::Cognito::IdentityPoolRoleAttachment'));
    expect(attachment).toHaveLength(1);
    const unauthenticated = (
      rendered(attachment[0]!.Properties.Roles) as { unauthenticated: string }
    ).unauthenticated.replace(/^<(.*)\.Arn>$/, '$1');
    const unauthenticatedPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (policy) => JSON.stringify(policy.Properties.Roles).includes(`"${unauthenticated}"`),
    );
    expect(unauthenticatedPolicies).toEqual([]);
  });

  it('lets the console’s origin call the API from the browser with SigV4 headers', () => {
    expect(resource(id(stack.operatorApi.api)).Properties.CorsConfiguration).toEqual({
      AllowOrigins: [`https://<${distribution}.DomainName>`],
      AllowMethods: ['GET', 'POST'],
      AllowHeaders: [
        'authorization',
        'content-type',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
      ],
      ExposeHeaders: ['content-type'],
      MaxAge: 3600,
    });
  });

  it('tells the console where to sign in: the pools, the client and the hosted domain, in its config.json', () => {
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    const markers = JSON.stringify(deployment!.Properties.SourceMarkers);
    for (const construct of [signIn.userPool, signIn.client, signIn.identityPool, signIn.domain]) {
      expect(markers).toContain(id(construct));
    }
    template.hasOutput('OperatorUserPoolId', { Value: { Ref: id(signIn.userPool) } });
    // What the stack writes is what the console reads (a compile-time check: lib may not import the console).
    const read: CognitoSignIn = signIn.settings;
    expect(rendered(stack.resolve(read))).toEqual({
      kind: 'cognito',
      region: 'eu-west-1',
      userPoolId: `<${id(signIn.userPool)}>`,
      clientId: `<${id(signIn.client)}>`,
      identityPoolId: `<${id(signIn.identityPool)}>`,
      domain: expect.stringMatching(/^https:\/\/.*\.auth\.eu-west-1\.amazoncognito\.com$/),
    });
  });
});
