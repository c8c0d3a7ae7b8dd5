/**
 * Problems found in a content pack, each tied to a file and a line, with a
 * hint that tells an author (not a developer) how to fix it.
 */
import { LineCounter, parseDocument, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';

/** Most aliases (*name) one file may expand; a "billion laughs" file has far more. */
export const MAX_ALIAS_COUNT = 100;

export interface Problem {
  severity: 'error' | 'warning';
  path: string;
  line: number;
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const head = `${p.path}:${p.line}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
  return p.hint ? `${head}\n    hint: ${p.hint}` : head;
}

/** A parsed YAML/JSON file that can tell the line of any path inside it. */
export class ParsedFile {
  readonly doc: Document;
  private readonly lc = new LineCounter();
  readonly data: unknown;
  readonly syntaxProblems: Problem[] = [];

  constructor(
    readonly path: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lc, uniqueKeys: true, prettyErrors: false });
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const line = e.linePos?.[0]?.line ?? this.lc.linePos(e.pos[0]).line;
      const isDup = /duplicate|unique/i.test(e.message);
      this.syntaxProblems.push({
        severity: 'error',
        path,
        line,
        message: isDup ? `duplicate key: ${e.message.split('\n')[0]}` : `syntax error: ${e.message.split('\n')[0]}`,
        hint: isDup
          ? 'every id may appear only once in a file; rename or merge the two entries'
          : 'check indentation (spaces, not tabs), quotes around texts with ":" or "#", and that lists start with "- "',
      });
    }
    this.data = this.syntaxProblems.length ? undefined : this.toData();
  }

  /** The file's data; a file whose aliases expand too far (an "alias bomb") is a problem at the first alias, not a crash. */
  private toData(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      let line = 1;
      visit(this.doc, {
        Alias: (_key, node) => {
          if (node.range) line = this.lc.linePos(node.range[0]).line;
          return visit.BREAK;
        },
      });
      const alias = err instanceof ReferenceError || /alias/i.test(String((err as Error)?.message));
      this.syntaxProblems.push({
        severity: 'error',
        path: this.path,
        line,
        message: alias ? 'aliases (*name) expand to too much text' : `cannot read this file: ${String((err as Error)?.message ?? err).split('\n')[0]}`,
        hint: alias
          ? `content may use at most ${MAX_ALIAS_COUNT} aliases per file (the yaml option maxAliasCount); write the text out instead of nesting aliases of aliases`
          : 'check the YAML syntax around this line',
      });
      return undefined;
    }
  }

  /**
   * The 1-based line of `keyPath`: the line of the key itself for map
   * entries (where an author looks), the item's line in lists, or the
   * nearest existing parent's.
   */
  lineOf(keyPath: readonly PropertyKey[]): number {
    let node: unknown = this.doc.contents;
    let line = 1;
    for (const seg of keyPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const k = pair.key as Node;
        if (k.range) line = this.lc.linePos(k.range[0]).line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
        node = node.items[seg];
        const r = (node as Node).range;
        if (r) line = this.lc.linePos(r[0]).line;
      } else break;
    }
    return line;
  }
}
