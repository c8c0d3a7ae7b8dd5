/**
 * House rule: every exported declaration of the engine, the runtime, the
 * store, the shared modules and the plugin contract has a doc comment (a
 * `/** ... *\/` block directly above it), because these are the modules a
 * contributor reads first and builds on.
 *
 * Checked with the TypeScript compiler's own parser, so a comment counts only
 * where the compiler attaches it (the file's header comment above the imports
 * belongs to the first import, not to a declaration further down).
 * `export { x }` / `export * from` re-exports are skipped: the declaration
 * they point at is checked in its own file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const folders = ['src/engine', 'src/runtime', 'src/store', 'src/shared'];
const files = ['src/server/plugin-api.ts'];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** A JSDoc block with some text (a bare `/** *\/` does not count). */
function hasDocComment(node: ts.Node): boolean {
  return ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (ts.getTextOfJSDocComment(d.comment)?.trim() || d.tags?.length));
}

/** The name shown in the failure message. */
function nameOf(node: ts.Statement): string {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  const named = node as ts.Statement & { name?: ts.Node };
  return named.name?.getText() ?? ts.SyntaxKind[node.kind];
}

/** Every exported declaration without a doc comment, as "path:line name". */
function missingDocComments(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const rel = path.relative(root, file).split(path.sep).join('/');
  const missing: string[] = [];
  for (const st of source.statements) {
    const declaration =
      ts.isFunctionDeclaration(st) ||
      ts.isClassDeclaration(st) ||
      ts.isInterfaceDeclaration(st) ||
      ts.isTypeAliasDeclaration(st) ||
      ts.isEnumDeclaration(st) ||
      ts.isVariableStatement(st) ||
      ts.isModuleDeclaration(st);
    const exportDefault = ts.isExportAssignment(st);
    if (!(declaration && isExported(st)) && !exportDefault) continue;
    if (hasDocComment(st)) continue;
    const line = source.getLineAndCharacterOfPosition(st.getStart(source)).line + 1;
    missing.push(`${rel}:${line} ${exportDefault ? 'export default' : nameOf(st)}`);
  }
  return missing;
}

const checked = [...folders.flatMap((d) => tsFiles(path.join(root, d))), ...files.map((f) => path.join(root, f))].sort();

describe('doc comments (house rule)', () => {
  it('checks a real set of files', () => {
    expect(checked.length).toBeGreaterThan(30);
    for (const f of files) expect(fs.existsSync(path.join(root, f)), f).toBe(true);
  });

  it('every exported declaration in src/engine, src/runtime, src/store, src/shared and src/server/plugin-api.ts has one', () => {
    const missing = checked.flatMap((f) => missingDocComments(f));
    expect(missing, `exported declarations without a /** ... */ doc comment:\n${missing.join('\n')}\n`).toEqual([]);
  });

  it('notices a missing one, and accepts a comment only directly above the declaration', () => {
    const f = path.join(root, 'src/engine/example.ts');
    const src = [
      '/** Module header: belongs to the import. */',
      "import x from 'y';",
      'export const a = 1;',
      '/** Documented. */',
      'export function b() {}',
      '/** */',
      'export interface C {}',
      '// a line comment is not a doc comment',
      'export type D = string;',
      "export { x } from 'y';",
      'const e = 1;',
      '/** Documented. */',
      'export class F {}',
    ].join('\n');
    expect(missingDocComments(f, src)).toEqual(['src/engine/example.ts:3 a', 'src/engine/example.ts:7 C', 'src/engine/example.ts:9 D']);
  });
});
