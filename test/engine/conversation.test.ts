import { describe, expect, it } from 'vitest';
import { content, Conversation, repoRoot } from '../helpers/content.js';

const c = () => new Conversation(content());

describe('first contact', () => {
  it('asks for the language, each named in its own script, with the hinted language first', () => {
    const conv = c();
    conv.start('ar-SY');
    expect(conv.labels()).toEqual(['العربية', 'English']);
    expect(conv.text()).toContain('اختر لغتك');
    expect(conv.text()).toContain('Please choose your language');
    expect(conv.last.dir).toBe('rtl');
  });
  it('shows the privacy notice, then the main menu, in the chosen language', () => {
    const conv = c();
    conv.start();
    conv.press('العربية');
    expect(conv.texts()[0]).toContain('30');
    expect(conv.texts()[0]).toContain('روبوت');
    expect(conv.labels()).toContain('المقابلة');
    expect(conv.last.lang).toBe('ar');
    expect(conv.last.dir).toBe('rtl');
    expect(conv.session.lang).toBe('ar');
  });
  it('takes a typed language name', () => {
    const conv = c();
    conv.start();
    conv.say('arabic');
    expect(conv.session.lang).toBe('ar');
  });
  it('takes a question as first message when its language is clear, and answers it', () => {
    const conv = c();
    conv.start();
    conv.say('which documents do I need to bring to the interview');
    expect(conv.session.lang).toBe('en');
    expect(conv.text()).toContain('identity documents');
  });
  it('a returning person is not asked again', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.start();
    expect(conv.labels()).toContain('Hearing');
  });
});

describe('free text, buttons and navigation', () => {
  const ready = () => {
    const conv = c();
    conv.start();
    conv.press('English');
    return conv;
  };
  it('answers a clear question and asks whether it helped', () => {
    const conv = ready();
    conv.say('what papers should I take to the interview?');
    expect(conv.text()).toContain('identity documents');
    expect(conv.text()).toContain('Was this helpful?');
    expect(conv.labels()).toEqual(expect.arrayContaining(['Yes', 'No', 'Interpreter', 'Menu', 'Talk to a person']));
  });
  it('records feedback as an effect', () => {
    const conv = ready();
    conv.say('which documents do I bring');
    conv.press('No');
    expect(conv.effects).toEqual([{ type: 'feedback', topic: 'hearing.documents', lang: 'en', helpful: false }]);
    expect(conv.labels()).toContain('Talk to a person');
  });
  it('typed "yes" answers the feedback question', () => {
    const conv = ready();
    conv.say('which documents do I bring');
    conv.say('yes');
    expect(conv.effects).toEqual([{ type: 'feedback', topic: 'hearing.documents', lang: 'en', helpful: true }]);
  });
  it('menu, a submenu and back', () => {
    const conv = ready();
    conv.press('Hearing');
    expect(conv.text()).toBe('The hearing.');
    expect(conv.labels()).toEqual(['Step by step', 'Documents for the interview', 'Am I ready?', 'Back', 'Menu', 'Talk to a person']);
    conv.press('Documents for the interview');
    conv.say('back');
    expect(conv.text()).toBe('The hearing.');
    conv.press('Back');
    expect(conv.text()).toBe('What would you like to know?');
  });
  it('an option number typed in a menu chooses it', () => {
    const conv = ready();
    conv.say('1');
    expect(conv.text()).toBe('The hearing.');
  });
  it('"menu" typed in another served language works at any point', () => {
    const conv = ready();
    conv.press('Hearing');
    conv.say('القائمة');
    expect(conv.labels()).toContain('Hearing');
  });
  it('switches language from the menu and keeps it', () => {
    const conv = ready();
    conv.press('Change language');
    expect(conv.labels()).toEqual(['English', 'العربية']);
    conv.press('العربية');
    expect(conv.texts()[0]).toBe('سأكتب الآن بالعربية.');
    expect(conv.session.lang).toBe('ar');
    conv.say('menu');
    expect(conv.last.lang).toBe('ar');
  });
  it('a question clearly in another language switches the language and answers', () => {
    const conv = ready();
    conv.say('شو الأوراق اللي لازم آخدها معي');
    expect(conv.session.lang).toBe('ar');
    expect(conv.text()).toContain('وثائق الهوية');
  });
  it('asks "did you mean" when unsure, and a typed number picks', () => {
    const conv = ready();
    conv.say('interview');
    expect(conv.text()).toBe('Did you mean one of these?');
    expect(conv.labels().at(-1)).toBe('None of these');
    const first = conv.labels()[0]!;
    conv.say('1');
    expect(conv.text()).not.toBe('Did you mean one of these?');
    expect(conv.session.lastTopic).toBeDefined();
    expect(first.length).toBeGreaterThan(0);
  });
  it('says honestly when it does not know, offers menu and a person, and keeps the question', () => {
    const conv = ready();
    conv.say('bitcoin price football');
    expect(conv.text()).toContain('I do not know');
    expect(conv.labels()).toEqual(['Menu', 'Talk to a person']);
    expect(conv.effects).toEqual([{ type: 'unanswered', text: 'bitcoin price football', lang: 'en' }]);
  });
  it('three unknown answers in a row ask whether to connect a person; only a yes does (test/engine/misses.test.ts)', () => {
    const conv = ready();
    conv.say('bitcoin price');
    conv.say('football results');
    conv.say('weather tomorrow sunny');
    expect(conv.effects.map((e) => e.type)).toEqual(['unanswered']);
    expect(conv.text()).toContain('Shall I connect you with a person');
    conv.press('Yes');
    expect(conv.effects.map((e) => e.type)).toEqual(['handoff']);
  });
  it('"talk to a person" typed at any point asks for a handoff', () => {
    const conv = ready();
    conv.press('Hearing');
    conv.say('person');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'asked', priority: 'normal', lang: 'en', topic: undefined }]);
    expect(conv.text()).toContain('A person from our team can help you');
  });
});

