import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchemas } from '../../../src/config/json-schemas.js';
import { type ConfigKind, validateConfigText } from '../../../src/config/validate-command.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const KIND_OF_SCHEMA: Record<string, ConfigKind> = {
  'server-config.schema.json': 'server',
  'sluice.schema.json': 'repo',
  'atlantis.schema.json': 'atlantis',
};
const SCHEMA_LINE = /^# yaml-language-server: \$schema=(\S+)$/m;

/** Every YAML example that names its schema: the files in schemas/examples and the blocks in docs/. */
function examples(): Array<{ where: string; text: string; schema: string }> {
  const found: Array<{ where: string; text: string; schema: string }> = [];
  const exampleDir = join(ROOT, 'schemas/examples');
  for (const name of readdirSync(exampleDir)) {
    const text = readFileSync(join(exampleDir, name), 'utf8');
    const ref = SCHEMA_LINE.exec(text)?.[1];
    if (ref) found.push({ where: `schemas/examples/${name}`, text, schema: resolve(exampleDir, ref) });
  }
  const docsDir = join(ROOT, 'docs');
  for (const name of readdirSync(docsDir).filter((n) => n.endsWith('.md'))) {
    const markdown = readFileSync(join(docsDir, name), 'utf8');
    for (const [index, block] of [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].entries()) {
      const text = block[1] as string;
      const ref = SCHEMA_LINE.exec(text)?.[1];
      if (ref) found.push({ where: `docs/${name} block ${index + 1}`, text, schema: resolve(docsDir, ref) });
    }
  }
  return found;
}

describe('generated JSON Schemas', () => {
  it('the committed files are what `npm run schemas` writes', () => {
    // Compared as JSON: the committed files are biome-formatted.
    for (const [file, text] of Object.entries(configJsonSchemas())) {
      const committed = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
      expect(committed, `${file} is stale: run npm run schemas`).toEqual(JSON.parse(text));
    }
  });

  const all = examples();
  it('finds the examples (three files and the docs)', () => {
    expect(all.filter((e) => e.where.startsWith('schemas/')).length).toBe(3);
    expect(all.filter((e) => e.where.startsWith('docs/')).length).toBeGreaterThanOrEqual(4);
  });

  const ajv = new Ajv2020({ allErrors: true, strict: false });
  it.each(all.map((e) => [e.where, e] as const))(
    '%s is valid for its schema and for Sluice',
    (_, example) => {
      const validate =
        ajv.getSchema(example.schema) ??
        ajv.compile({ ...JSON.parse(readFileSync(example.schema, 'utf8')), $id: example.schema });
      const ok = validate(parse(example.text));
      expect(validate.errors ?? [], example.where).toEqual([]);
      expect(ok).toBe(true);
      const kind = KIND_OF_SCHEMA[basename(example.schema)];
      expect(kind, `${example.where} names an unknown schema`).toBeDefined();
      const issues = validateConfigText(example.text, example.where, kind as ConfigKind);
      expect(issues.filter((i) => i.severity !== 'warning')).toEqual([]);
    },
  );

  it('catches what an editor should flag: an unknown key, a wrong enum', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/server-config.schema.json'), 'utf8'));
    const validate = ajv.compile({ ...schema, $id: 'server-negative' });
    expect(validate(parse('version: 1\nrepos:\n  - id: x\n    alowed: true\n'))).toBe(false);
    expect(validate(parse('version: 1\nrepos:\n  - id: x\n    apply_mode: merged\n'))).toBe(false);
  });
});
