import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema, Operation } from './spec.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Parameters arrive as strings and leave coerced to their documented types. */
export interface RequestInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

export interface OperationValidator {
  /** Checks (and coerces, in place) path and query parameters and the body; returns the problems found. */
  request(input: RequestInput): string[];
  /** Checks an answer the fake is about to send; undefined when the status is not documented. */
  response(status: number, body: unknown): string[] | undefined;
}

/**
 * Makes every object schema that lists its properties reject others, unless it says otherwise.
 * GitHub's description leaves objects open; a fake that accepted typos would prove nothing.
 */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, closeObjects(sub)]));
    } else if (key === 'enum' || key === 'default' || key === 'required') out[key] = value;
    else out[key] = closeObjects(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function describe(errors: ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).map((e) => {
    const where = `${root}${e.instancePath}`;
    if (e.keyword === 'additionalProperties')
      return `${where} has unknown property "${e.params.additionalProperty}"`;
    if (e.keyword === 'enum') return `${where} must be one of ${JSON.stringify(e.params.allowedValues)}`;
    return `${where} ${e.message ?? e.keyword}`;
  });
}

function objectSchema(operation: Operation, location: 'path' | 'query'): JsonSchema {
  const params = operation.parameters.filter((p) => p.in === location);
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.required).map((p) => p.name),
    additionalProperties: false,
  };
}

/** Compiles request and response validators for every operation in the subset. */
export function createValidators(operations: Operation[]): Map<string, OperationValidator> {
  const strict = new Ajv({ strict: true, allErrors: true });
  // Parameters arrive as strings; GitHub coerces them to the documented types.
  const coercing = new Ajv({ strict: true, allErrors: true, coerceTypes: true });
  addFormats(strict);
  addFormats(coercing);

  return new Map(
    operations.map((operation): [string, OperationValidator] => {
      const path = coercing.compile(objectSchema(operation, 'path'));
      const query = coercing.compile(objectSchema(operation, 'query'));
      const bodySchema = operation.requestBody?.schema;
      const body = bodySchema ? strict.compile(closeObjects(bodySchema) as JsonSchema) : undefined;
      const responses = new Map<number, ValidateFunction | null>(
        Object.entries(operation.responses).map(([status, media]) => [
          Number(status),
          media ? strict.compile(closeObjects(media.schema) as JsonSchema) : null,
        ]),
      );

      const validator: OperationValidator = {
        request(input) {
          const problems = [
            ...(path(input.params) ? [] : describe(path.errors, 'path')),
            ...(query(input.query) ? [] : describe(query.errors, 'query')),
          ];
          if (input.body === undefined) {
            if (operation.requestBody?.required) problems.push('body is required');
          } else if (!body) {
            problems.push('body is not accepted by this operation');
          } else if (!body(input.body)) {
            problems.push(...describe(body.errors, 'body'));
          }
          return problems;
        },
        response(status, payload) {
          if (!responses.has(status)) return undefined;
          const validate = responses.get(status);
          if (!validate)
            return payload === undefined ? [] : [`status ${status} is documented without a body`];
          return validate(payload) ? [] : describe(validate.errors, 'response');
        },
      };
      return [operation.operationId, validator];
    }),
  );
}
