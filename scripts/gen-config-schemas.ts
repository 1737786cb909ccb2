/**
 * Writes schemas/*.schema.json from the zod schemas in src/config (`npm run schemas`), formatted by
 * biome like every other file. A unit test fails when the committed files are out of date.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchemas } from '../src/config/json-schemas.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = Object.entries(configJsonSchemas()).map(([file, text]) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
  console.log(`wrote ${file}`);
  return join(root, file);
});
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', ...files], { stdio: 'inherit' });
