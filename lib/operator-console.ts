import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DockerImage, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { asBucketInterface } from './cdk-interfaces';
import { OperatorSignIn, type OperatorSignInProps } from './operator-sign-in';

/** The operator HTTP API as the console needs it (InteractionApi). */
interface ConsoleApi {
  /** Its URL: the console's `config.json` names it. */
  readonly url: string;
  /** Lets signed-in operators call it. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** Lets the console's origin call it from the browser (CORS). */
  allowBrowserOrigin(origin: string): void;
}

/** The push channel as the console needs it (LiveEventsApi). */
interface ConsoleLiveChannel {
  /** Its `wss://` URL: the console's `config.json` names it. */
  readonly url: string;
  /** Lets signed-in operators connect. */
  grantConnect(grantee: iam.IGrantable): iam.Grant;
}

export interface OperatorConsoleProps {
  /** The operator HTTP API the console calls, with the credentials of a signed-in operator. */
  readonly api: ConsoleApi;
  /**
   * The WebSocket API that pushes the platform's events: the console connects with a presigned URL and reads the API
   * every `pollSeconds` only while the socket is down. @default - none: the console polls the API
   */
  readonly live?: ConsoleLiveChannel;
  /** How operators sign in (see OperatorSignIn). @default - a new user pool and identity pool */
  readonly signIn?: Omit<OperatorSignInProps, 'consoleUrl' | 'removalPolicy'>;
  /** Shown in the console's header. @default - the stack's name */
  readonly environmentName?: string;
  /** How often the console reads the API again when it has no live channel, or while it is down. @default 10 */
  readonly pollSeconds?: number;
  /** The console's sources (a Vite app); built at synth time like the functions' bundles. @default <repo>/console */
  readonly consoleDir?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Days the distribution's and the bucket's access logs are kept. @default 90 */
  readonly accessLogDays?: number;
}

/** Vite, run the way the sandbox runs it (`local/console/console-build.ts`). */
const viteBin = (): string => path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');

/**
 * The operator console on AWS (layer "interaction"): the built Vite app in a private S3 bucket (encrypted, public
 * access blocked, TLS only) served by CloudFront through origin access control, with a `config.json` beside it
 * naming the operator HTTP API and how operators sign in. Operators sign in on Cognito's hosted page
 * (OperatorSignIn); the console trades their ID token for AWS credentials of the operator role, which alone is
 * granted `execute-api:Invoke`, and signs each API request with them (SigV4) from the console's origin, which the
 * API allows (CORS). With a live channel (LiveEventsApi) the console also connects to its WebSocket API with a URL
 * presigned with the same credentials (operators are granted `$connect` only), so the platform's events arrive as
 * they happen; it reads the API every `pollSeconds` only while the socket is down.
 */
export class OperatorConsole extends Construct {
  public readonly bucket: s3.IBucket;
  public readonly distribution: cloudfront.Distribution;
  /** Access logs of the distribution and the bucket. */
  public readonly accessLogs: s3.IBucket;
  /**
   * The role BucketDeployment's handler copies the build with: this construct's own, so that it carries no managed
   * policy and writes its logs to its own log group only.
   */
  public readonly deploymentRole: iam.Role;
  /** The operators' user pool, hosted sign-in and identity pool. */
  public readonly signIn: OperatorSignIn;

