/**
 * The starter pack as a newcomer meets it: every catalog topic answers in
 * every starter language, and every flow can be walked to its end in every
 * language without a dead end, an empty message or a missing text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engine/engine.js';
import type { Reply } from '../../src/engine/messages.js';
import { parsePayload } from '../../src/engine/payload.js';
import { newSession, type Session } from '../../src/engine/session.js';
import { content, repoRoot } from '../helpers/content.js';

const c = content(repoRoot);
// The project's own copy of the catalog, so that the suite passes on a clone alone.
const catalog = parse(fs.readFileSync(path.join(repoRoot, 'content', 'catalog.yaml'), 'utf8')) as { topics: { id: string }[] };
const sharedCatalog = path.join(repoRoot, '..', 'shared', 'catalog', 'topics.yaml');
const STARTER = ['ar', 'fa', 'ps', 'uk', 'en', 'de'];

function inLanguage(lang: string): Session {
  let s = newSession();
  s = runEngine(c, s, { kind: 'start' }, { now: 0 }).session;
  return runEngine(c, s, { kind: 'button', payload: `l:${lang}` }, { now: 0 }).session;
}

/** Problems a person would notice in one reply. */
function defects(r: Reply, lang: string): string[] {
  const out: string[] = [];
  if (!r.messages.length) out.push('no message');
  for (const m of r.messages) {
    const text = m.kind === 'text' ? m.text : m.kind === 'audio' ? m.title : (m.text ?? '');
    if (!text.trim()) out.push(`empty ${m.kind} message`);
    if (/\{\{|\bundefined\b|\[object/.test(text)) out.push(`unfilled text: ${text.slice(0, 60)}`);
    for (const b of m.buttons ?? [])
      if (!b.label.trim() || /^[a-z]+[.:#-][a-z.-]+$/.test(b.label)) out.push(`button without a label: ${b.label} (${b.payload})`);
  }
  if (!r.messages.some((m) => m.buttons?.length)) out.push('dead end: no button');
  if (r.lang !== lang) out.push(`answered in ${r.lang}`);
  return out;
}

describe('starter pack', () => {
  it('keeps its catalog copy in step with shared/catalog when that folder is there', () => {
    // On a clone alone there is nothing to compare with; CI has ../shared beside the project.
    if (!fs.existsSync(sharedCatalog)) return;
    const shared = parse(fs.readFileSync(sharedCatalog, 'utf8')) as { topics: { id: string }[] };
    expect(catalog.topics.map((t) => t.id).sort()).toEqual(shared.topics.map((t) => t.id).sort());
  });

  it('serves every catalog topic, and every topic answers in all six languages', () => {
    expect(c.pack.languages.map((l) => l.code).sort()).toEqual([...STARTER].sort());
    const problems: string[] = [];
    for (const { id } of catalog.topics) {
      expect(c.pack.topics[id], id).toBeDefined();
      for (const lang of STARTER) {
        const out = runEngine(c, inLanguage(lang), { kind: 'button', payload: `t:${id}` }, { now: 0 });
        for (const d of defects(out.reply, lang)) problems.push(`${lang} ${id}: ${d}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every flow can be walked to its end in every language, with no dead end or missing text', () => {
    const problems: string[] = [];
    let visitedTotal = 0;
    for (const lang of STARTER) {
      const start = inLanguage(lang);
      const queue: { s: Session; path: string[] }[] = [{ s: start, path: [] }];
      const seen = new Set<string>();
      while (queue.length && seen.size < 600) {
        const { s, path: trail } = queue.shift()!;
        // Press every button of the current screen once per distinct place.
        const here = runEngine(c, s, { kind: 'command', command: 'menu' }, { now: 0 });
        const screens = trail.length ? [{ s, reply: undefined as Reply | undefined }] : [{ s: here.session, reply: here.reply }];
        for (const screen of screens) {
          const last = screen.reply ?? (s as Session & { _reply?: Reply })._reply!;
          for (const b of last.messages.flatMap((m) => m.buttons ?? [])) {
            const p = parsePayload(b.payload);
            if (p?.kind === 'lang' || b.payload === 'n:human' || b.payload === 't:meta.human' || (p?.kind === 'deleteData' && p.confirm)) continue;
            const out = runEngine(c, screen.s, { kind: 'button', payload: b.payload }, { now: 0 });
            const key = JSON.stringify([out.session.pos, out.session.pending?.kind, b.payload.startsWith('fb:') ? b.payload : '']);
            for (const d of defects(out.reply, lang)) problems.push(`${lang} ${[...trail, b.label].join(' > ')}: ${d}`);
            if (seen.has(key)) continue;
            seen.add(key);
            const next = out.session as Session & { _reply?: Reply };
            next._reply = out.reply;
            queue.push({ s: next, path: [...trail, b.label] });
          }
        }
      }
      visitedTotal += seen.size;
      // Every step of every flow was reached in this language.
      for (const f of Object.values(c.pack.flows))
        for (const step of f.steps) {
          if (step.type === 'goto' || step.type === 'handoff') continue;
          const reached = [...seen].some((k) => k.includes(`"flow":"${f.id}","step":"${step.id}"`));
          if (!reached) problems.push(`${lang}: step ${f.id}#${step.id} is never reached`);
        }
    }
    expect(problems).toEqual([]);
    expect(visitedTotal).toBeGreaterThan(6 * 40);
  });

  it('the hearing walkthrough goes page by page to legal counselling, and back works', () => {
    for (const lang of STARTER) {
      let s = inLanguage(lang);
      let out = runEngine(c, s, { kind: 'button', payload: 'g:hearing#walkthrough' }, { now: 0 });
      const pages = c.pack.flows.hearing!.steps.find((x) => x.id === 'walkthrough')!;
      const n = pages.type === 'walkthrough' ? pages.pages.length : 0;
      for (let i = 1; i < n; i++) {
        s = out.session;
        out = runEngine(c, s, { kind: 'button', payload: 'wt:next' }, { now: 0 });
      }
      expect(out.reply.messages.map((m) => (m.kind === 'text' ? m.text : '')).join(' ')).toContain(
        c.pack.topicTexts[lang]!['hearing.legal-advice']!.answer[0]!.slice(0, 20),
      );
      out = runEngine(c, out.session, { kind: 'button', payload: 'wt:prev' }, { now: 0 });
      expect(out.session.pos).toMatchObject({ flow: 'hearing', step: 'walkthrough', page: n - 2 });
      out = runEngine(c, out.session, { kind: 'button', payload: 'wt:next' }, { now: 0 });
      out = runEngine(c, out.session, { kind: 'button', payload: 'wt:next' }, { now: 0 });
      expect(out.session.pos).toMatchObject({ flow: 'hearing', step: 'done' });
    }
  });
});
