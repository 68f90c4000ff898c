import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/*
 * aws-cdk-lib types some members of its L2 classes `T | undefined` where the interface the class implements declares
 * `?: T` (EventBus.eventSourceName, TableV2.tableId, Bucket.isWebsite): under `exactOptionalPropertyTypes` the
 * compiler then refuses a class where its own interface is expected (aws/aws-cdk#37996, open). The classes do
 * implement their interfaces — aws-cdk-lib compiles them without the flag — so each resource is seen through its
 * interface here, once, where it is created. Remove these when the upstream sweep lands.
 */

/** The bus as an `IEventBus` (aws/aws-cdk#37996). */
export const asEventBusInterface = (bus: events.EventBus): events.IEventBus => bus as events.IEventBus;

/** The table as an `ITableV2` (aws/aws-cdk#37996). */
export const asTableInterface = (table: dynamodb.TableV2): dynamodb.ITableV2 => table as dynamodb.ITableV2;

/** The bucket as an `IBucket` (aws/aws-cdk#37996). */
export const asBucketInterface = (bucket: s3.Bucket): s3.IBucket => bucket as s3.IBucket;
