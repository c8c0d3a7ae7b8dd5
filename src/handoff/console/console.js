// Caseworker console: plain browser JavaScript, no build step. Keyboard and
// screen reader friendly: native buttons and forms, an aria-live announcer
// for new handoffs and messages, dir="auto" on every conversation line.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', me: null, languages: [], queue: [], current: null, seen: new Set(), sound: true, lastSeq: 0, es: null };

  async function api(path, opts = {}) {
    const res = await fetch(`/console/api${path}`, {
      method: opts.method || 'GET',
      headers: { 'Content-Type': 'application/json', ...(state.csrf ? { 'X-CSRF-Token': state.csrf } : {}) },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error?.message || `HTTP ${res.status}`);
    return data;
  }
  const announce = (text) => {
    $('announcer').textContent = '';
    setTimeout(() => ($('announcer').textContent = text), 50);
  };
  const showError = (e) => ($('error').textContent = e ? String(e.message || e) : '');
  const langName = (code) => (state.languages.find((l) => l.code === code) || { englishName: code }).englishName;
  const langDir = (code) => (state.languages.find((l) => l.code === code) || { dir: 'ltr' }).dir;

  function beep() {
    if (!state.sound) return;
    try {
      const ctx = new AudioContext();
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = 880;
      g.gain.value = 0.1;
      o.connect(g).connect(ctx.destination);
      o.start();
      o.stop(ctx.currentTime + 0.25);
    } catch {
      /* no audio device: the badge and the announcement remain */
    }
  }

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
      $('app').hidden = false;
      $('me').textContent = `${me.staff.name} · ${me.staff.role} · ${me.staff.languages.map(langName).join(', ') || 'no languages set'}`;
      await loadQueue(true);
      const cols = await api('/colleagues');
      $('colleague').innerHTML = '';
      for (const c of cols.staff.filter((c) => c.id !== state.me.id)) $('colleague').append(new Option(`${c.name} (${c.languages.join(', ')})`, c.id));
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

  async function loadQueue(first) {
    const q = await api('/queue');
    state.queue = q.queue;
    $('wait').textContent = `Typical wait: ${q.typicalWaitMinutes} min`;
    const waiting = q.queue.filter((h) => h.status === 'queued');
    const fresh = waiting.filter((h) => !state.seen.has(h.id));
    for (const h of q.queue) state.seen.add(h.id);
    $('badge').hidden = waiting.length === 0;
    $('badge').textContent = String(waiting.length);
    document.title = `${waiting.length ? `(${waiting.length}) ` : ''}Lotse – caseworker console`;
    if (!first && fresh.length) {
      beep();
      announce(`New conversation waiting: ${fresh.map((h) => `${langName(h.lang)}${h.priority === 0 ? ', urgent' : ''}`).join('; ')}`);
    }
    renderQueue();
  }

  function renderQueue() {
    const ul = $('queue-list');
    ul.innerHTML = '';
    for (const h of state.queue) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.id = h.id;
      if (h.priority === 0) b.classList.add('urgent');
      if (state.current && state.current.id === h.id) b.setAttribute('aria-current', 'true');
      const status =
        h.status === 'queued'
          ? `waiting ${h.waitingMinutes} min${h.position ? `, #${h.position}` : ''}`
          : h.caseworkerId === state.me.id
            ? 'with you'
            : 'with a colleague';
      b.innerHTML = '';
      const title = document.createElement('strong');
      title.textContent = `${h.priority === 0 ? 'URGENT · ' : ''}${langName(h.lang)} · ${h.ref.channel}`;
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = `${status} · ${h.topic || h.reason}${h.offHours ? ' · left a message' : ''}${h.matches ? '' : ' · not your languages'}`;
      b.append(title, meta);
      b.addEventListener('click', () => openHandoff(h.id));
      li.append(b);
      ul.append(li);
    }
    if (!state.queue.length) {
      const li = document.createElement('li');
      li.className = 'meta';
      li.textContent = 'Nobody is waiting.';
      ul.append(li);
    }
  }

  function renderMessage(m) {
    if (document.querySelector(`#messages li[data-seq="${m.seq}"]`)) return;
    const li = document.createElement('li');
    li.dataset.seq = String(m.seq);
    const kind = m.kind === 'message' ? m.author : m.kind;
    li.className = `m-${kind}`;
    li.setAttribute('dir', 'auto');
    const who = { person: 'Person', caseworker: 'You/colleague', bot: 'Bot', system: '' }[m.author] || '';
    const prefix = m.kind === 'note' ? 'Note: ' : m.kind === 'transcript' ? `${who} (before handoff): ` : m.kind === 'alert' ? '⚠ ' : who ? `${who}: ` : '';
    li.textContent = prefix;
    appendLightMarkup(li, m.text);
    $('messages').append(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  /** The content's light markup as the person sees it: **bold** as <strong>; everything else stays text (never HTML). */
  function appendLightMarkup(el, text) {
    const parts = String(text).split(/\*\*(?=\S)([^\n]*?\S)\*\*/);
    parts.forEach((part, i) => {
      if (i % 2 === 0) {
        if (part) el.append(document.createTextNode(part));
      } else {
        const b = document.createElement('strong');
        b.textContent = part;
        el.append(b);
      }
    });
  }

  async function openHandoff(id) {
    showError();
    try {
      const { handoff, messages } = await api(`/handoffs/${encodeURIComponent(id)}`);
      state.current = handoff;
      $('conv-title').textContent = `${langName(handoff.lang)} · ${handoff.ref.channel}${handoff.priority === 0 ? ' · URGENT' : ''}`;
      $('conv-meta').textContent = `Reason: ${handoff.reason}${handoff.topic ? ` · topic ${handoff.topic}` : ''} · status ${handoff.status}`;
      $('messages').innerHTML = '';
      $('messages').setAttribute('dir', langDir(handoff.lang));
      for (const m of messages) renderMessage(m);
      const mine = handoff.status === 'active' && (handoff.caseworkerId === state.me.id || state.me.role === 'admin');
      $('conv-actions').hidden = handoff.status !== 'queued';
      $('tools').hidden = !mine;
      if (mine) await loadAnswers(handoff.lang);
      renderQueue();
      (handoff.status === 'queued' ? $('take') : mine ? $('text') : $('conv-title')).focus();
    } catch (e) {
      showError(e);
    }
  }

  async function loadAnswers(lang) {
    const a = await api(`/answers?lang=${encodeURIComponent(lang)}&ui=en`);
    const sel = $('answer');
    sel.innerHTML = '';
    for (const x of a.answers) {
      const o = new Option(`${x.title} — ${x.titleInLanguage}`, x.topic);
      sel.append(o);
    }
    const svc = $('service');
    svc.innerHTML = '<option value="">–</option>';
    for (const s of a.services) svc.append(new Option(`${s.name}${s.example ? ' (example)' : ''}`, s.id));
  }

  $('take').addEventListener('click', async () => {
    try {
      await api(`/handoffs/${encodeURIComponent(state.current.id)}/take`, { method: 'POST' });
      announce('You took the conversation.');
      await openHandoff(state.current.id);
      await loadQueue(true);
    } catch (e) {
      showError(e);
    }
  });
  const post = (suffix, body) => api(`/handoffs/${encodeURIComponent(state.current.id)}/${suffix}`, { method: 'POST', body });
  $('send-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const m = await post('messages', { text: $('text').value });
      renderMessage(m);
      $('text').value = '';
      $('text').focus();
    } catch (e) {
      showError(e);
    }
  });
  $('answer-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      renderMessage(await post('messages', { topic: $('answer').value }));
    } catch (e) {
      showError(e);
    }
  });
  $('note-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      renderMessage(await post('notes', { text: $('note').value }));
      $('note').value = '';
    } catch (e) {
      showError(e);
    }
  });
  $('transfer-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post('transfer', { to: $('colleague').value });
      announce('Transferred.');
      await loadQueue(true);
      await openHandoff(state.current.id).catch(() => {});
    } catch (e) {
      showError(e);
    }
  });
  $('close-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post('close', { outcome: $('outcome').value, note: $('close-note').value, service: $('service').value });
      announce('Conversation closed.');
      $('tools').hidden = true;
      await loadQueue(true);
      await openHandoff(state.current.id).catch(() => {});
    } catch (e) {
      showError(e);
    }
  });

  // Live events; EventSource reconnects by itself and sends Last-Event-ID, and
  // the server replays what was stored meanwhile.
  function connect() {
    if (state.es) state.es.close();
    const es = new EventSource('/console/api/events');
    state.es = es;
    es.onmessage = (ev) => {
      const e = JSON.parse(ev.data);
      if (e.type === 'queue' || e.type === 'new') void loadQueue(false).catch(() => {});
      // The person deleted their data (the store's event text): what is on screen goes too, the conversation shows as ended.
      if (e.type === 'message' && e.message.author === 'system' && e.message.text === 'deleted by the person') {
        if (state.current && e.handoffId === state.current.id) {
          announce('The person deleted their data: the conversation is closed and its messages are gone.');
          void openHandoff(e.handoffId);
        }
        void loadQueue(false).catch(() => {});
        return;
      }
      if ((e.type === 'message' || e.type === 'alert') && state.current && e.handoffId === state.current.id) {
        renderMessage(e.message);
        if (e.message.author === 'person') announce(`New message: ${e.message.text}`);
      }
      if (e.type === 'alert') {
        beep();
        announce(`Alert: distress in a conversation (${e.message.text})`);
        void loadQueue(false).catch(() => {});
      }
    };
    es.onerror = () => {
      // A 401 (signed out) ends the stream for good; anything else reconnects.
      if (es.readyState === EventSource.CLOSED) setTimeout(() => void boot(), 2000);
    };
  }

  void boot();
})();
