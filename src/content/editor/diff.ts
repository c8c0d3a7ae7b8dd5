/**
 * Line diffs for the editor's history, import preview and review ("what
 * changed in the source language since"), as unified diffs like git's.
 * No diff library is installed, so this is a small one: the common start and
 * end are cut off, the middle is a longest-common-subsequence table. A
 * middle too large for the table (two unrelated files of thousands of lines)
 * is shown as all removed, all added: still correct, only less neat.
 */

/** One line of an edit script. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Cells of the LCS table at most (about 16 MB). */
const MAX_CELLS = 4_000_000;

/** Lines of a text; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The edit script from `a` to `b`, line by line: kept, removed, added lines in order. */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: ' ', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_CELLS) {
    for (const text of midA) out.push({ op: '-', text });
    for (const text of midB) out.push({ op: '+', text });
  } else if (n > 0 || m > 0) {
    // lcs[i][j]: length of the longest common subsequence of midA[i..] and midB[j..].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] = midA[i] === midB[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        out.push({ op: ' ', text: midA[i]! });
        i++;
        j++;
        // Removed lines before added ones, as diff(1) writes them.
      } else if (i < n && (j === m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) out.push({ op: '-', text: midA[i++]! });
      else out.push({ op: '+', text: midB[j++]! });
    }
  }
  for (const text of a.slice(endA)) out.push({ op: ' ', text });
  return out;
}

/** A unified diff of two texts (`--- a/path`, `+++ b/path`, `@@` hunks with `context` lines around each change); '' when equal. */
export function unifiedDiff(
  path: string,
  before: string | undefined,
  after: string | undefined,
  context = 3,
): { unified: string; added: number; removed: number } {
  const script = diffLines(splitLines(before ?? ''), splitLines(after ?? ''));
  const added = script.filter((l) => l.op === '+').length;
  const removed = script.filter((l) => l.op === '-').length;
  if (added === 0 && removed === 0) return { unified: '', added, removed };
  // Line numbers before and after each script line (1-based, of the line itself or the next one).
  const out = [`--- ${before === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`];
  const changed = script.map((l, k) => (l.op !== ' ' ? k : -1)).filter((k) => k >= 0);
  // Group changes whose context overlaps into one hunk.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const from = Math.max(0, k - context);
    const to = Math.min(script.length - 1, k + context);
    const last = hunks.at(-1);
    if (last && from <= last[1] + 1) last[1] = to;
    else hunks.push([from, to]);
  }
  const posA: number[] = [];
  const posB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const l of script) {
    posA.push(la);
    posB.push(lb);
    if (l.op !== '+') la++;
    if (l.op !== '-') lb++;
  }
  for (const [from, to] of hunks) {
    const lines = script.slice(from, to + 1);
    const countA = lines.filter((l) => l.op !== '+').length;
    const countB = lines.filter((l) => l.op !== '-').length;
    // As diff(1): a side with no lines is numbered by the line before it.
    const startA = countA ? posA[from]! : posA[from]! - 1;
    const startB = countB ? posB[from]! : posB[from]! - 1;
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`);
    for (const l of lines) out.push(`${l.op}${l.text}`);
  }
  return { unified: `${out.join('\n')}\n`, added, removed };
}
