import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoNetworkStore } from '../../lambdas/adapters/dynamodb-network-store';
import { DynamoOrderBook } from '../../lambdas/adapters/dynamodb-order-book';
import { DynaliteThread } from '../../local/dynamodb/dynalite-thread';

export interface LocalDynamo {
  client: DynamoDBClient;
  /** The endpoint, for clients built elsewhere (e.g. a handler's, through AWS_ENDPOINT_URL_DYNAMODB). */
  url: string;
  stop(): Promise<void>;
}

/**
 * The sandbox's dynalite on loopback (its own thread, with TransactWriteItems) with the given tables (same key
 * shapes as lib/memory.ts).
 */
export async function startDynamo(tables: CreateTableCommandInput[]): Promise<LocalDynamo> {
  const server = await DynaliteThread.start();
  const client = new DynamoDBClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  for (const table of tables) await client.send(new CreateTableCommand(table));
  return {
    client,
    url: server.url,
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

/** A table keyed by `pk` alone. */
export const pkTable = (TableName: string): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
});

export const pkSkTable = (TableName: string): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
});

export const ordersTable = (TableName: string): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
  AttributeDefinitions: [
    { AttributeName: 'orderId', AttributeType: 'S' },
    { AttributeName: 'warehouseId', AttributeType: 'S' },
    { AttributeName: 'placedAt', AttributeType: 'S' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byWarehouse',
      KeySchema: [
        { AttributeName: 'warehouseId', KeyType: 'HASH' },
        { AttributeName: 'placedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

export const networkTable = (TableName: string): CreateTableCommandInput => ({
  ...pkSkTable(TableName),
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'warehouseId', AttributeType: 'S' },
    { AttributeName: 'routeRegion', AttributeType: 'S' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'routesByWarehouse',
      KeySchema: [
        { AttributeName: 'warehouseId', KeyType: 'HASH' },
        { AttributeName: 'routeRegion', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

/** The fulfillment agent's stores on a fresh dynalite: the order book (`orders`) and the network (`network`). */
export async function startFulfillmentStores(): Promise<{
  dynamo: LocalDynamo;
  book: DynamoOrderBook;
  network: DynamoNetworkStore;
}> {
  const dynamo = await startDynamo([ordersTable('orders'), networkTable('network')]);
  return {
    dynamo,
    book: new DynamoOrderBook('orders', dynamo.client),
    network: new DynamoNetworkStore('network', dynamo.client),
  };
}
