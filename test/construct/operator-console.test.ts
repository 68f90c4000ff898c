import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { rendered, synthStack } from './stack-fixture';

/**
 * The operator console on AWS: a private, encrypted, TLS-only bucket served by CloudFront through origin access
 * control, with the API's URL in a config.json deployed beside the built console.
 */
describe('OperatorConsole (S3 + CloudFront)', () => {
  const { stack, template } = synthStack();
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  const console = stack.operatorConsole;
  const bucketId = id(console.bucket);
  const distributionId = id(console.distribution);

  it('keeps the console in a private, encrypted, versioned bucket that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: id(console.accessLogs) } },
    });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // CloudFront alone reads it, and only for this distribution (origin access control, not a public bucket).
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: distributionId },
                ],
              ],
            },
          },
        },
      }),
    );
  });

  it('serves it over HTTPS through origin access control, with security headers and access logs', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        Origins: [
          Match.objectLike({
            OriginAccessControlId: { 'Fn::GetAtt': [Match.anyValue(), 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
        Logging: Match.objectLike({
          Bucket: { 'Fn::GetAtt': [id(console.accessLogs), 'RegionalDomainName'] },
        }),
        CustomErrorResponses: [
          Match.objectLike({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html' }),
          Match.objectLike({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' }),
        ],
      }),
    });
  });

  it("deploys the built console with a config.json naming the operator API, and refreshes CloudFront's copies", () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const properties = deployments[0]!.Properties;
    expect(properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId },
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/index.html', '/config.json'],
    });
    // Two sources: the Vite build and the JSON, whose API URL is resolved at deploy time (a marker).
    expect(properties.SourceObjectKeys).toHaveLength(2);
    const markers = JSON.stringify(properties.SourceMarkers);
    expect(markers).toContain(id(stack.operatorApi.api));
    template.hasOutput('OperatorConsoleUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] },
    });
  });

  it("gives BucketDeployment's handler a role of its own: no managed policy, its log group, the two buckets, invalidations", () => {
    const roleId = id(console.deploymentRole);
    const role = template.findResources('AWS::IAM::Role')[roleId]!;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      ),
    );
    // As IAM reads them: actions and resources in any order.
    const sorted = (value: unknown) => (Array.isArray(value) ? value.map(String).sort() : value);
    const statements = policies
      .flatMap((policy) => rendered(policy.Properties.PolicyDocument.Statement) as Record<string, unknown>[])
      .map((statement) => ({
        ...statement,
        Action: sorted(statement.Action),
        Resource: sorted(statement.Resource),
      }));
    const assets = `<${bucketId}.Arn>`;
    const cdkAssets = 'arn:aws:s3:::cdk-hnb659fds-assets-123456789012-eu-west-1';
    const logGroupId = id(console.node.findChild('DeployLogs'));

    expect([role.Properties.Policies, role.Properties.ManagedPolicyArns]).toEqual([undefined, undefined]);
    expect(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Role: { 'Fn::GetAtt': [roleId, 'Arn'] } },
      }),
    ).not.toEqual({});
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`<${logGroupId}.Arn>`, `arn:aws:logs:eu-west-1:123456789012:log-group:<${logGroupId}>`],
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
        Resource: [cdkAssets, `${cdkAssets}/*`],
      },
      {
        Effect: 'Allow',
        Action: [
          's3:Abort*',
          's3:DeleteObject*',
          's3:GetBucket*',
          's3:GetObject*',
          's3:List*',
          's3:PutObject',
          's3:PutObjectLegalHold',
          's3:PutObjectRetention',
          's3:PutObjectTagging',
          's3:PutObjectVersionTagging',
        ],
        Resource: [assets, `${assets}/*`],
      },
      // CloudFront invalidations have no resource-level permission.
      {
        Effect: 'Allow',
        Action: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
        Resource: '*',
      },
    ]);
  });
});
