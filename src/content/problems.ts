/**
 * Problems found in a content pack, each tied to a file and a line, with a
 * hint that tells an author (not a developer) how to fix it.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';

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
    this.data = this.syntaxProblems.length ? undefined : this.doc.toJS({ maxAliasCount: 100 });
  }

  /** The 1-based line of the value at `keyPath`, or of its nearest existing parent. */
  lineOf(keyPath: readonly PropertyKey[]): number {
    for (let n = keyPath.length; n >= 0; n--) {
      const node = this.doc.getIn(keyPath.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return this.lc.linePos(node.range[0]).line;
    }
    return 1;
  }
}
