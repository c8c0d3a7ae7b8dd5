/**
 * The co-creation dashboard's charts as SVG, drawn on the server from the
 * report (issue 16.4): no chart library, no script in the image, every
 * label from the data escaped. Each chart carries its own title, the date
 * range and the suppression note, so a PNG made of it (the page draws the
 * SVG on a canvas) reads on its own in a funder's report. Suppressed counts
 * ("<5") get no bar, only their label, so no length gives a small count away.
 * Colours are the Okabe-Ito palette (told apart with colour blindness), and
 * each bar has its number written next to it.
 */
import type { CocreationReport, Shown } from './report.js';

/** The charts there are, by the name in their URL. */
export const CHARTS = ['weekly', 'languages', 'helpfulness', 'outcomes'] as const;
export type ChartName = (typeof CHARTS)[number];

const BLUE = '#0072B2';
const ORANGE = '#D55E00';
const COLOURS = ['#009E73', '#0072B2', '#E69F00', '#CC79A7', '#56B4E9', '#999999', '#D55E00'];
const FONT = 'font-family="system-ui, Noto Sans, Arial, sans-serif"';
const W = 760;

/** Text and attribute values of the SVG. */
const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);

const num = (v: Shown) => (typeof v === 'number' ? v : 0);

/** The SVG document with a white background, title, subtitle and footer; `body` is drawn inside. */
function frame(title: string, subtitle: string, r: CocreationReport, height: number, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="26" ${FONT} font-size="17" font-weight="bold" fill="#1b1b1b">${escapeXml(title)}</text>`,
    `<text x="16" y="46" ${FONT} font-size="12" fill="#4a4a4a">${escapeXml(subtitle)}</text>`,
    body,
    `<text x="16" y="${height - 10}" ${FONT} font-size="11" fill="#4a4a4a">${escapeXml(
      `Lotse · ${r.from} to ${r.to} (${r.timeZone}) · counts from 1 to ${r.k - 1} are shown as "<${r.k}" and get no bar`,
    )}</text>`,
    '</svg>',
  ].join('\n');
}

function legend(items: { label: string; colour: string }[], y: number): string {
  let x = 16;
  return items
    .map((it) => {
      const out = `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${it.colour}"/><text x="${x + 17}" y="${y}" ${FONT} font-size="12" fill="#1b1b1b">${escapeXml(it.label)}</text>`;
      x += 30 + it.label.length * 7;
      return out;
    })
    .join('\n');
}

function noData(r: CocreationReport, title: string, what: string): string {
  return frame(title, what, r, 120, `<text x="16" y="80" ${FONT} font-size="14" fill="#1b1b1b">No data in this range.</text>`);
}

/** Vertical grouped bars per week: unanswered and not helpful questions. */
function weekly(r: CocreationReport): string {
  const title = 'Questions the bot could not answer well, per week';
  const sub = 'Unanswered questions and questions whose answer was marked "not helpful", all languages';
  if (!r.perWeek.length) return noData(r, title, sub);
  const H = 340;
  const top = 80;
  const bottom = H - 60;
  const left = 56;
  const max = Math.max(1, ...r.perWeek.flatMap((w) => [num(w.unanswered), num(w.notHelpful)]));
  const scale = (bottom - top) / max;
  const slot = (W - left - 20) / r.perWeek.length;
  const bw = Math.min(36, slot / 2.6);
  const parts: string[] = [
    legend(
      [
        { label: 'Unanswered', colour: BLUE },
        { label: 'Not helpful', colour: ORANGE },
      ],
      66,
    ),
  ];
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${W - 16}" y2="${bottom}" stroke="#1b1b1b"/>`);
  for (const [i, w] of r.perWeek.entries()) {
    const cx = left + slot * i + slot / 2;
    for (const [j, [v, colour]] of (
      [
        [w.unanswered, BLUE],
        [w.notHelpful, ORANGE],
      ] as const
    ).entries()) {
      const x = cx + (j === 0 ? -bw - 2 : 2);
      const h = num(v) * scale;
      if (typeof v === 'number' && v > 0)
        parts.push(`<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`);
      parts.push(
        `<text x="${(x + bw / 2).toFixed(1)}" y="${(bottom - h - 5).toFixed(1)}" text-anchor="middle" ${FONT} font-size="12" fill="#1b1b1b">${escapeXml(String(v))}</text>`,
      );
    }
    parts.push(`<text x="${cx.toFixed(1)}" y="${bottom + 18}" text-anchor="middle" ${FONT} font-size="12" fill="#1b1b1b">${escapeXml(w.week)}</text>`);
  }
  return frame(title, sub, r, H, parts.join('\n'));
}

