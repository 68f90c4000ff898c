import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Memory } from '../../lib/memory';

type TableName = 'episodic' | 'procedural' | 'counters' | 'idempotency' | 'orders' | 'network';

/**
 * A table of lib/memory.ts as CreateTable would make it — keys, attribute definitions and global secondary
 * indexes as the synthesized template declares them — so an adapter's dynalite test runs against the deployed
 * shape (an index the adapter queries must exist, under the name and keys it uses).
 */
export function declaredTable(table: TableName, tableName: string): CreateTableCommandInput {
  const stack = new Stack(new App(), 'DeclaredTable');
  const memory = new Memory(stack, 'Memory');
  const logicalId = stack.getLogicalId(memory[table].node.defaultChild as never);
  const properties = Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable')[logicalId]!
    .Properties as {
    KeySchema: CreateTableCommandInput['KeySchema'];
    AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
    GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  };
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: properties.KeySchema,
    AttributeDefinitions: properties.AttributeDefinitions,
    ...(properties.GlobalSecondaryIndexes && {
      GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
      })),
    }),
  };
}
