/** docs/org-api.yaml, validated by @apidevtools/swagger-parser (OpenAPI 3.1 schema and spec rules). */
import SwaggerParser from '@apidevtools/swagger-parser';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

export interface Operation {
  method: string; // upper case
  path: string;
  operationId: string | undefined;
  headerParams: string[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface OrgApi {
  document: Record<string, unknown>;
  operations: Operation[];
}

interface PathItem {
  parameters?: { name: string; in: string }[];
  [method: string]: unknown;
}

interface RawOperation {
  operationId?: string;
  parameters?: { name: string; in: string }[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

/** Validates the document (throws with the reason when it is not valid) and lists its operations. */
export async function loadOrgApi(file: string): Promise<OrgApi> {
  // validate() dereferences too: parameters and responses below are the resolved objects.
  const document = (await SwaggerParser.validate(file)) as unknown as Record<string, unknown>;
  const paths = (document.paths ?? {}) as Record<string, PathItem>;
  const operations: Operation[] = [];
  for (const [apiPath, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as RawOperation | undefined;
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      operations.push({
        method: method.toUpperCase(),
        path: apiPath,
        operationId: op.operationId,
        headerParams: params.filter((p) => p.in === 'header').map((p) => p.name),
        responses: op.responses ?? {},
      });
    }
  }
  return { document, operations };
}

/** Whether a concrete path (as the client writes it) matches a templated document path like /v1/x/{id}. */
export function pathMatches(template: string, concrete: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(concrete);
}