describe('safety first', () => {
  it('the distress detector wins over a pending disambiguation', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('interview');
    expect(conv.session.pending?.kind).toBe('disambiguation');
    conv.say('i cant go on anymore i want to die');
    expect(conv.texts()[0]).toContain('144');
    expect(conv.effects[0]?.type).toBe('distress');
    expect(conv.labels()).toEqual(['Yes', 'No']);
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'distress', priority: 'urgent', lang: 'en', topic: 'meta.distress' }]);
  });
  it('even before a language is chosen, and in the language of the message', () => {
    const conv = c();
    conv.start();
    conv.say('بدي انتحر');
    expect(conv.session.lang).toBe('ar');
    expect(conv.texts()[0]).toContain('144');
  });
});

describe('"Are you safe right now?"', () => {
  it('a negation beside a question is not a crisis: never the crisis answer unasked, the question offered', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    const said = 'im not going to kill myself, i just want to know what documents to bring';
    conv.say(said);
    expect(conv.texts().join(' ')).not.toContain('144');
    expect(conv.effects.filter((e) => e.type === 'distress')).toEqual([]);
    // Either answered, or offered beside the crisis topic as a choice the person makes.
    expect(`${conv.texts().join(' ')} ${conv.labels().join(' ')}`).toMatch(/identity documents|Documents for the interview/);
  });
  // A doubtful message: hopeless words beside a question. (A negation, "I'm not going to kill
  // myself, I just want to know...", is not a crisis: see the test below.)
  const NEGATED = 'everything is dark, i cannot do this any longer, what do i bring';
  it('a doubtful message gets the question with two buttons, never a topic answer', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say(NEGATED);
    expect(conv.text()).toBe('Before I answer: are you safe right now?');
    expect(conv.labels()).toEqual(['Yes, I am safe', 'No / I need help now']);
    expect(conv.effects).toEqual([{ type: 'distress', lang: 'en', text: NEGATED, level: 'unsure' }]);
    expect(conv.session.pending).toEqual({ kind: 'safety-check', text: NEGATED });
  });
  it('"Yes, I am safe": a kind word with the 24/7 line, then the question answered', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say(NEGATED);
    conv.press('Yes, I am safe');
    expect(conv.texts()[0]).toContain('142');
    // The question, answered or offered, never the crisis answer again.
    expect(`${conv.text()} ${conv.labels().join(' ')}`).toMatch(/identity documents|Documents for the interview/);
    expect(conv.text()).not.toContain('144');
    expect(conv.session.pending?.kind).not.toBe('safety-check');
  });
  it('"No": the crisis answer and a person', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say(NEGATED);
    conv.press('No / I need help now');
    expect(conv.texts()[0]).toContain('144');
    expect(conv.labels()).toEqual(['Yes', 'No']);
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'distress', priority: 'urgent', lang: 'en', topic: 'meta.distress' }]);
  });
  it('typed "no" answers the question too, and more of the same is not a yes', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say(NEGATED);
    conv.say('no');
    expect(conv.texts()[0]).toContain('144');
    const again = c();
    again.start();
    again.press('English');
    again.say(NEGATED);
    again.say(NEGATED);
    expect(again.texts()[0]).toContain('144');
  });
  it('a clear crisis skips the question', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('i have been saving my pills and tonight i will take them all');
    expect(conv.texts()[0]).toContain('144');
  });
  it('is asked in every state: inside a walkthrough and while "did you mean" is pending', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('interview');
    expect(conv.session.pending?.kind).toBe('disambiguation');
    conv.say(NEGATED);
    expect(conv.text()).toBe('Before I answer: are you safe right now?');
  });
});

