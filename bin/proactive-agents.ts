#!/usr/bin/env node
import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ProactiveAgentsStack } from '../lib/proactive-agents-stack';
import { detectorConfigFromContext } from './detector-context';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};
const archiveDays = Number(context('archiveRetentionDays') ?? 30);

// `-c stackName=ProactiveAgentsStaging` deploys a second, independent stack (its own bus, tables, collection).
new ProactiveAgentsStack(app, context('stackName') ?? 'ProactiveAgents', {
  description: 'Proactive Agents: detect, plan, act and compensate on business events.',
  archiveRetention: Duration.days(archiveDays),
  reasonerModelId: context('reasonerModelId'),
  embeddingDimensions: context('embeddingDimensions') ? Number(context('embeddingDimensions')) : undefined,
  templateSimilarityThreshold: context('templateSimilarityThreshold')
    ? Number(context('templateSimilarityThreshold'))
    : undefined,
  overrideRateThreshold: context('overrideRateThreshold')
    ? Number(context('overrideRateThreshold'))
    : undefined,
  // `-c detectorConfig='{"maxPValue":1e-9}'`: the detector's settings, checked at synth.
  detectorConfig: detectorConfigFromContext(app.node.tryGetContext('detectorConfig')),
  // `cdk deploy -c reasonerGuardrail=true`: a Bedrock guardrail on every reasoner call.
  reasonerGuardrail: context('reasonerGuardrail') === 'true',
  // Environment-agnostic in whatever the CLI does not name (no credentials, no default region).
  env: {
    ...(process.env.CDK_DEFAULT_ACCOUNT === undefined ? {} : { account: process.env.CDK_DEFAULT_ACCOUNT }),
    ...(process.env.CDK_DEFAULT_REGION === undefined ? {} : { region: process.env.CDK_DEFAULT_REGION }),
  },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