/** Horizontal bars: one row per label, each with segments (stacked) and the written total. */
function hbars(
  r: CocreationReport,
  title: string,
  sub: string,
  rows: { label: string; segments: { v: Shown; colour: string }[]; note: string }[],
  keys: { label: string; colour: string }[],
  maxValue?: number,
): string {
  if (!rows.length) return noData(r, title, sub);
  const rowH = 26;
  const top = keys.length ? 82 : 64;
  const labelW = 210;
  const noteW = 215;
  const H = top + rows.length * rowH + 40;
  const max = maxValue ?? Math.max(1, ...rows.map((x) => x.segments.reduce((a, s) => a + num(s.v), 0)));
  const width = W - labelW - noteW - 24;
  const parts: string[] = keys.length ? [legend(keys, 66)] : [];
  for (const [i, row] of rows.entries()) {
    const y = top + i * rowH;
    const label = row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label;
    parts.push(`<text x="${labelW}" y="${y + 15}" text-anchor="end" ${FONT} font-size="12" fill="#1b1b1b">${escapeXml(label)}</text>`);
    let x = labelW + 8;
    for (const seg of row.segments) {
      if (typeof seg.v !== 'number' || seg.v <= 0) continue;
      const w = (seg.v / max) * width;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${seg.colour}"/>`);
      x += w;
    }
    parts.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 15}" ${FONT} font-size="12" fill="#1b1b1b">${escapeXml(row.note)}</text>`);
  }
  return frame(title, sub, r, H, parts.join('\n'));
}

/** One chart of the report, as an SVG document. */
export function renderChart(name: ChartName, r: CocreationReport, langName: (code: string) => string = (c) => c): string {
  switch (name) {
    case 'weekly':
      return weekly(r);
    case 'languages':
      return hbars(
        r,
        'Questions per language',
        'Unanswered and "not helpful" questions in the range',
        r.perLanguage.map((l) => ({
          label: langName(l.lang),
          segments: [
            { v: l.unanswered, colour: BLUE },
            { v: l.notHelpful, colour: ORANGE },
          ],
          note: `${l.unanswered} unanswered · ${l.notHelpful} not helpful`,
        })),
        [
          { label: 'Unanswered', colour: BLUE },
          { label: 'Not helpful', colour: ORANGE },
        ],
      );
    case 'helpfulness':
      return hbars(
        r,
        'How helpful each answer was',
        'Share of "yes" to "Was this helpful?", all languages; no bar where a part is under the threshold',
        r.helpfulnessByTopic.map((t) => ({
          label: t.topic,
          segments: [{ v: t.helpfulPercent ?? 0, colour: '#009E73' }],
          note: t.helpfulPercent === null ? `${t.total} answers (too few to show a share)` : `${t.helpfulPercent}% of ${t.total}`,
        })),
        [],
        100,
      );
    case 'outcomes':
      return hbars(
        r,
        'How conversations with a person ended, per topic',
        'Handoffs to a caseworker by the topic they were about and their outcome',
        r.outcomes.map((o) => ({
          label: o.topic,
          segments: r.outcomeKeys.map((k, i) => ({ v: o.byOutcome[k] ?? 0, colour: COLOURS[i % COLOURS.length]! })),
          note: `${o.total} in all`,
        })),
        r.outcomeKeys.map((k, i) => ({ label: k, colour: COLOURS[i % COLOURS.length]! })),
      );
  }
}
