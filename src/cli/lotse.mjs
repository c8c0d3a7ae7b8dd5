#!/usr/bin/env node
// Entry point of `npx lotse <command>`: runs the TypeScript sources through
// tsx (a dependency), so a checkout works right after `npm install` without
// a build step, and the Docker image runs the same files.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(join(here, 'main.ts')).href);
