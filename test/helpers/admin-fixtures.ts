/**
 * Handoffs with known times for the admin's statistics, written through the
 * real store (the same calls the service makes): a caseworker message sets
 * the first reply, a close sets outcome and time, a rating is a patch.
 * Times are UTC; the office is in Europe/Vienna (UTC+1 in November), so
 * `uk-1`, created 23:30 UTC on the 21st, counts for the 22nd.
 *
 * The expected figures for 2026-11-20..2026-11-23 are worked out by hand in
 * test/handoff/admin-api.test.ts.
 */
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import type { Handoff, Outcome } from '../../src/store/handoffs.js';

/** "Now" for the tests that use these fixtures: 2026-11-24 10:00 UTC. */
export const FIXTURE_NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
/** A phrase that is in every fixture message: it must never reach the CSV. */
export const SECRET_TEXT = 'my asylum case number is 4711';
/** A raw Telegram chat id kept as an address: it must never reach the CSV or the closed list. */
export const RAW_ADDRESS = '987654321';

export const PASSWORDS = { admin: 'a long admin password', amal: 'a long caseworker password', boris: 'another caseworker password' };

const at = (d: number, h: number, m = 0) => Date.UTC(2026, 10, d, h, m);

interface Spec {
  id: string;
  lang: string;
  topic?: string;
  created: number;
  worker?: 'amal' | 'boris';
  /** Seconds after creation. */
  reply?: number;
  close?: number;
  outcome?: Outcome | 'cancelled';
  rating?: number;
}

/** The fixture handoffs; see the file comment. */
export const SPECS: Spec[] = [
  { id: 'ho_ar1', lang: 'ar', topic: 'asylum.interview', created: at(20, 9), worker: 'amal', reply: 120, close: 600, outcome: 'answered', rating: 5 },
  { id: 'ho_ar2', lang: 'ar', topic: 'asylum.interview', created: at(20, 10), worker: 'amal', reply: 300, close: 1800, outcome: 'referred', rating: 4 },
  { id: 'ho_uk1', lang: 'uk', topic: 'housing', created: at(21, 23, 30), worker: 'boris', reply: 60, close: 900, outcome: 'answered', rating: 2 },
  { id: 'ho_en1', lang: 'en', created: at(22, 8), worker: 'boris', reply: 600, close: 3600, outcome: 'no-response' },
  { id: 'ho_fa1', lang: 'fa', topic: 'housing', created: at(23, 12), close: 200, outcome: 'cancelled' },
  { id: 'ho_ar3', lang: 'ar', created: at(23, 13) },
  // Outside the statistics range, but closed within retention (30 days): searchable.
  { id: 'ho_old', lang: 'en', topic: 'housing', created: at(10, 9), worker: 'amal', reply: 30, close: 90, outcome: 'answered' },
  // Closed 54 days before "now": past retention, never listed.
  { id: 'ho_gone', lang: 'en', created: Date.UTC(2026, 9, 1, 9), worker: 'amal', reply: 30, close: 90, outcome: 'answered' },
];

/** Creates the staff (admin Ada, caseworkers Amal and Boris) and the handoffs; returns the staff ids. */
export async function seedAdminFixtures(rt: HandoffRuntime): Promise<{ admin: string; amal: string; boris: string }> {
  const admin = await rt.auth.createStaff({ email: 'ada@ngo.example', name: 'Ada Admin', role: 'admin', password: PASSWORDS.admin, languages: ['en'] });
  const amal = await rt.auth.createStaff({
    email: 'amal@ngo.example',
    name: 'Amal Haddad',
    role: 'caseworker',
    password: PASSWORDS.amal,
    languages: ['ar', 'en'],
  });
  const boris = await rt.auth.createStaff({
    email: 'boris@ngo.example',
    name: 'Boris Kovalenko',
    role: 'caseworker',
    password: PASSWORDS.boris,
    languages: ['uk', 'en'],
  });
  const ids = { amal: amal.id, boris: boris.id };
  for (const s of SPECS) {
    const h: Handoff = {
      id: s.id,
      ref: { channel: s.lang === 'uk' ? 'telegram' : 'webchat', conversationId: `pseud-${s.id.slice(3)}-x7` },
      address: s.lang === 'uk' ? RAW_ADDRESS : undefined,
      lang: s.lang,
      reason: 'asked',
      topic: s.topic,
      priority: 1,
      status: 'queued',
      createdAt: s.created,
      offHours: false,
      transcriptPurged: false,
    };
    await rt.hs.insertHandoff(h, [
      { author: 'person', kind: 'transcript', text: `Hello, ${SECRET_TEXT}`, at: s.created - 60_000 },
      { author: 'system', kind: 'event', text: 'opened: asked', at: s.created },
    ]);
    if (s.worker) {
      await rt.hs.takeIfQueued(s.id, ids[s.worker], s.created + 30_000);
      await rt.hs.addMessage({ handoffId: s.id, author: 'person', kind: 'message', text: `Please help, ${SECRET_TEXT}`, at: s.created + 10_000 });
    }
    if (s.reply !== undefined)
      await rt.hs.addMessage({
        handoffId: s.id,
        author: 'caseworker',
        staffId: ids[s.worker!],
        kind: 'message',
        text: `About ${SECRET_TEXT}: here is what to do`,
        at: s.created + s.reply * 1000,
      });
    if (s.close !== undefined) {
      const closedAt = s.created + s.close * 1000;
      if (s.outcome === 'cancelled') await rt.hs.update(s.id, { status: 'cancelled', closedAt });
      else await rt.hs.update(s.id, { status: 'closed', closedAt, outcome: s.outcome, outcomeNote: 'gave the address of the counselling office' });
    }
    if (s.rating !== undefined) await rt.hs.update(s.id, { rating: s.rating });
  }
  return { admin: admin.id, ...ids };
}
