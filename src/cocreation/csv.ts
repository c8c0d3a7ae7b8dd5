/**
 * The co-creation report as CSV for a funder's report (issue 16.4): one figure
 * a row (section, language, topic or group, week, measure, value), built from
 * the report alone, so the same k-anonymity rule holds ("<5" stays "<5").
 * Group phrasings are included only as the report has them: masked, and for
 * groups of at least k people.
 */
import { csvCell } from '../handoff/stats.js';
import type { CocreationReport } from './report.js';

export function reportCsv(r: CocreationReport): string {
  const rows: (string | number | null)[][] = [['section', 'lang', 'key', 'week', 'measure', 'value']];
  rows.push(['range', '', `${r.from}..${r.to}`, '', 'time_zone', r.timeZone], ['range', '', '', '', 'k_anonymity', r.k]);
  for (const w of r.perWeek) rows.push(['per_week', '', '', w.week, 'unanswered', w.unanswered], ['per_week', '', '', w.week, 'not_helpful', w.notHelpful]);
  for (const l of r.perLanguage)
    rows.push(['per_language', l.lang, '', '', 'unanswered', l.unanswered], ['per_language', l.lang, '', '', 'not_helpful', l.notHelpful]);
  for (const g of r.groups) {
    rows.push(
      ['group', g.lang, g.id, '', 'questions', g.questions],
      ['group', g.lang, g.id, '', 'unanswered', g.unanswered],
      ['group', g.lang, g.id, '', 'not_helpful', g.notHelpful],
      ['group', g.lang, g.id, '', 'suggested_topic', g.suggestion?.topic ?? null],
      ['group', g.lang, g.id, '', 'answered_as', g.answeredAs],
    );
    for (const [i, w] of r.weeks.entries()) rows.push(['group', g.lang, g.id, w, 'questions', g.perWeek[i]!]);
    for (const p of g.phrasings) rows.push(['group_phrasing', g.lang, g.id, '', p.text, p.n]);
  }
  for (const o of r.otherQuestions)
    rows.push(['other_questions', o.lang, '', '', 'groups', o.groups], ['other_questions', o.lang, '', '', 'questions', o.questions]);
  for (const h of r.helpfulness)
    rows.push(
      ['helpfulness', h.lang, h.topic, '', 'yes', h.yes],
      ['helpfulness', h.lang, h.topic, '', 'no', h.no],
      ['helpfulness', h.lang, h.topic, '', 'helpful_percent', h.helpfulPercent],
    );
  for (const o of r.outcomes) {
    rows.push(['handoff_outcomes', '', o.topic, '', 'total', o.total]);
    for (const k of r.outcomeKeys) rows.push(['handoff_outcomes', '', o.topic, '', k, o.byOutcome[k] ?? 0]);
  }
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
