import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
export interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: object;
}

/**
 * Checks requests and responses against an OpenAPI 3.0 document: the path, method and status
 * must be documented, and JSON bodies must match their schemas.
 */
export function openApiChecker(document: Document) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: document.components });
  const compiled = new Map<object, ValidateFunction>();
  const validator = (schema: object) => {
    let validate = compiled.get(schema);
    if (!validate) {
      // Component references are relative to the document, not to the inline schema.
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));
      compiled.set(schema, (validate = ajv.compile(rebased)));
    }
    return validate;
  };
  const operation = (method: string, path: string): Operation => {
    const pathname = new URL(path, 'http://x').pathname;
    const template = Object.keys(document.paths).find((t) =>
      new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`).test(pathname),
    );
    expect(template, `${pathname} is documented`).toBeDefined();
    const found = document.paths[template!]![method.toLowerCase()];
    expect(found, `${method} ${template} is documented`).toBeDefined();
    return found!;
  };
  const check = (schema: object, body: unknown, what: string) => {
    const validate = validator(schema);
    expect(validate(body), `${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  };
  return {
    request(method: string, path: string, body: unknown) {
      const schema = operation(method, path).requestBody?.content['application/json']?.schema;
      expect(schema, `${method} ${path} documents a JSON body`).toBeDefined();
      check(schema!, body, `request ${method} ${path}`);
    },
    response(method: string, path: string, status: number, contentType: string, body: unknown) {
      const responses = operation(method, path).responses;
      const documented = responses[String(status)];
      expect(documented, `${method} ${path} documents status ${status}`).toBeDefined();
      const media = Object.keys(documented!.content ?? {}).find((type) => contentType.startsWith(type));
      expect(media, `${method} ${path} ${status} documents ${contentType}`).toBeDefined();
      if (media === 'application/json') check(documented!.content![media]!.schema, body, `${method} ${path} ${status}`);
    },
  };
}
