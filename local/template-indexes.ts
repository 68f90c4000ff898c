import { indexBodyOf, type LocalOpenSearch } from './opensearch';
import type { ResolvedTemplate } from './template';

/**
 * The OpenSearch Serverless indexes the template declares (`AWS::OpenSearchServerless::Index`), created before any
 * function runs, as CloudFormation creates them; an index OpenSearch refuses fails the start, naming its resource.
 */
export function createTemplateIndexes(template: ResolvedTemplate, opensearch: LocalOpenSearch): void {
  for (const [logicalId, resource] of template.resourcesOfType('AWS::OpenSearchServerless::Index')) {
    const properties = template.resolve(resource.Properties) as {
      IndexName: string;
      Settings?: unknown;
      Mappings?: unknown;
    };
    const created = opensearch.handle('PUT', `/${properties.IndexName}`, indexBodyOf(properties));
    if (created.status !== 200) {
      throw new Error(`${logicalId}: the index could not be created: ${JSON.stringify(created.body)}`);
    }
  }
}
