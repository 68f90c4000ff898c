import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Prefixes of Bedrock's system-defined cross-Region inference profiles (`<prefix>.<model id>`). */
const GEOGRAPHIC_PROFILES = ['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca'] as const;

/**
 * How a Bedrock model id is invoked: directly (a foundation model in the stack's Region), through a
 * geographic cross-Region inference profile (`us.`, `eu.`, `apac.`, …: the model in any Region of that
 * geography) or through the global profile (`global.`: any commercial Region).
 */
function inferenceRoute(modelId: string): {
  kind: 'foundation-model' | 'geographic' | 'global';
  foundationModelId: string;
} {
  const dot = modelId.indexOf('.');
  const prefix = dot < 0 ? '' : modelId.slice(0, dot);
  if (prefix === 'global') return { kind: 'global', foundationModelId: modelId.slice(dot + 1) };
  if ((GEOGRAPHIC_PROFILES as readonly string[]).includes(prefix)) {
    return { kind: 'geographic', foundationModelId: modelId.slice(dot + 1) };
  }
  return { kind: 'foundation-model', foundationModelId: modelId };
}

/**
 * The statements that let a role invoke `modelId` (InvokeModel, and Converse, which it authorises) and
 * nothing else, following the Bedrock user guide's policies for inference profiles:
 * - a foundation model: the model in the stack's Region;
 * - a geographic profile: the profile in the stack's Region, and the model in the Regions the profile routes
 *   to (`*`), only when called through that profile (`bedrock:InferenceProfileArn`);
 * - the global profile: as geographic, plus the Region-less model ARN that global routing authorises against
 *   (`aws:RequestedRegion` = `unspecified`).
 */
function bedrockInvokeStatements(stack: Stack, modelId: string): iam.PolicyStatement[] {
  const { partition, region, account } = stack;
  const route = inferenceRoute(modelId);
  const actions = ['bedrock:InvokeModel'];
  if (route.kind === 'foundation-model') {
    return [
      new iam.PolicyStatement({
        actions,
        resources: [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`],
      }),
    ];
  }
  const profileArn = `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`;
  const throughProfile = { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } };
  const statements = [
    new iam.PolicyStatement({ actions, resources: [profileArn] }),
    new iam.PolicyStatement({
      actions,
      resources: [`arn:${partition}:bedrock:*::foundation-model/${route.foundationModelId}`],
      conditions: throughProfile,
    }),
  ];
  if (route.kind === 'global') {
    statements.push(
      new iam.PolicyStatement({
        actions,
        resources: [`arn:${partition}:bedrock:::foundation-model/${route.foundationModelId}`],
        conditions: { StringEquals: { 'aws:RequestedRegion': 'unspecified' } },
      }),
    );
  }
  return statements;
}

/**
 * Lets `role` invoke `modelId` ({@link bedrockInvokeStatements}). The Region wildcard of a profile's
 * destination models is acknowledged for cdk-nag: Bedrock, not the caller, picks the destination Region, and the
 * statement holds only for calls through the named profile.
 */
export function grantModelInvoke(role: iam.Role, modelId: string): void {
  const stack = Stack.of(role);
  for (const statement of bedrockInvokeStatements(stack, modelId)) role.addToPolicy(statement);
  const route = inferenceRoute(modelId);
  if (route.kind !== 'foundation-model') {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${route.foundationModelId}]`,
      reason: `${modelId} is a cross-Region inference profile: Bedrock routes each call to the model in a Region of its choosing; allowed only through that profile (bedrock:InferenceProfileArn).`,
    });
  }
}