describe('the crisis answer at night', () => {
  it('says what helps now (24/7 numbers, the staff on duty) and offers to leave a message, not "a person now"', () => {
    const conv = c();
    conv.env = { officeOpen: false };
    conv.start();
    conv.press('English');
    conv.say('i want to die');
    const text = conv.text();
    expect(text).toContain('144');
    expect(text).toContain('Telefonseelsorge 142');
    expect(text).toContain('staff on duty');
    expect(text).toContain('leave a message');
    expect(text).not.toContain('connect you with a person from our team now');
  });
  it('in office hours offers a person now', () => {
    const conv = c();
    conv.env = { officeOpen: true };
    conv.start();
    conv.press('English');
    conv.say('i want to die');
    expect(conv.text()).toContain('connect you with a person');
  });
});

describe('privacy', () => {
  it('deletes data after confirmation and starts afresh', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('delete my data');
    expect(conv.labels()).toEqual(['Yes', 'No']);
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'delete-data' }]);
    expect(conv.session.lang).toBeUndefined();
    expect(conv.last.lang).toBe('en');
  });
});

describe('old and forged buttons: guarded choices count once, only when offered', () => {
  const EXPIRED = 'That choice has expired.';
  const ready = () => {
    const conv = c();
    conv.start();
    conv.press('English');
    return conv;
  };
  const payloadOf = (conv: Conversation, label: string) => conv.buttons().find((b) => b.label === label)!.payload;

  it('an old "Yes" under "delete my data", pressed after "No", deletes nothing: expired, then the menu', () => {
    const conv = ready();
    conv.say('delete my data');
    const yes = payloadOf(conv, 'Yes');
    conv.press('No');
    expect(conv.text()).toBe('OK, nothing was deleted.');
    conv.send({ kind: 'button', payload: yes });
    expect(conv.effects).toEqual([]);
    expect(conv.texts()[0]).toBe(EXPIRED);
    expect(conv.labels()).toContain('Hearing');
    expect(conv.session.lang).toBe('en');
  });

  it('a "Yes" counts once, and only the keyboard of the question open now: an older one gets the question again', () => {
    const conv = ready();
    conv.say('delete my data');
    const first = payloadOf(conv, 'Yes');
    conv.say('delete my data');
    conv.send({ kind: 'button', payload: first });
    expect(conv.effects).toEqual([]);
    expect(conv.texts()[0]).toBe(EXPIRED);
    expect(conv.labels()).toEqual(['Yes', 'No']);
    expect(conv.session.pending).toEqual({ kind: 'delete-confirm' });
    const fresh = payloadOf(conv, 'Yes');
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'delete-data' }]);
    conv.send({ kind: 'button', payload: fresh });
    expect(conv.effects).toEqual([]);
  });

  it('an old keyboard without a nonce (sent before nonces) never deletes, even while the question is open', () => {
    const conv = ready();
    conv.say('delete my data');
    conv.send({ kind: 'button', payload: 'del:yes' });
    expect(conv.effects).toEqual([]);
    expect(conv.texts()[0]).toBe(EXPIRED);
    expect(conv.labels()).toEqual(['Yes', 'No']);
  });

  it('a session saved before nonces, with its question open, takes no nonce at all', () => {
    for (const [pending, payload] of [
      [{ kind: 'delete-confirm' }, 'del:yes:0'],
      [{ kind: 'distress-offer' }, 'dx:yes:0'],
      [{ kind: 'delete-confirm' }, 'del:yes'],
      [{ kind: 'distress-offer' }, 'dx:yes'],
    ] as const) {
      const conv = ready();
      delete conv.session.kb;
      conv.session.pending = pending;
      conv.send({ kind: 'button', payload });
      expect(conv.effects).toEqual([]);
      expect(conv.texts()[0]).toBe(EXPIRED);
      // Asked again, now with a nonce: that Yes counts.
      conv.press('Yes');
      expect(conv.effects.map((e) => e.type)).toEqual([pending.kind === 'delete-confirm' ? 'delete-data' : 'handoff']);
    }
  });

  it('a forged or stale dx:yes never opens an urgent handoff; the offered one does, once', () => {
    const conv = ready();
    for (const forged of ['dx:yes', 'dx:yes:0', 'dx:yes:1', 'dx:yes:2', `dx:yes:${conv.session.kb}`]) {
      conv.send({ kind: 'button', payload: forged });
      expect(conv.effects).toEqual([]);
      expect(conv.texts()[0]).toBe(EXPIRED);
      expect(conv.labels()).toContain('Hearing');
    }
    conv.say('i want to die');
    const yes = payloadOf(conv, 'Yes');
    conv.send({ kind: 'button', payload: 'dx:yes' });
    expect(conv.effects).toEqual([]);
    // Still open: asked again, with fresh buttons.
    expect(conv.session.pending).toEqual({ kind: 'distress-offer' });
    expect(conv.labels()).toEqual(['Yes', 'No']);
    expect(payloadOf(conv, 'Yes')).not.toBe(yes);
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'distress', priority: 'urgent', lang: 'en', topic: 'meta.distress' }]);
    // The keyboard of the first offer, pressed after all that: expired.
    conv.send({ kind: 'button', payload: yes });
    expect(conv.effects).toEqual([]);
    expect(conv.texts()[0]).toBe(EXPIRED);
  });

  it('a double-tapped dx:yes asks once', () => {
    const conv = ready();
    conv.say('i want to die');
    const yes = payloadOf(conv, 'Yes');
    conv.send({ kind: 'button', payload: yes });
    expect(conv.effects.map((e) => e.type)).toEqual(['handoff']);
    conv.send({ kind: 'button', payload: yes });
    expect(conv.effects).toEqual([]);
    expect(conv.texts()[0]).toBe(EXPIRED);
  });

  it('"Are you safe?" answers count only for the question open now; an old "not safe" still gets the crisis answer', () => {
    const conv = ready();
    conv.say('everything is dark, i cannot do this any longer, what do i bring');
    const safe = payloadOf(conv, 'Yes, I am safe');
    const notSafe = payloadOf(conv, 'No / I need help now');
    conv.press('Yes, I am safe');
    conv.send({ kind: 'button', payload: safe });
    expect(conv.texts()[0]).toBe(EXPIRED);
    expect(conv.text()).not.toContain('142');
    conv.send({ kind: 'button', payload: 'sc:yes' });
    expect(conv.texts()[0]).toBe(EXPIRED);
    // Saying "I am not safe" is never turned away, however old the button; the person is offered, not handed over.
    conv.send({ kind: 'button', payload: notSafe });
    expect(conv.texts()[0]).toContain('144');
    expect(conv.effects.filter((e) => e.type === 'handoff')).toEqual([]);
    expect(conv.session.pending).toEqual({ kind: 'distress-offer' });
  });

  it('a double-tapped language button shows the welcome and the menu once', () => {
    const conv = c();
    conv.start();
    const english = payloadOf(conv, 'English');
    conv.send({ kind: 'button', payload: english });
    expect(conv.labels()).toContain('Hearing');
    const session = conv.session;
    conv.send({ kind: 'button', payload: english });
    expect(conv.last.messages).toEqual([]);
    expect(conv.session.lang).toBe('en');
    expect(conv.session.pos).toEqual(session.pos);
    expect(conv.session.history).toEqual(session.history);
  });

  it('choosing the language in use from a fresh keyboard still answers; an old keyboard still switches', () => {
    const conv = ready();
    conv.press('Change language');
    const arabic = payloadOf(conv, 'العربية');
    conv.press('English');
    expect(conv.texts()[0]).toBe('I will now write in English.');
    expect(conv.labels()).toContain('Hearing');
    conv.send({ kind: 'button', payload: arabic });
    expect(conv.session.lang).toBe('ar');
    expect(conv.texts()[0]).toBe('سأكتب الآن بالعربية.');
  });

  it('navigation buttons from old messages stay valid: menu options, topic links, Menu, Back', () => {
    const conv = ready();
    const hearing = payloadOf(conv, 'Hearing');
    conv.press('Hearing');
    const documents = payloadOf(conv, 'Documents for the interview');
    const menu = payloadOf(conv, 'Menu');
    conv.say('delete my data');
    conv.press('No');
    conv.say('i want to die');
    conv.press('No');
    conv.send({ kind: 'button', payload: hearing });
    expect(conv.text()).toBe('The hearing.');
    conv.send({ kind: 'button', payload: documents });
    expect(conv.text()).toContain('identity documents');
    conv.send({ kind: 'button', payload: menu });
    expect(conv.text()).toBe('What would you like to know?');
    conv.send({ kind: 'button', payload: hearing });
    conv.send({ kind: 'button', payload: 'n:back' });
    expect(conv.text()).toBe('What would you like to know?');
  });

  it('typed answers to the question open now still count', () => {
    const conv = ready();
    conv.say('delete my data');
    conv.say('yes');
    expect(conv.effects).toEqual([{ type: 'delete-data' }]);
  });
});

