/**
 * ContentManager serving from the store (issue 16.2), on a real SQLite
 * file and on a real PostgreSQL schema, with the poll timer injected and stepped by hand: the first start
 * imports the files as version 1, a second manager on the same file finds
 * it, a published version is served after the next poll (not before), a
 * version that does not compile is skipped while the last good one keeps
 * serving, an answer-only change keeps the models' training key, and the co-creation dashboard's DraftEdits write drafts only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EditorService } from '../../../src/content/editor/service.js';
import { ContentManager, type PollTimer, trainingKey } from '../../../src/content/manager.js';
import type { ContentVersions } from '../../../src/store/content-versions.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import type { Store } from '../../../src/store/store.js';
import { createLogger } from '../../../src/util/logger.js';
import { miniRoot } from '../../helpers/content.js';
import { createTestSchema, type TestSchema } from '../../helpers/postgres.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-store-manager-'));
const schemas = new Map<string, TestSchema>();
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const t of schemas.values()) await t.drop();
});

/** Each backend opens a store on a named database: the same name is the same database (a second instance, or the next test). */
const backends: { name: string; open: (db: string) => Promise<Store> }[] = [
  { name: 'SQLite', open: async (db) => new SqliteStore(path.join(dir, `${db}.sqlite`)) },
  {
    name: 'PostgreSQL',
    async open(db) {
      let t = schemas.get(db);
      if (!t) schemas.set(db, (t = await createTestSchema()));
      return t.store();
    },
  },
];
const log = createLogger('silent');

/** A timer that runs only when the test says so. */
function handTimer(): { timer: PollTimer; tick: () => void; stopped: () => boolean; ms: () => number } {
  let fn: (() => void) | undefined;
  let every = 0;
  let stopped = false;
  return {
    timer: (ms, f) => {
      fn = f;
      every = ms;
      return () => {
        stopped = true;
      };
    },
    tick: () => fn?.(),
    stopped: () => stopped,
    ms: () => every,
  };
}

const editorOf = (content: ContentManager, versions: ContentVersions) => new EditorService({ versions, content, root: miniRoot, now: () => 1_000, log });
const edith = { id: 'stf_e', name: 'Edith', role: 'editor' as const, languages: [] };

