import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ResolvedTemplate } from './template';

/**
 * The template's DynamoDB tables (global or not) created in the sandbox's DynamoDB, with their keys and global
 * secondary indexes, as CloudFormation would create them (on demand: capacity means nothing here).
 */
export async function createTemplateTables(
  template: ResolvedTemplate,
  dynamodb: DynamoDBClient,
): Promise<void> {
  const tables = [
    ...template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
    ...template.resourcesOfType('AWS::DynamoDB::Table'),
  ];
  for (const [logicalId, resource] of tables) {
    const p = resource.Properties ?? {};
    const indexes = (p.GlobalSecondaryIndexes ?? []) as {
      IndexName: string;
      KeySchema: unknown;
      Projection: unknown;
    }[];
    const input = {
      TableName: template.physicalName(logicalId),
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length > 0
        ? {
            GlobalSecondaryIndexes: indexes.map((i) => ({
              IndexName: i.IndexName,
              KeySchema: i.KeySchema,
              Projection: i.Projection,
            })),
          }
        : {}),
    } as CreateTableCommandInput;
    await dynamodb.send(new CreateTableCommand(input));
  }
}