describe('bad input', () => {
  it('a very long message gets a polite answer', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('a'.repeat(5000));
    expect(conv.text()).toContain('very long');
  });
  it('photos and stickers get a polite answer', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.send({ kind: 'unsupported', what: 'photo' });
    expect(conv.text()).toContain('only read text');
  });
  it('empty and control-only text is ignored, stale buttons show the menu', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('\u0000\u0007  ');
    expect(conv.last.messages).toEqual([]);
    conv.send({ kind: 'button', payload: 'wt:next' });
    expect(conv.labels()).toContain('Hearing');
  });
  it('is deterministic: same input, same output', () => {
    const a = c();
    const b = c();
    for (const conv of [a, b]) {
      conv.start();
      conv.press('English');
      conv.say('which documents');
    }
    expect(a.last).toEqual(b.last);
    expect(a.session).toEqual(b.session);
  });
});

describe('privacy on each channel', () => {
  it("on Telegram the privacy answer adds, in the person's language, that Telegram can read bot chats; on the web chat it does not", async () => {
    const { runEngine } = await import('../../src/engine/engine.js');
    const { newSession } = await import('../../src/engine/session.js');
    const { repoRoot } = await import('../helpers/content.js');
    const starter = content(repoRoot);
    for (const lang of ['ar', 'fa', 'ps', 'uk', 'en', 'de']) {
      const session = { ...newSession(), lang };
      const ask = (channel: string) =>
        runEngine(starter, session, { kind: 'button', payload: 't:meta.privacy' }, { now: 0, channel }).reply.messages.map((m) =>
          m.kind === 'text' ? m.text : '',
        );
      const note = starter.t(lang, 'privacy.channel.telegram');
      // The answer names the configured retention ({{days}}: 30 by default).
      const answer = starter.pack.topicTexts[lang]!['meta.privacy']!.answer.map((a) => a.replaceAll('{{days}}', '30'));
      expect(ask('telegram')).toEqual([...answer, note]);
      expect(ask('webchat')).toEqual(answer);
    }
  });
});

