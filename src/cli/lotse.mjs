#!/usr/bin/env node
// Entry point of `npx lotse <command>`: runs the TypeScript sources through
// tsx (a dependency), so a checkout works right after `npm install` without
// a build step. The Docker image runs the compiled dist/ instead.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
if (process.env.LOTSE_USE_DIST === '1' && existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
