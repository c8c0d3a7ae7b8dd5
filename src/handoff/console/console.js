// Caseworker console: plain browser JavaScript, no build step (the page's CSP
// allows only this file). Live: one Server-Sent Events stream updates the
// list and the open conversation in place. Keyboard and screen reader
// friendly: native buttons and forms, two aria-live regions, in-page
// confirmation steps (never window.confirm), dir="auto" on every text.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    csrf: '',
    me: null,
    languages: [],
    queue: [],
    queueAt: Date.now(),
    current: null,
    colleagues: [],
    answers: [],
    answersLang: '',
    chosen: null,
    active: -1,
    snippets: [],
    known: new Map(), // id -> { status, caseworkerId } as last seen, to notice what changed
    unread: new Map(), // id -> count of messages not seen yet
    sound: true,
    notify: false,
    es: null,
    booted: false,
  };

  // ----------------------------------------------------------- helpers ---
  async function api(path, opts = {}) {
    const res = await fetch(`/console/api${path}`, {
      method: opts.method || 'GET',
      headers: { 'Content-Type': 'application/json', ...(state.csrf ? { 'X-CSRF-Token': state.csrf } : {}) },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.error?.message || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }
  const el = (tag, props = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'dir' || k === 'lang' || k === 'role' || k === 'title') e.setAttribute(k, String(v));
      else e[k] = v;
    }
    for (const c of children) if (c !== undefined && c !== null) e.append(c);
    return e;
  };
  const announce = (text, urgent = false) => {
    const region = $(urgent ? 'alerter' : 'announcer');
    region.textContent = '';
    setTimeout(() => (region.textContent = text), 50);
  };
  const showError = (e) => ($('error').textContent = e ? String(e.message || e) : '');
  const lang = (code) => state.languages.find((l) => l.code === code) || { code, englishName: code, name: code, dir: 'ltr' };
  const langName = (code) => lang(code).englishName;
  // Small text badges as icons: every font has the letters (emoji fonts are not everywhere).
  const CHANNELS = { webchat: ['WEB', 'Web chat'], telegram: ['TG', 'Telegram'], azure: ['AZ', 'Azure Bot'] };
  const channel = (id) => CHANNELS[id] || [String(id).slice(0, 3).toUpperCase(), id];
  const icon = (text, kind) => el('span', { class: `icon icon-${kind}`, 'aria-hidden': 'true', text });
  /** "AR Arabic (العربية) · WEB Web chat", the icons hidden from screen readers (the words say it). */
  function langAndChannel(l, ch, native) {
    const [chIcon, chName] = channel(ch);
    const L = lang(l);
    const name = native && L.name !== L.englishName ? `${L.englishName} (${L.name})` : L.englishName;
    return [icon(l.toUpperCase(), 'lang'), `${name} · `, icon(chIcon, 'chan'), chName];
  }
  const staffName = (id) => (id === state.me?.id ? 'you' : state.colleagues.find((c) => c.id === id)?.name || 'a colleague');
  const pseudo = (h) => h.pseudonym || `Conversation ${h.id.slice(-4)}`;
  const isMine = (h) => h.status === 'active' && h.caseworkerId === state.me.id;
  const canAnswer = (h) => h.status === 'active' && (h.caseworkerId === state.me.id || state.me.role === 'admin');
  const timeOf = (at) => {
    const d = new Date(at);
    return el('time', { dateTime: d.toISOString(), title: d.toLocaleString(), text: d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) });
  };

  // A short tone made with WebAudio (no audio file). data-beeps counts the calls, so a test can see one happened.
  let audio;
  function beep() {
    if (!state.sound) return;
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    try {
      audio ||= new AudioContext();
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.12, audio.currentTime);
      g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.3);
      o.connect(g).connect(audio.destination);
      o.start();
      o.stop(audio.currentTime + 0.3);
    } catch {
      /* no audio device: the badge, the title and the announcement remain */
    }
  }
  // Browser notifications say only that something happened and the pseudonym: never what the person wrote.
  function notify(title, h) {
    if (!state.notify || !('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
    try {
      const n = new Notification(title, { body: h ? pseudo(h) : '', tag: h ? h.id : 'lotse' });
      n.onclick = () => {
        window.focus();
        if (h) void openHandoff(h.id);
      };
    } catch {
      /* notifications blocked: the rest still tells */
    }
  }
  /** Something that concerns me: sound, announcement, maybe a notification. */
  function signal(text, h, urgent = false) {
    beep();
    announce(text, urgent);
    notify(text, h);
  }

  // The transcript scrolls on its own: reachable by keyboard (set here, the markup linter wants no tabindex on a list).
  $('messages').tabIndex = 0;

  // ------------------------------------------------------------- boot ---
  async function boot() {
    try {
      const me = await api('/me');
      state.csrf = me.csrf;
      state.me = me.staff;
      state.languages = me.languages;
      $('login').hidden = true;
      // After an admin's reset the account may do nothing else until it has its own password.
      if (me.staff.mustChangePassword) return showPasswordForm(true);
      $('password').hidden = true;
      // Editors and translators have no conversations (issue 16): their place is the content editor.
      if (me.staff.role === 'editor' || me.staff.role === 'translator') return void location.assign('/console/admin/editor');
      $('app').hidden = false;
      $('admin-link').hidden = me.staff.role !== 'admin';
      $('editor-link').hidden = me.staff.role !== 'admin';
      $('me').textContent = `${me.staff.name} · ${me.staff.languages.map(langName).join(', ') || 'no languages set'}`;
      state.colleagues = (await api('/colleagues')).staff;
      await loadQueue(true);
      void loadSnippets();
      state.booted = true;
      connect();
    } catch {
      $('app').hidden = true;
      $('login').hidden = false;
      $('login').querySelector('input').focus();
    }
  }

  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      await api('/login', { method: 'POST', body: { email: f.get('email'), password: f.get('password') } });
      $('login-error').textContent = '';
      await boot();
    } catch (e) {
      $('login-error').textContent = e.message;
    }
  });
  function showPasswordForm(required) {
    $('app').hidden = required;
    $('password').hidden = false;
    $('password-why').textContent = required
      ? 'Your password was reset. Choose your own: at least 12 characters, not your e-mail address.'
      : 'At least 12 characters, not your e-mail address. You stay signed in here; other browsers are signed out.';
    $('password').querySelector('input').focus();
  }
  $('change-password').addEventListener('click', () => showPasswordForm(false));
  $('password').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      const r = await api('/password', { method: 'POST', body: { current: f.get('current'), next: f.get('next') } });
      state.csrf = r.csrf;
      ev.target.reset();
      $('password-error').textContent = '';
      $('password').hidden = true;
      await boot();
    } catch (e) {
      $('password-error').textContent = e.message;
    }
  });
  $('logout').addEventListener('click', async () => {
    await api('/logout', { method: 'POST' }).catch(() => {});
    location.reload();
  });
  $('sound').addEventListener('click', () => {
    state.sound = !state.sound;
    $('sound').setAttribute('aria-pressed', String(state.sound));
    $('sound').textContent = state.sound ? 'Sound on' : 'Sound off';
  });
  $('notify').addEventListener('click', async () => {
    if (!state.notify && 'Notification' in window && Notification.permission !== 'granted') {
      const p = await Notification.requestPermission().catch(() => 'denied');
      if (p !== 'granted') return void announce('The browser does not allow notifications for this page.');
    }
    state.notify = !state.notify && 'Notification' in window;
    $('notify').setAttribute('aria-pressed', String(state.notify));
    $('notify').textContent = state.notify ? 'Notifications on' : 'Notifications off';
  });

  // ------------------------------------------------------------ queue ---
  // One queue load at a time: a "new" and a "queue" event arrive together, and two loads comparing
  // against the same old list would announce one new conversation twice.
  let queueChain = Promise.resolve();
  function loadQueue(first) {
    const run = queueChain.then(() => fetchQueue(first));
    queueChain = run.catch(() => {});
    return run;
  }
  async function fetchQueue(first) {
    const q = await api('/queue');
    const before = state.known;
    state.queue = q.queue;
    state.queueAt = Date.now();
    state.known = new Map(q.queue.map((h) => [h.id, { status: h.status, caseworkerId: h.caseworkerId }]));
    $('wait').textContent = `Typical wait: ${q.typicalWaitMinutes} min`;
    // A conversation nobody here has opened yet counts as unread: at the start, every one waiting.
    if (first && !state.booted) for (const h of q.queue) if (h.status === 'queued' && !state.unread.has(h.id)) state.unread.set(h.id, 1);
    if (!first) {
      const fresh = q.queue.filter((h) => h.status === 'queued' && !before.has(h.id));
      for (const h of fresh) state.unread.set(h.id, (state.unread.get(h.id) || 0) + 1);
      if (fresh.length)
        signal(
          `New conversation waiting: ${fresh.map((h) => `${pseudo(h)}, ${langName(h.lang)}${h.urgent ? ', urgent' : ''}`).join('; ')}`,
          fresh[0],
          fresh.some((h) => h.urgent),
        );
    }
    renderQueue();
    refreshCurrentFromQueue();
  }

  function waitingMinutes(h) {
    return h.waitingMinutes + Math.floor((Date.now() - state.queueAt) / 60_000);
  }

  function updateCounts() {
    const waiting = state.queue.filter((h) => h.status === 'queued').length;
    let unread = 0;
    for (const [id, n] of state.unread) if (state.queue.some((h) => h.id === id)) unread += n;
    $('badge').hidden = waiting === 0;
    $('badge').textContent = String(waiting);
    $('badge-label').textContent = waiting ? ` ${waiting} waiting` : '';
    const n = unread;
    document.title = `${n ? `(${n}) ` : ''}Lotse console`;
  }

  function renderQueue() {
    const ul = $('queue-list');
    ul.replaceChildren();
    for (const h of state.queue) {
      const mine = isMine(h);
      const status =
        h.status === 'queued'
          ? `waiting ${waitingMinutes(h)} min${h.position ? `, #${h.position}` : ''}`
          : mine
            ? 'with you'
            : `with ${staffName(h.caseworkerId)}`;
      const n = state.unread.get(h.id) || 0;
      const needsSpeaker = h.urgent && h.languageMatch === false;
      const b = el(
        'button',
        {
          type: 'button',
          class: `entry${h.urgent ? ' urgent' : ''}${mine ? ' mine' : ''}`,
          'data-id': h.id,
          'data-unread': n,
          'aria-current': state.current?.id === h.id ? 'true' : undefined,
        },
        el(
          'span',
          { class: 'row1' },
          el('strong', { class: 'pseudonym', text: `${h.urgent ? '⚠ ' : ''}${pseudo(h)}` }),
          n ? el('span', { class: 'badge unread', text: String(n), 'aria-label': `${n} unread` }) : undefined,
        ),
        el('span', { class: 'meta chan' }, ...langAndChannel(h.lang, h.ref.channel, false)),
        h.preview ? el('span', { class: 'preview', dir: 'auto', lang: h.lang, text: h.preview }) : undefined,
        el('span', {
          class: 'meta',
          text: `${status} · ${h.reasonText || h.reason}${h.offHours ? ' · left a message' : ''}${h.matches === false ? ' · not your languages' : ''}`,
        }),
        h.urgent ? el('span', { class: 'marker', text: needsSpeaker ? `Urgent – needs a ${langName(h.lang)} speaker` : 'Urgent' }) : undefined,
      );
      b.addEventListener('click', () => void openHandoff(h.id));
      ul.append(el('li', {}, b));
    }
    if (!state.queue.length) ul.append(el('li', { class: 'meta', text: 'Nobody is waiting.' }));
    updateCounts();
  }

  // Waiting times tick without asking the server.
  setInterval(() => {
    if (state.booted) renderQueue();
  }, 30_000);

  /** The queue says the open conversation moved on (taken, closed, transferred): the view follows. */
  function refreshCurrentFromQueue() {
    const h = state.current;
    if (!h) return;
    const q = state.queue.find((x) => x.id === h.id);
    if (q && (q.status !== h.status || q.caseworkerId !== h.caseworkerId)) applyStatus({ handoffId: h.id, status: q.status, caseworkerId: q.caseworkerId });
  }

  // ------------------------------------------------------ conversation ---
  /** The content's light markup as the person sees it: **bold**, *italic*, [label](https://url), "- " lines; never HTML. */
  function appendMarkup(parent, text) {
    const re = /\*\*(?=\S)([^\n]*?\S)\*\*|\*(?=\S)([^*\n]*?\S)\*|\[([^\]\n]+)\]\((https?:\/\/[^\s)]+|tel:[+\d]+)\)/g;
    for (const line of String(text)
      .split('\n')
      .map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l))) {
      const bullet = /^\s*-\s+/.exec(line);
      let rest = line;
      if (bullet) {
        parent.append('• ');
        rest = line.slice(bullet[0].length);
      }
      let last = 0;
      for (const m of rest.matchAll(re)) {
        if (m.index > last) parent.append(rest.slice(last, m.index));
        if (m[1] !== undefined) parent.append(el('strong', { text: m[1] }));
        else if (m[2] !== undefined) parent.append(el('em', { text: m[2] }));
        else parent.append(el('a', { href: m[4], text: m[3], target: '_blank', rel: 'noopener noreferrer' }));
        last = m.index + m[0].length;
      }
      if (last < rest.length) parent.append(rest.slice(last));
    }
  }

  function authorLabel(m) {
    if (m.kind === 'note') return `Note by ${staffName(m.staffId)}`;
    if (m.kind === 'alert') return 'Alert';
    if (m.kind === 'event') return '';
    if (m.author === 'person') return `${pseudo(state.current)}${m.kind === 'transcript' ? ' (to the bot)' : ''}`;
    if (m.author === 'bot') return 'Lotse bot';
    if (m.author === 'caseworker') return m.staffId === state.me.id ? 'You' : staffName(m.staffId);
    return '';
  }

  function renderMessage(m) {
    if (document.querySelector(`#messages li[data-seq="${m.seq}"]`)) return;
    const side =
      m.kind === 'event'
        ? 'm-event'
        : m.kind === 'alert'
          ? 'm-alert'
          : m.kind === 'note'
            ? 'm-note'
            : m.author === 'person'
              ? 'side-person'
              : `side-team${m.author === 'bot' ? ' bot' : ''}`;
    const li = el('li', { 'data-seq': m.seq, 'data-author': m.author, 'data-kind': m.kind, class: `${side}${m.kind === 'transcript' ? ' m-transcript' : ''}` });
    if (m.kind === 'event') {
      // A status line, in one line: "10:31 · taken by Amal Haddad"; the opening says its reason in words.
      const opened = /^opened: /.test(m.text);
      const urgent = /\(urgent\)$/.test(m.text) ? ', urgent' : '';
      li.append(timeOf(m.at), ` · ${opened ? `request opened: ${state.current.reasonText || m.text.slice(8)}${urgent}` : m.text}`);
      return appendLine(li, m);
    }
    const who = authorLabel(m);
    li.append(el('span', { class: 'who' }, who ? el('span', { text: who }) : undefined, timeOf(m.at)));
    const body = el('div', { class: 'body', dir: 'auto' });
    if (m.author === 'person') body.lang = state.current.lang;
    if (m.pressed) {
      body.append(el('span', { class: 'meta', text: 'pressed ' }), el('span', { class: 'pressed', dir: 'auto', text: m.pressed }));
      if (m.pressedUi) body.append(el('span', { class: 'meta', text: ` (${m.pressedUi})` }));
    } else appendMarkup(body, m.text);
    li.append(body);
    if (m.author === 'caseworker' && m.kind === 'message' && m.undeliverableAt) li.append(el('span', { class: 'meta', text: 'not delivered yet' }));
    appendLine(li, m);
  }
  function appendLine(li, m) {
    $('messages').append(li);
    if (state.atBottom || m.author === 'caseworker') toBottom();
  }
  // The transcript follows new lines while the caseworker reads at its end, not while they scroll back.
  state.atBottom = true;
  function toBottom() {
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
    state.atBottom = true;
  }
  $('messages').addEventListener('scroll', () => {
    const list = $('messages');
    state.atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  // A tool panel opening shrinks the transcript: keep its end in view.
  new ResizeObserver(() => {
    if (state.atBottom) $('messages').scrollTop = $('messages').scrollHeight;
  }).observe($('messages'));

  function resetForms() {
    for (const f of ['transfer-form', 'close-form', 'note-form', 'snippet-form']) $(f).reset();
    $('transfer-confirm').hidden = true;
    $('close-confirm').hidden = true;
    $('text').value = '';
    $('answer-filter').value = '';
    state.chosen = null;
    state.active = -1;
    renderPreview();
    for (const b of document.querySelectorAll('#tool-tabs button')) setPanel(b, false);
  }

  async function openHandoff(id) {
    showError();
    try {
      const { handoff, messages } = await api(`/handoffs/${encodeURIComponent(id)}`);
      if (state.current?.id !== handoff.id) resetForms();
      state.current = handoff;
      state.unread.delete(handoff.id);
      $('conv-title').replaceChildren(
        el('span', { text: `${handoff.urgent ? '⚠ ' : ''}${pseudo(handoff)}` }),
        el('span', { class: 'meta' }, ...langAndChannel(handoff.lang, handoff.ref.channel, true)),
      );
      $('conv-meta').textContent = `${handoff.reasonText || handoff.reason} · opened ${new Date(handoff.createdAt).toLocaleString()} · ${statusWords(handoff)}`;
      $('conv-state').textContent = '';
      $('messages').replaceChildren();
      for (const m of messages) renderMessage(m);
      toBottom();
      applyControls();
      if (canAnswer(handoff)) {
        await loadAnswers(handoff.lang);
        fillServices();
      }
      fillColleagues(handoff.lang);
      $('layout').dataset.view = 'conv';
      renderQueue();
      (handoff.status === 'queued' ? $('take') : canAnswer(handoff) ? $('text') : $('conv-title')).focus();
    } catch (e) {
      showError(e);
    }
  }

  function statusWords(h) {
    if (h.status === 'queued') return 'waiting for someone to take it';
    if (h.status === 'active') return h.caseworkerId === state.me.id ? 'with you' : `with ${staffName(h.caseworkerId)}`;
    if (h.status === 'cancelled') return 'cancelled by the person';
    return 'closed';
  }

  function applyControls() {
    const h = state.current;
    $('conv-actions').hidden = h?.status !== 'queued';
    $('page').hidden = !h?.urgent || h.languageMatch !== false || h.status !== 'queued';
    $('tools').hidden = !h || !canAnswer(h);
  }

  /** A status change from the stream (or the queue): the open view says what happened and offers only what still works. */
  function applyStatus(e) {
    const h = state.current;
    if (!h || h.id !== e.handoffId) return;
    const was = { status: h.status, caseworkerId: h.caseworkerId };
    h.status = e.status;
    if (e.caseworkerId) h.caseworkerId = e.caseworkerId;
    let text = '';
    if (e.status === 'active' && e.caseworkerId !== state.me.id && (was.status === 'queued' || was.caseworkerId === state.me.id))
      text = e.transferredFrom
        ? `Transferred to ${staffName(e.caseworkerId)}.`
        : `Taken by ${e.by || staffName(e.caseworkerId)}. You can no longer answer here.`;
    else if (e.status === 'cancelled') text = 'The person cancelled the request. The conversation has ended.';
    else if (e.status === 'closed') text = `Closed${e.by ? ` by ${e.by}` : ''}.`;
    if (text) {
      $('conv-state').textContent = text;
      announce(`${pseudo(h)}: ${text}`);
    }
    $('conv-meta').textContent = `${h.reasonText || h.reason} · opened ${new Date(h.createdAt).toLocaleString()} · ${statusWords(h)}`;
    applyControls();
  }

  // ---------------------------------------------------------- answers ---
  async function loadAnswers(l) {
    if (state.answersLang === l && state.answers.length) return renderAnswers();
    const a = await api(`/answers?lang=${encodeURIComponent(l)}`);
    state.answers = a.answers;
    state.answersLang = l;
    state.answersUi = a.ui || 'en';
    state.services = a.services;
    renderAnswers();
  }
  function fillServices() {
    const svc = $('service');
    svc.replaceChildren(new Option('–', ''));
    for (const s of state.services || []) svc.append(new Option(`${s.name}${s.example ? ' (example)' : ''}`, s.id));
  }
  const fold = (s) => String(s).toLocaleLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
  function filtered() {
    const q = fold($('answer-filter').value.trim());
    const words = q.split(/\s+/).filter(Boolean);
    return state.answers.filter((a) => {
      const hay = fold(`${a.title} ${a.titleInLanguage} ${a.topic}`);
      return words.every((w) => hay.includes(w));
    });
  }
  function renderAnswers() {
    const list = filtered();
    const ul = $('answer-list');
    ul.replaceChildren();
    if (state.active >= list.length) state.active = list.length - 1;
    list.forEach((a, i) => {
      const li = el(
        'div',
        { role: 'option', id: `answer-opt-${i}`, 'data-topic': a.topic, 'aria-selected': state.chosen?.topic === a.topic ? 'true' : 'false' },
        el('span', { text: a.title }),
        a.titleInLanguage !== a.title ? el('span', { class: 'meta in-lang', dir: 'auto', lang: state.answersLang, text: a.titleInLanguage }) : undefined,
      );
      if (i === state.active) li.classList.add('active');
      li.addEventListener('click', () => choose(a, i));
      ul.append(li);
    });
    if (!list.length) ul.append(el('div', { class: 'meta', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false', text: 'No answer matches.' }));
    const active = state.active >= 0 ? `answer-opt-${state.active}` : '';
    if (active) $('answer-filter').setAttribute('aria-activedescendant', active);
    else $('answer-filter').removeAttribute('aria-activedescendant');
  }
  function choose(a, i) {
    state.chosen = a;
    state.active = i;
    renderAnswers();
    renderPreview();
    $(`answer-opt-${i}`)?.scrollIntoView({ block: 'nearest' });
  }
  function renderPreview() {
    const a = state.chosen;
    const l = state.current ? lang(state.current.lang) : null;
    $('preview-person-title').textContent = l ? `In ${l.englishName} (what is sent)` : "In the person's language (what is sent)";
    $('preview-ui-title').textContent = `In ${langName(state.answersUi || 'en')} (for you)`;
    $('preview-person').replaceChildren();
    $('preview-ui').replaceChildren();
    // Same language as the caseworker's: one pane is enough.
    const same = state.current?.lang === (state.answersUi || 'en');
    $('preview-ui').parentElement.hidden = same;
    $('answer-preview').classList.toggle('one', same);
    if (a) {
      $('preview-person').lang = state.answersLang;
      appendMarkup($('preview-person'), a.answer || a.preview);
      appendMarkup($('preview-ui'), a.answerUi || 'This answer has no text in your language.');
    }
    $('answer-send').disabled = !a;
    $('answer-chosen').textContent = a ? `Chosen: ${a.title}` : 'Nothing chosen yet.';
  }
  $('answer-filter').addEventListener('input', () => {
    state.active = -1;
    renderAnswers();
  });
  $('answer-filter').addEventListener('keydown', (ev) => {
    const list = filtered();
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!list.length) return;
      const i = ev.key === 'ArrowDown' ? Math.min(list.length - 1, state.active + 1) : Math.max(0, state.active - 1);
      choose(list[i], i);
    } else if (ev.key === 'Enter') {
      // Enter chooses; sending stays an explicit press of the Send button.
      ev.preventDefault();
      if (state.active >= 0 && list[state.active]) choose(list[state.active], state.active);
      else if (list.length === 1) choose(list[0], 0);
    }
  });
  $('answer-send').addEventListener('click', async () => {
    if (!state.chosen) return;
    try {
      renderMessage(await post('messages', { topic: state.chosen.topic }));
      announce(`Sent the answer "${state.chosen.title}".`);
      state.chosen = null;
      state.active = -1;
      $('answer-filter').value = '';
      renderAnswers();
      renderPreview();
    } catch (e) {
      showError(e);
    }
  });

  // --------------------------------------------------------- snippets ---
  async function loadSnippets() {
    state.snippets = (await api('/snippets')).snippets;
    renderSnippets();
  }
  function renderSnippets() {
    const ul = $('snippet-list');
    ul.replaceChildren();
    for (const s of state.snippets) {
      const insert = el('button', { type: 'button', class: 'insert', text: 'Insert', 'aria-label': `Insert snippet ${s.title}` });
      insert.addEventListener('click', () => {
        const t = $('text');
        const at = t.selectionStart ?? t.value.length;
        t.value = `${t.value.slice(0, at)}${s.text}${t.value.slice(t.selectionEnd ?? at)}`;
        t.focus();
        t.selectionStart = t.selectionEnd = at + s.text.length;
      });
      const del = el('button', { type: 'button', class: 'delete', text: 'Delete', 'aria-label': `Delete snippet ${s.title}` });
      del.hidden = !(s.mine || state.me.role === 'admin');
      del.addEventListener('click', async () => {
        try {
          await api(`/snippets/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
          announce(`Snippet ${s.title} deleted.`);
          await loadSnippets();
        } catch (e) {
          showError(e);
        }
      });
      ul.append(
        el(
          'li',
          { 'data-id': s.id },
          insert,
          el(
            'span',
            { class: 'text', dir: 'auto' },
            el('strong', { text: s.title }),
            s.shared ? el('span', { class: 'meta', text: ' (team)' }) : undefined,
            `\n${s.text}`,
          ),
          del,
        ),
      );
    }
    if (!state.snippets.length) ul.append(el('li', { class: 'meta', text: 'No snippets yet: save replies you use often below.' }));
  }
  $('snippet-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('/snippets', { method: 'POST', body: { title: $('snippet-title').value, text: $('snippet-text').value, shared: $('snippet-shared').checked } });
      $('snippet-form').reset();
      announce('Snippet saved.');
      await loadSnippets();
    } catch (e) {
      showError(e);
    }
  });

  // ------------------------------------------------------------ tools ---
  function setPanel(button, open) {
    button.setAttribute('aria-expanded', String(open));
    $(button.dataset.panel).hidden = !open;
  }
  function openPanel(id) {
    for (const b of document.querySelectorAll('#tool-tabs button')) setPanel(b, b.dataset.panel === id);
  }
  for (const b of document.querySelectorAll('#tool-tabs button'))
    b.addEventListener('click', () => {
      const open = b.getAttribute('aria-expanded') !== 'true';
      openPanel(open ? b.dataset.panel : '');
      if (open) $(b.dataset.panel).querySelector('input, select, textarea, button')?.focus();
    });

  function fillColleagues(l) {
    const sel = $('colleague');
    sel.replaceChildren(new Option('Choose a colleague', ''));
    const others = state.colleagues.filter((c) => c.id !== state.me.id);
    const speaks = others.filter((c) => c.languages.includes(l));
    const rest = others.filter((c) => !c.languages.includes(l));
    const label = (c) => `${c.name} – ${c.languages.map(langName).join(', ') || 'no languages set'}`;
    if (speaks.length) {
      const g = el('optgroup', { label: `Speak ${langName(l)}` });
      for (const c of speaks) g.append(new Option(label(c), c.id));
      sel.append(g);
    }
    if (rest.length) {
      const g = el('optgroup', { label: `Do not speak ${langName(l)}` });
      for (const c of rest) g.append(new Option(label(c), c.id));
      sel.append(g);
    }
    sel.value = '';
  }

  const post = (suffix, body) => api(`/handoffs/${encodeURIComponent(state.current.id)}/${suffix}`, { method: 'POST', body });

  async function take() {
    if (state.current?.status !== 'queued') return;
    try {
      await post('take');
      announce(`You took ${pseudo(state.current)}.`);
      await openHandoff(state.current.id);
      await loadQueue(true);
    } catch (e) {
      showError(e);
      if (e.status === 409) await loadQueue(true).catch(() => {});
    }
  }
  $('take').addEventListener('click', () => void take());
  $('page').addEventListener('click', async () => {
    try {
      await post('page');
      announce('Colleagues who speak the language were paged.');
    } catch (e) {
      showError(e.status === 404 ? new Error('Paging is not available on this server yet.') : e);
    }
  });
  $('back').addEventListener('click', () => {
    $('layout').dataset.view = 'list';
    document.querySelector(`#queue-list button[data-id="${state.current?.id}"]`)?.focus();
  });

  async function sendText() {
    const text = $('text').value;
    if (!text.trim()) return;
    try {
      const m = await post('messages', { text });
      renderMessage(m);
      $('text').value = '';
      $('text').focus();
    } catch (e) {
      showError(e);
    }
  }
  $('send-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void sendText();
  });
  // Enter sends, Shift+Enter is a new line (and an input method composing a word keeps its Enter).
  $('text').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      void sendText();
    }
  });

  // The person sees "typing…" while the caseworker writes (at most one signal every 4 s; best effort).
  let typingSentAt = 0;
  $('text').addEventListener('input', () => {
    const h = state.current;
    if (!h || !canAnswer(h) || Date.now() - typingSentAt < 4000 || !$('text').value.trim()) return;
    typingSentAt = Date.now();
    void post('typing').catch(() => {});
  });
  // Read receipts: the person is told once a caseworker has read their message, so only while the page is seen.
  const markRead = () => {
    if (state.current && canAnswer(state.current) && !document.hidden) void post('read').catch(() => {});
  };
  document.addEventListener('visibilitychange', markRead);
  let typingTimer;

  $('note-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      renderMessage(await post('notes', { text: $('note').value }));
      $('note').value = '';
      announce('Note added.');
    } catch (e) {
      showError(e);
    }
  });

  // Transfer and close ask first, in the page, naming the conversation, so nothing lands on the wrong person.
  $('transfer-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const sel = $('colleague');
    if (!sel.value) return;
    $('transfer-question').textContent = `Transfer ${pseudo(state.current)} (${langName(state.current.lang)}) to ${sel.selectedOptions[0].textContent}?`;
    $('transfer-confirm').hidden = false;
    $('transfer-yes').focus();
  });
  $('transfer-no').addEventListener('click', () => {
    $('transfer-confirm').hidden = true;
    $('colleague').focus();
  });
  $('transfer-yes').addEventListener('click', async () => {
    try {
      const to = $('colleague').value;
      await post('transfer', { to });
      announce(`${pseudo(state.current)} transferred to ${staffName(to)}.`);
      resetForms();
      // Not reopened: it is the colleague's now (reopening would only fail); the view says where it went.
      applyStatus({ handoffId: state.current.id, status: 'active', caseworkerId: to, transferredFrom: state.me.id });
      await loadQueue(true);
    } catch (e) {
      showError(e);
    }
  });
  $('close-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const o = $('outcome');
    if (!o.value) return;
    const svc = $('service').value ? `, referred to ${$('service').selectedOptions[0].textContent}` : '';
    $('close-question').textContent =
      `Close the conversation with ${pseudo(state.current)} (${langName(state.current.lang)}) as "${o.selectedOptions[0].textContent}"${svc}?`;
    $('close-confirm').hidden = false;
    $('close-yes').focus();
  });
  $('close-no').addEventListener('click', () => {
    $('close-confirm').hidden = true;
    $('outcome').focus();
  });
  $('close-yes').addEventListener('click', async () => {
    try {
      const id = state.current.id;
      await post('close', { outcome: $('outcome').value, note: $('close-note').value, service: $('service').value });
      announce(`${pseudo(state.current)} closed.`);
      resetForms();
      await loadQueue(true);
      await openHandoff(id).catch(() => {});
    } catch (e) {
      showError(e);
    }
  });

  // Shortcuts with Alt+Shift, which neither browsers' menus nor screen readers' own keys use.
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      // First a question that is open, then (on a phone) back to the list.
      if (!$('close-confirm').hidden || !$('transfer-confirm').hidden) {
        $('close-confirm').hidden = $('transfer-confirm').hidden = true;
        return;
      }
      if ($('layout').dataset.view === 'conv' && getComputedStyle($('back')).display !== 'none') $('back').click();
      return;
    }
    if (!ev.altKey || !ev.shiftKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.code === 'KeyT') {
      ev.preventDefault();
      void take();
    } else if (ev.code === 'KeyN') {
      ev.preventDefault();
      const next =
        state.queue.find((h) => h.status === 'queued' && h.matches !== false && h.id !== state.current?.id) ||
        state.queue.find((h) => h.status === 'queued' && h.id !== state.current?.id);
      if (next) void openHandoff(next.id);
      else announce('Nobody else is waiting.');
    } else if (ev.code === 'KeyC') {
      ev.preventDefault();
      if (state.current && canAnswer(state.current)) {
        openPanel('panel-close');
        $('outcome').focus();
      }
    }
  });

  // ------------------------------------------------------------- live ---
  // EventSource reconnects by itself and sends Last-Event-ID; the server replays what was stored meanwhile.
  function connect() {
    if (state.es) state.es.close();
    const es = new EventSource('/console/api/events');
    state.es = es;
    es.onmessage = (ev) => {
      let e;
      try {
        e = JSON.parse(ev.data);
      } catch {
        return;
      }
      onEvent(e);
    };
    es.onerror = () => {
      // A 401 (signed out) ends the stream for good; anything else reconnects.
      if (es.readyState === EventSource.CLOSED) setTimeout(() => void boot(), 2000);
    };
  }

  function onEvent(e) {
    if (e.type === 'queue' || e.type === 'new') return void loadQueue(false).catch(() => {});
    if (e.type === 'status') {
      const h = state.queue.find((x) => x.id === e.handoffId) || (state.current?.id === e.handoffId ? state.current : undefined);
      if (e.status === 'active' && e.caseworkerId === state.me.id && e.transferredFrom && e.transferredFrom !== state.me.id) {
        state.unread.set(e.handoffId, (state.unread.get(e.handoffId) || 0) + 1);
        signal(`${e.by || 'A colleague'} transferred ${h ? pseudo(h) : 'a conversation'} to you.`, h);
      }
      applyStatus(e);
      return void loadQueue(true).catch(() => {});
    }
    if (e.type === 'typing') {
      if (!state.current || e.handoffId !== state.current.id) return;
      const t = $('typing');
      t.textContent = `${pseudo(state.current)} is typing…`;
      t.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        t.hidden = true;
      }, 6000);
      return;
    }
    if (e.type === 'paged') {
      const h = state.queue.find((x) => x.id === e.handoffId);
      signal(
        `${e.byName || 'A colleague'} asks for a ${langName(e.lang)} speaker${h ? `: ${pseudo(h)}` : ''}${e.priority > 0 ? ' (urgent)' : ''}.`,
        h,
        e.priority > 0,
      );
      return void loadQueue(false).catch(() => {});
    }
    if (e.type !== 'message' && e.type !== 'alert') return;
    const m = e.message;
    const open = state.current && e.handoffId === state.current.id;
    // The person deleted their data (the store's event text): what is on screen goes too.
    if (m.author === 'system' && m.text === 'deleted by the person') {
      if (open) {
        announce('The person deleted their data: the conversation has ended and its messages are gone.', true);
        $('messages').replaceChildren();
        renderMessage(m);
        applyStatus({ handoffId: e.handoffId, status: 'cancelled' });
        $('conv-state').textContent = 'The person deleted their data: the conversation has ended and its messages are gone.';
      }
      return void loadQueue(false).catch(() => {});
    }
    const h = state.queue.find((x) => x.id === e.handoffId);
    if (open) {
      renderMessage(m);
      if (m.author === 'person' && m.kind === 'message') {
        $('typing').hidden = true;
        markRead();
        announce(`${pseudo(state.current)}: ${m.text}`);
        if (document.hidden) {
          beep();
          notify('New message', state.current);
        }
      }
    } else if (m.author === 'person' && m.kind === 'message' && h) {
      state.unread.set(e.handoffId, (state.unread.get(e.handoffId) || 0) + 1);
      renderQueue();
      if (isMine(h) || h.status === 'queued') signal(`New message from ${pseudo(h)}.`, h);
    }
    if (e.type === 'alert') {
      beep();
      announce(`Alert in ${h ? pseudo(h) : 'a conversation'}: ${m.text}`, true);
      void loadQueue(false).catch(() => {});
    }
  }

  void boot();
})();