describe('first contact in Latin letters (starter pack)', () => {
  it('a person writing Arabic in Latin letters is never asked "English or German?" only', () => {
    const conv = new Conversation(content(repoRoot));
    conv.start();
    conv.say('shu lazem jib ma3i 3al mo2abale');
    const langs = conv.labels();
    // Either answered in Arabic, or asked with Arabic offered first.
    if (conv.session.lang) expect(conv.session.lang).toBe('ar');
    else expect(langs[0]).toBe('العربية');
  });
});

describe('podcasts for Pashto speakers (starter pack)', () => {
  it('plays the Dari/Farsi recording, says which language it is, and offers Arabic', () => {
    const conv = new Conversation(content(repoRoot));
    conv.start();
    conv.press('پښتو');
    conv.press('اورېدل (پوډکاسټ)');
    conv.press('د مرکې لپاره چمتووالی');
    const audio = conv.last.messages.find((m) => m.kind === 'audio');
    expect(audio && audio.kind === 'audio' ? audio.lang : undefined).toBe('fa');
    expect(conv.text()).toContain('فارسی / دری');
    conv.press('au:hearing:ar');
    const again = conv.last.messages.find((m) => m.kind === 'audio');
    expect(again && again.kind === 'audio' ? again.url : undefined).toBe('/media/audio/hearing.ar.mp3');
  });
});