  constructor(scope: Construct, id: string, props: OperatorConsoleProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const consoleDir = props.consoleDir ?? path.join(__dirname, '..', 'console');
    // S3 server access logs are delivered under a bucket policy for the logging service, not the legacy
    // LogDeliveryWrite ACL (the CDK's behaviour behind this flag).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront's standard logs are written with an ACL: the bucket owner must own them.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogDays ?? 90) }],
      removalPolicy,
    });
    this.accessLogs = asBucketInterface(accessLogs);
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access-log destination; logging its own access would log itself.',
    });

    const assets = new s3.Bucket(this, 'Assets', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'bucket/',
      versioned: true,
      removalPolicy,
    });
    this.bucket = asBucketInterface(assets);

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Proactive Agents operator console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      // The console's own views (`/incidents/...`) are not objects: S3 answers 403, the console answers them.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
      enableLogging: true,
      logBucket: this.accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    const distributionFindings = {
      'AwsSolutions-CFR1':
        'Operators work from anywhere; every API call the console makes is IAM-authorized.',
      'AwsSolutions-CFR2':
        'Static files only: the console holds no data, and the API it calls is throttled and IAM-authorized. Attach a web ACL with webAclId where policy asks for one.',
      'AwsSolutions-CFR4':
        'The default *.cloudfront.net certificate lets CloudFront negotiate older TLS; give the distribution a domain name and an ACM certificate to enforce TLSv1.2_2021.',
    };
    for (const [findingId, reason] of Object.entries(distributionFindings)) {
      Validations.of(this.distribution).acknowledge({ id: findingId, reason });
    }

    this.signIn = new OperatorSignIn(this, 'SignIn', {
      ...props.signIn,
      consoleUrl: this.url,
      removalPolicy,
    });
    props.api.grantInvoke(this.signIn.operatorRole);
    props.live?.grantConnect(this.signIn.operatorRole);
    props.api.allowBrowserOrigin(`https://${this.distribution.distributionDomainName}`);

    const deploymentLogs = new logs.LogGroup(this, 'DeployLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deploymentRole = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Copies the operator console's build into its bucket and refreshes CloudFront's copies.",
    });
    deploymentLogs.grant(this.deploymentRole, 'logs:CreateLogStream', 'logs:PutLogEvents');
    new s3deploy.BucketDeployment(this, 'Deploy', {
      role: this.deploymentRole,
      logGroup: deploymentLogs,
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(consoleDir, {
          exclude: ['dist', 'node_modules'],
          bundling: {
            // Built here with the project's Vite, as the functions are bundled with its esbuild; the image is the
            // fallback on a machine without Node.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20'),
            command: ['sh', '-c', 'npx vite build --outDir /asset-output'],
            local: {
              tryBundle(outputDir: string): boolean {
                const result = spawnSync(
                  process.execPath,
                  [viteBin(), 'build', '--outDir', outputDir, '--emptyOutDir', '--logLevel', 'warn'],
                  { cwd: consoleDir, stdio: 'inherit' },
                );
                return result.status === 0;
              },
            },
          },
        }),
        s3deploy.Source.jsonData('config.json', {
          apiBase: props.api.url,
          ...(props.live === undefined ? {} : { liveUrl: props.live.url }),
          auth: this.signIn.settings,
          pollSeconds: props.pollSeconds ?? 10,
          region: Stack.of(this).region,
          traces: { kind: 'xray' },
          environment: props.environmentName ?? Stack.of(this).stackName,
        }),
      ],
      // A new build replaces index.html and config.json under the same names: drop CloudFront's copies.
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
    });
    this.acknowledgeDeploymentGrants();
    // BucketDeployment's handler is one function per stack, aws-cdk-lib's own: its runtime moves with aws-cdk-lib.
    const handlers = Stack.of(this).node.children.filter((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    for (const construct of handlers) {
      Validations.of(construct).acknowledge({
        id: 'AwsSolutions-L1',
        reason: "BucketDeployment's handler runtime is chosen by aws-cdk-lib and moves with its releases.",
      });
    }
  }

  /**
   * BucketDeployment grants its handler the CDK's bucket read and read-write action groups, on the CDK's asset
   * bucket objects and this console's bucket only, and CloudFront invalidation, which has no resource ARN.
   */
  private acknowledgeDeploymentGrants(): void {
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const bucketId = stack.resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    const findings: Record<string, string> = {
      'Action::s3:Abort*': 'the CDK read-write group on the console bucket (multipart uploads of the build)',
      'Action::s3:DeleteObject*': 'the CDK read-write group on the console bucket (files a new build drops)',
      'Action::s3:GetBucket*': 'the CDK read group, on the asset bucket and the console bucket only',
      'Action::s3:GetObject*': 'the CDK read group, on the asset bucket and the console bucket only',
      'Action::s3:List*': 'the CDK read group, on the asset bucket and the console bucket only',
      [`Resource::<${bucketId}.Arn>/*`]: "the console bucket's objects (the build and config.json)",
      [`Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*`]:
        "the CDK bootstrap asset bucket's objects: the zipped build is read from there",
      'Resource::*': 'cloudfront:CreateInvalidation and GetInvalidation, granted by BucketDeployment on *',
    };
    for (const [finding, reason] of Object.entries(findings)) {
      Validations.of(this.deploymentRole).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: `BucketDeployment's handler: ${reason}.`,
      });
    }
  }

  /** `https://<id>.cloudfront.net/` */
  public get url(): string {
    return `https://${this.distribution.distributionDomainName}/`;
  }
}
