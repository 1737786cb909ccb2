import { z } from 'zod';
import type { ConfigPath } from './yaml-positions.js';

/**
 * What a config schema means in words, for error messages: kept beside the schema (not in a separate
 * table) and out of the generated JSON Schema, which takes only `description`.
 */
export interface ConfigText {
  /** What the value should be, after "must be": "a list of glob patterns". */
  expected?: string;
  /** The whole message when the value is missing. */
  missing?: string;
  /** Where a map is, after "Unknown key `x`": "in a project". */
  where?: string;
}

export const configText = z.registry<ConfigText>();

/** Registers the words for a schema and returns it, so schemas read `said(z.string(), { expected: … })`. */
export function said<T extends z.ZodType>(schema: T, text: ConfigText): T {
  configText.add(schema, text);
  return schema;
}

type AnySchema = z.core.$ZodType;

function def(schema: AnySchema): z.core.$ZodTypeDef & Record<string, unknown> {
  return schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
}

/** The layers of a schema down to the one that decides its shape (through optional, default, pipe…). */
export function layers(schema: AnySchema): AnySchema[] {
  const out: AnySchema[] = [schema];
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const d = def(current);
    const inner =
      d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'readonly'
        ? (d.innerType as AnySchema)
        : d.type === 'pipe'
          ? (d.in as AnySchema)
          : d.type === 'lazy'
            ? (d.getter as () => AnySchema)()
            : undefined;
    if (!inner) break;
    out.push(inner);
    current = inner;
  }
  return out;
}

export function core(schema: AnySchema): AnySchema {
  return layers(schema).at(-1) as AnySchema;
}

export function textOf(schema: AnySchema): ConfigText {
  const text: ConfigText = {};
  for (const layer of layers(schema).reverse()) Object.assign(text, configText.get(layer as z.ZodType) ?? {});
  return text;
}

/** The schema of the value at `path` below `schema`, if the path exists in it. */
export function schemaAt(schema: AnySchema, path: ConfigPath): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (const segment of path) {
    if (!current) return undefined;
    current = childOf(current, segment);
  }
  return current;
}

export function childOf(schema: AnySchema, segment: string | number): AnySchema | undefined {
  const c = core(schema);
  const d = def(c);
  if (d.type === 'object') return (d.shape as Record<string, AnySchema>)[String(segment)];
  if (d.type === 'array' && typeof segment === 'number') return d.element as AnySchema;
  if (d.type === 'record') return d.valueType as AnySchema;
  if (d.type === 'union') {
    for (const option of d.options as AnySchema[]) {
      const found = childOf(option, segment);
      if (found) return found;
    }
  }
  return undefined;
}

/** The keys a map schema takes (for unions of maps, every option's keys). */
export function keysOf(schema: AnySchema): string[] {
  const d = def(core(schema));
  if (d.type === 'object') return Object.keys(d.shape as object);
  if (d.type === 'union') return [...new Set((d.options as AnySchema[]).flatMap(keysOf))];
  return [];
}

export function optionsOf(schema: AnySchema): AnySchema[] {
  const d = def(core(schema));
  return d.type === 'union' ? (d.options as AnySchema[]) : [];
}

export function enumValues(schema: AnySchema): string[] | undefined {
  const d = def(core(schema));
  if (d.type === 'enum') return Object.values(d.entries as Record<string, string>).map(String);
  if (d.type === 'literal') return (d.values as unknown[]).map(String);
  return undefined;
}

export function typeName(schema: AnySchema): string {
  return def(core(schema)).type;
}

/** What a value should be, from the registered words or else from the schema's type. */
export function expectedOf(schema: AnySchema | undefined): string {
  if (!schema) return 'something else';
  const text = textOf(schema);
  if (text.expected) return text.expected;
  const c = core(schema);
  const d = def(c);
  switch (d.type) {
    case 'string':
      return 'text';
    case 'number':
      return (c as z.ZodNumber).isInt ? 'a whole number' : 'a number';
    case 'boolean':
      return '`true` or `false`';
    case 'enum':
    case 'literal': {
      const values = enumValues(c) ?? [];
      return values.length === 1 ? `\`${values[0]}\`` : `one of ${values.map((v) => `\`${v}\``).join(', ')}`;
    }
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a map';
    case 'union':
      return (d.options as AnySchema[]).map(expectedOf).join(' or ');
    default:
      return 'something else';
  }
}