describe.each(backends)('ContentManager.fromStore on $name', ({ open }) => {
  it('imports, serves, polls on its timer, skips a broken version and stops polling on close', async () => {
    const store = await open('lotse');
    await store.migrate();
    const versions = await store.contentVersions();
    const t1 = handTimer();
    const one = await ContentManager.fromStore(miniRoot, log, versions, { pollMs: 1500, timer: t1.timer, now: () => 42 });
    expect(t1.ms()).toBe(1500);
    expect(one.servedVersion()).toBe(1);
    const head = await versions.head();
    expect(head).toMatchObject({ id: 1, kind: 'import', createdAt: 42, packVersion: one.current().pack.version });

    // A second instance on the same file finds version 1 and imports nothing.
    const store2 = await open('lotse');
    const t2 = handTimer();
    const two = await ContentManager.fromStore(miniRoot, log, await store2.contentVersions(), { timer: t2.timer });
    expect(two.servedVersion()).toBe(1);
    expect((await versions.versions(10)).length).toBe(1);

    // Published through instance one's editor: instance two serves it after its next poll, not before.
    const editor = editorOf(one, versions);
    const en = 'content/en/topics/hearing.yaml';
    const text = (await editor.file(edith, en)).published!.text.replace('You have a right to an interpreter.', 'An interpreter is free.');
    await editor.putDraft(edith, { path: en, text });
    const { version } = await editor.publish(edith, { why: 'free' });
    expect(two.servedVersion()).toBe(1);
    expect(two.current().pack.topicTexts.en!['hearing.interpreter']!.answer).toEqual(['You have a right to an interpreter.']);
    // Only an answer changed: what the models learn from is the same, so the new version can serve at once with the models there are.
    const before = two.current().pack;
    t2.tick();
    expect(await two.pollStore()).toBe(true);
    expect(trainingKey(two.current().pack)).toBe(trainingKey(before));
    expect(two.servedVersion()).toBe(version.id);
    expect(two.current().pack.topicTexts.en!['hearing.interpreter']!.answer).toEqual(['An interpreter is free.']);
    expect(two.current().pack.version).toBe(version.packVersion);
    // Nothing new: a poll swaps nothing.
    expect(await two.pollStore()).toBe(false);

    // A version that does not compile (written past the editor, as older code might have): skipped, the last good one serves.
    const files = await editor.textsOf(version.id);
    files.set(en, 'hearing.interpreter: [');
    await versions.addVersion({
      expectHead: version.id,
      kind: 'publish',
      packVersion: 'broken',
      authorName: 'x',
      why: 'x',
      createdAt: 2,
      files: [...files].map(([p, t]) => ({ path: p, text: t })),
    });
    expect(await two.pollStore()).toBe(false);
    expect(two.servedVersion()).toBe(version.id);
    expect(two.lastProblems.some((p) => p.path === en && p.severity === 'error')).toBe(true);
    expect(two.current().pack.version).toBe(version.packVersion);

    // A server starting now skips the broken head too and serves the last version that compiles.
    const three = await ContentManager.fromStore(miniRoot, log, versions, { timer: handTimer().timer });
    expect(three.servedVersion()).toBe(version.id);
    expect(three.current().pack.version).toBe(version.packVersion);
    three.close();

    // A new example phrasing changes what the models learn: that version waits for its own models.
    const withExample = structuredClone(two.current().pack);
    withExample.topicTexts.en!['hearing.interpreter']!.examples.push('is there someone who speaks my language');
    expect(trainingKey(withExample)).not.toBe(trainingKey(two.current().pack));
    one.close();
    two.close();
    expect(t1.stopped() && t2.stopped()).toBe(true);
    await store.close();
    await store2.close();
  });

  it('answers EditorOff on a server that serves the files, even when the store holds versions', async () => {
    const store = await open('lotse');
    const editor = editorOf(new ContentManager(miniRoot, log), await store.contentVersions());
    await expect(editor.state(edith)).rejects.toMatchObject({ status: 409, code: 'EditorOff' });
    await store.close();
  });

  it('refuses to publish a draft whose file a later version changed, until it is saved again', async () => {
    const store = await open('stale');
    await store.migrate();
    const versions = await store.contentVersions();
    const content = await ContentManager.fromStore(miniRoot, log, versions, { timer: handTimer().timer });
    const editor = editorOf(content, versions);
    const en = 'content/en/topics/hearing.yaml';
    const v1 = (await editor.file(edith, en)).published!.text;
    // Edith starts a draft on version 1; meanwhile an import (as admin) changes the same file.
    await editor.putDraft(edith, { path: en, text: v1.replace('title: Interpreter', 'title: Interpreter (free)') });
    const files = [...(await editor.textsOf(1))].map(([p, text]) => ({
      path: p,
      text: p === en ? text.replace('title: After the interview', 'title: After it') : text,
    }));
    const imported = await editor.importApply({ ...edith, role: 'admin' }, files, { base: 1, why: 'from git' });
    expect(imported.version.id).toBe(2);
    expect((await editor.state(edith)).drafts).toMatchObject([{ path: en, stale: true, baseVersion: 1 }]);
    await expect(editor.publish(edith, { why: 'free' })).rejects.toMatchObject({ status: 409, code: 'StaleDraft', extra: { paths: [en] } });
    expect((await versions.head())!.id).toBe(2);
    // She looks, writes her change on the new text, and publishes: the import's change stays.
    const now = (await editor.file(edith, en)).published!.text;
    await editor.putDraft(edith, { path: en, text: now.replace('title: Interpreter', 'title: Interpreter (free)') });
    const pub = await editor.publish(edith, { why: 'free' });
    const final = (await editor.textsOf(pub.version.id)).get(en)!;
    expect(final).toContain('title: Interpreter (free)');
    expect(final).toContain('title: After it');
    content.close();
    await store.close();
  });

  it('DraftEdits: an example once however often it is added, a new topic that cannot be published until its answer is written', async () => {
    const store = await open('drafts');
    await store.migrate();
    const versions = await store.contentVersions();
    const content = await ContentManager.fromStore(miniRoot, log, versions, { timer: handTimer().timer });
    const editor = editorOf(content, versions);
    const by = { staffId: 'stf_d', name: 'Dashboard user' };
    const r1 = await editor.addExample({ topic: 'hearing.interpreter', lang: 'en', text: 'is the interpreter free', by, why: 'asked 12 times' });
    const r2 = await editor.addExample({ topic: 'hearing.interpreter', lang: 'en', text: 'is the interpreter free ', by });
    expect(r1).toEqual({ draftId: 'content/en/examples/hearing.yaml' });
    expect(r2).toEqual(r1);
    const d = await versions.draft(r1.draftId);
    expect(d).toMatchObject({ authorId: 'stf_d', authorName: 'Dashboard user', why: 'asked 12 times' });
    expect(d!.text!.match(/is the interpreter free/g)).toHaveLength(1);
    expect((await editor.check(edith)).ok).toBe(true);
    const published = await editor.publish(edith, { why: 'dashboard example' });
    expect(published.diff.files.map((f) => [f.path, f.status])).toEqual([[r1.draftId, 'added']]);

    const t = await editor.newTopic({ id: 'hearing.toilet-breaks', lang: 'en', question: 'can I take a break in the interview', by });
    expect(t.draftId).toBe('content/en/topics/hearing.yaml');
    expect((await versions.drafts()).map((x) => x.path)).toEqual(['content/en/topics/hearing.yaml', 'content/topics.yaml']);
    const refusedPublish = editor.publish(edith, { why: 'new topic' });
    await expect(refusedPublish).rejects.toMatchObject({ status: 422 });
    const problems = (await refusedPublish.catch((e: { extra: { problems: { path: string; message: string }[] } }) => e.extra.problems)) as {
      path: string;
      message: string;
    }[];
    expect(problems.some((p) => p.path === 'content/en/topics/hearing.yaml')).toBe(true);
    expect((await versions.head())!.id).toBe(published.version.id);
    content.close();
    await store.close();
  });
});
