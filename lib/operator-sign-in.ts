import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { IdentityPool, UserPoolAuthenticationProvider } from 'aws-cdk-lib/aws-cognito-identitypool';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface OperatorSignInProps {
  /** Where the hosted sign-in page sends operators back to (the console's URL, with its trailing slash). */
  readonly consoleUrl: string;
  /**
   * The hosted sign-in domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`): unique in the region, lowercase
   * letters, digits and hyphens, without `aws`, `amazon` or `cognito`.
   * @default - the stack's name in lowercase, then the account id
   */
  readonly domainPrefix?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What the console needs to sign operators in and sign its API requests: written into its `config.json`. The console
 * reads it as its own `CognitoSignIn` (console/src/sign-in.ts; lib may not import the console): a construct test
 * assigns one to the other, so the two cannot drift apart.
 */
export interface SignInSettings {
  readonly kind: 'cognito';
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly identityPoolId: string;
  /** The hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domain: string;
}

/**
 * How operators sign in to the console on AWS (layer "interaction"): a Cognito user pool of operators, created by an
 * administrator (no self sign-up; a TOTP second factor required; threat protection enforced), its hosted sign-in
 * page with an authorization-code client for the console (public: PKCE, no secret), and an identity pool that trades
 * an operator's ID token for short-lived AWS credentials of `operatorRole`. The console signs its API requests
 * with them (SigV4), so the operator API keeps one authorization model — IAM — for the console, the CLI tools
 * (`npm run approve`) and the sandbox alike; whoever may invoke the API is decided by `operatorRole`'s policy.
 */
export class OperatorSignIn extends Construct {
  public readonly userPool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;
  public readonly domain: cognito.UserPoolDomain;
  public readonly identityPool: IdentityPool;
  /** The role a signed-in operator's credentials carry: grant it what operators may call. */
  public readonly operatorRole: iam.IRole;

  constructor(scope: Construct, id: string, props: OperatorSignInProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.userPool = new cognito.UserPool(this, 'Operators', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan: a few operators.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.domain = this.userPool.addDomain('SignInDomain', {
      cognitoDomain: {
        domainPrefix: props.domainPrefix ?? Fn.join('-', [stack.stackName.toLowerCase(), Aws.ACCOUNT_ID]),
      },
    });

    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [props.consoleUrl],
        logoutUrls: [props.consoleUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    this.identityPool = new IdentityPool(this, 'Credentials', {
      allowUnauthenticatedIdentities: false,
      authenticationProviders: {
        userPools: [
          new UserPoolAuthenticationProvider({ userPool: this.userPool, userPoolClient: this.client }),
        ],
      },
    });
    this.operatorRole = this.identityPool.authenticatedRole;
  }

  /** The console's `config.json` entry. */
  public get settings(): SignInSettings {
    return {
      kind: 'cognito',
      region: Stack.of(this).region,
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      identityPoolId: this.identityPool.identityPoolId,
      domain: this.domain.baseUrl(),
    };
  }
}
