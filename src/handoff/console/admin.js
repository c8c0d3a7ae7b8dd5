// Admin page of the console: plain browser JavaScript, no build step, no
// framework. Everything from the server goes in with textContent (never as
// HTML), so a name or a message cannot inject markup. Sections are chosen
// by the address's #fragment, so the browser's back button and links work.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', me: null, meta: null, staff: [], editing: null, auditPage: 1, closedPage: 1 };

  async function api(path, opts = {}) {
    const res = await fetch(`/console/api${path}`, {
      method: opts.method || 'GET',
      headers: { 'Content-Type': 'application/json', ...(state.csrf ? { 'X-CSRF-Token': state.csrf } : {}) },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = new Error(data.error?.message || `HTTP ${res.status}`);
      e.status = res.status;
      throw e;
    }
    return data;
  }
  const showError = (e) => ($('error').textContent = e ? String(e.message || e) : '');
  const announce = (text) => {
    $('announcer').textContent = '';
    setTimeout(() => ($('announcer').textContent = text), 50);
  };
  const el = (tag, props = {}, ...children) => {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v);
    }
    for (const c of children) n.append(c);
    return n;
  };
  const td = (text, cls) => el('td', { text: text === undefined || text === null ? '–' : String(text), ...(cls ? { class: cls } : {}) });
  const langName = (code) => state.meta?.languages.find((l) => l.code === code)?.englishName || code;
  const when = (ms) =>
    ms ? new Intl.DateTimeFormat('en-GB', { timeZone: state.meta?.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms)) : '–';
  /** Seconds as "42 s", "7 min 30 s", "2 h 5 min"; a dash without data. */
  const duration = (s) => {
    if (s === null || s === undefined) return '–';
    const t = Math.round(s);
    if (t < 60) return `${t} s`;
    if (t < 3600) return `${Math.floor(t / 60)} min${t % 60 ? ` ${t % 60} s` : ''}`;
    const m = Math.round((t % 3600) / 60);
    return `${Math.floor(t / 3600)} h${m ? ` ${m} min` : ''}`;
  };
  const list = (s) =>
    String(s || '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const fill = (tbody, rows) => {
    tbody.replaceChildren(...rows);
    if (!rows.length) {
      const cols = tbody.closest('table').querySelectorAll('thead th').length;
      tbody.append(el('tr', {}, el('td', { colspan: String(cols), class: 'meta', text: 'Nothing to show.' })));
    }
  };

  // ------------------------------------------------------------- sections ---
  const SECTIONS = ['staff', 'stats', 'audit', 'closed'];
  const loaders = { staff: loadStaff, stats: loadStats, audit: loadAudit, closed: loadClosed };
  function show() {
    const name = SECTIONS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'staff';
    for (const s of SECTIONS) $(s).hidden = s !== name;
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.section === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    showError('');
    loaders[name]().catch(showError);
    return name;
  }
  window.addEventListener('hashchange', () => {
    const name = show();
    $(`${name}-title`).focus();
  });

  // A table wider than a phone scrolls inside its box; the box takes focus so the keyboard can scroll it too.
  for (const w of document.querySelectorAll('.table-wrap')) {
    w.tabIndex = 0;
    w.setAttribute('role', 'region');
    w.setAttribute('aria-label', w.querySelector('caption')?.textContent || 'Table');
  }

  async function boot() {
    let me;
    try {
      me = await api('/me');
    } catch {
      $('gate-text').textContent = 'Please sign in at the console first; this page uses the same sign-in.';
      $('gate').hidden = false;
      return;
    }
    state.csrf = me.csrf;
    state.me = me.staff;
    $('me').textContent = `${me.staff.name} · ${me.staff.role}`;
    $('logout').hidden = false;
    if (me.staff.role !== 'admin') {
      $('gate-text').textContent = 'This page is for admins. Your account is a caseworker account.';
      $('gate').hidden = false;
      return;
    }
    state.meta = await api('/admin/meta');
    for (const fs of document.querySelectorAll('fieldset.langs'))
      for (const l of state.meta.languages)
        fs.append(el('label', {}, el('input', { type: 'checkbox', name: 'languages', value: l.code }), `${l.englishName} (${l.code})`));
    $('topic-list').replaceChildren(...state.meta.topics.map((t) => el('option', { value: t })));
    $('closed-form').elements.lang.append(...state.meta.languages.map((l) => new Option(l.englishName, l.code)));
    $('closed-note').textContent =
      `Conversations closed in the last ${state.meta.retentionDays} days; older transcripts are deleted. Times in ${state.meta.timeZone}.`;
    fillStaffSelects();
    $('app').hidden = false;
    show();
  }
  $('logout').addEventListener('click', async () => {
    await api('/logout', { method: 'POST' }).catch(() => {});
    location.href = '/console';
  });

  function fillStaffSelects() {
    for (const sel of [$('audit-form').elements.actor, $('closed-form').elements.caseworker]) {
      const keep = sel.value;
      sel.replaceChildren(sel.options[0], ...state.meta.staff.map((s) => new Option(s.name + (s.active ? '' : ' (inactive)'), s.id)));
      sel.value = keep;
    }
  }

  // ---------------------------------------------------------------- staff ---
  async function loadStaff() {
    state.staff = (await api('/staff')).staff;
    state.meta.staff = state.staff.map((s) => ({ id: s.id, name: s.name, active: s.active }));
    fillStaffSelects();
    fill(
      $('staff-table').tBodies[0],
      state.staff.map((s) => {
        const actions = el(
          'div',
          { class: 'actions' },
          el('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${s.name}`, onclick: () => edit(s) }),
          el('button', {
            type: 'button',
            text: s.active ? 'Deactivate' : 'Reactivate',
            'aria-label': `${s.active ? 'Deactivate' : 'Reactivate'} ${s.name}`,
            onclick: () => setActive(s, !s.active),
          }),
          el('button', { type: 'button', text: 'Reset password', 'aria-label': `Reset password of ${s.name}`, onclick: () => resetPassword(s) }),
        );
        return el(
          'tr',
          { 'data-staff': s.email },
          el('th', { scope: 'row', text: s.name }),
          td(s.email),
          td(s.role),
          td(s.languages.map(langName).join(', ') || 'none'),
          td(s.topics.join(', ') || 'all'),
          td(s.active ? 'active' : 'inactive'),
          el('td', {}, actions),
        );
      }),
    );
  }
  const checked = (form) => [...form.querySelectorAll('input[name=languages]:checked')].map((i) => i.value);
  function edit(s) {
    state.editing = s;
    const f = $('edit-form');
    $('edit-title').textContent = `Edit ${s.name}`;
    f.elements.role.value = s.role;
    f.elements.topics.value = s.topics.join(', ');
    for (const i of f.querySelectorAll('input[name=languages]')) i.checked = s.languages.includes(i.value);
    f.hidden = false;
    $('edit-title').focus();
  }
  $('edit-cancel').addEventListener('click', () => {
    $('edit-form').hidden = true;
    state.editing = null;
  });
  $('edit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const s = state.editing;
    if (!s) return;
    const f = ev.target;
    try {
      await api(`/staff/${encodeURIComponent(s.id)}`, {
        method: 'PATCH',
        body: { role: f.elements.role.value, languages: checked(f), topics: list(f.elements.topics.value) },
      });
      f.hidden = true;
      $('staff-status').textContent = `Saved ${s.name}.`;
      showError('');
      await loadStaff();
    } catch (e) {
      showError(e);
    }
  });
  async function setActive(s, active) {
    try {
      await api(`/staff/${encodeURIComponent(s.id)}`, { method: 'PATCH', body: { active } });
      $('staff-status').textContent = `${s.name} is ${active ? 'active again' : 'deactivated: they cannot sign in and get no conversations'}.`;
      showError('');
      await loadStaff();
    } catch (e) {
      showError(e);
    }
  }
  async function resetPassword(s) {
    if (!window.confirm(`Reset the password of ${s.name}? Their current password stops working.`)) return;
    try {
      const r = await api(`/staff/${encodeURIComponent(s.id)}/password`, { method: 'POST', body: {} });
      const box = $('staff-status');
      box.replaceChildren(
        `Temporary password for ${s.name}: `,
        el('code', { class: 'secret', id: 'temp-password', text: r.temporaryPassword }),
        ' Shown only now: give it to them in person or by phone, never by e-mail.',
      );
      showError('');
    } catch (e) {
      showError(e);
    }
  }
  $('add-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      const s = await api('/staff', {
        method: 'POST',
        body: {
          name: f.elements.name.value,
          email: f.elements.email.value,
          password: f.elements.password.value,
          role: f.elements.role.value,
          languages: checked(f),
          topics: list(f.elements.topics.value),
        },
      });
      f.reset();
      $('staff-status').textContent = `Added ${s.name} (${s.email}).`;
      showError('');
      await loadStaff();
    } catch (e) {
      showError(e);
    }
  });

  // ----------------------------------------------------------- statistics ---
  // Empty dates at first: the server's default (the last 30 days up to today in the office's time zone), then shown in the form.
  const statsQuery = () => {
    const f = $('stats-form').elements;
    const q = new URLSearchParams();
    if (f.from.value) q.set('from', f.from.value);
    if (f.to.value) q.set('to', f.to.value);
    return q.toString();
  };
  async function loadStats() {
    const s = await api(`/admin/stats?${statsQuery()}`);
    const f = $('stats-form').elements;
    f.from.value = s.from;
    f.to.value = s.to;
    $('csv').href = `/console/api/admin/stats.csv?${new URLSearchParams({ from: s.from, to: s.to })}`;
    $('stats-note').textContent =
      `${s.from} to ${s.to}, days in ${s.timeZone}. Median: the middle value; p90: nine in ten were at most this long (nearest rank).`;
    const card = (label, value) => el('li', {}, el('span', { class: 'v', text: value }), label);
    $('stats-cards').replaceChildren(
      card('handoffs', String(s.total)),
      card(`wait to first reply, median (${s.waitToFirstReply.n})`, duration(s.waitToFirstReply.median)),
      card('wait to first reply, p90', duration(s.waitToFirstReply.p90)),
      card(`time to close, median (${s.timeToClose.n})`, duration(s.timeToClose.median)),
      card('time to close, p90', duration(s.timeToClose.p90)),
      card(`mean rating (${s.ratings.n} ratings)`, s.ratings.mean === null ? '–' : `${s.ratings.mean} / 5`),
    );
    const max = (rows) => Math.max(1, ...rows.map((r) => r.n));
    const countRow = (label, n, top) => {
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
      bar.style.width = `${Math.round((n / top) * 6)}rem`;
      const cell = td(n, 'num');
      cell.append(bar);
      return el('tr', {}, el('th', { scope: 'row', text: label }), cell);
    };
    const rows = (items, label) => items.map((x) => countRow(label(x), x.n, max(items)));
    fill(
      $('t-day').tBodies[0],
      rows(s.perDay, (x) => x.day),
    );
    fill(
      $('t-lang').tBodies[0],
      rows(s.perLanguage, (x) => `${langName(x.key)} (${x.key})`),
    );
    fill(
      $('t-topic').tBodies[0],
      rows(s.perTopic, (x) => x.key),
    );
    fill(
      $('t-outcome').tBodies[0],
      rows(s.perOutcome, (x) => x.key),
    );
    fill(
      $('t-rating').tBodies[0],
      rows(s.ratings.distribution, (x) => String(x.score)),
    );
    fill(
      $('t-worker').tBodies[0],
      s.perCaseworker.map((c) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row', text: c.name }),
          td(c.handoffs, 'num'),
          td(c.closed, 'num'),
          td(duration(c.medianWait), 'num'),
          td(duration(c.medianClose), 'num'),
          td(c.ratings, 'num'),
          td(c.ratingMean, 'num'),
        ),
      ),
    );
  }
  $('stats-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError('');
    loadStats()
      .then(() => announce('Statistics updated.'))
      .catch(showError);
  });

  // ------------------------------------------------------------ audit log ---
  const pager = (id, page, pageSize, total) => {
    const p = $(id);
    const pages = Math.max(1, Math.ceil(total / pageSize));
    p.querySelector('span').textContent = `Page ${page} of ${pages} · ${total} in all`;
    p.querySelector('[data-step="-1"]').disabled = page <= 1;
    p.querySelector('[data-step="1"]').disabled = page >= pages;
  };
  async function loadAudit() {
    const f = $('audit-form').elements;
    const q = new URLSearchParams({ page: String(state.auditPage) });
    if (f.actor.value) q.set('actor', f.actor.value);
    if (f.action.value.trim()) q.set('action', f.action.value.trim());
    const r = await api(`/admin/audit?${q}`);
    fill(
      $('audit-table').tBodies[0],
      r.entries.map((e) =>
        el('tr', {}, td(when(e.at)), td(e.staffName || 'system'), td(e.action + (e.targetName ? ` (${e.targetName})` : '')), td(e.handoffId)),
      ),
    );
    pager('audit-pager', r.page, r.pageSize, r.total);
  }
  $('audit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.auditPage = 1;
    loadAudit().catch(showError);
  });
  $('audit-pager').addEventListener('click', (ev) => {
    const step = Number(ev.target.dataset?.step);
    if (!step) return;
    state.auditPage = Math.max(1, state.auditPage + step);
    loadAudit().catch(showError);
  });

  // ------------------------------------------------- closed conversations ---
  async function loadClosed() {
    const f = $('closed-form').elements;
    const q = new URLSearchParams({ page: String(state.closedPage) });
    for (const k of ['q', 'lang', 'topic', 'outcome', 'caseworker', 'from', 'to']) if (f[k].value.trim()) q.set(k, f[k].value.trim());
    const r = await api(`/admin/closed?${q}`);
    fill(
      $('closed-table').tBodies[0],
      r.items.map((h) =>
        el(
          'tr',
          { 'data-handoff': h.id },
          td(when(h.closedAt)),
          el('th', { scope: 'row' }, el('code', { text: h.pseudonym })),
          td(langName(h.lang)),
          td(h.topic),
          td(h.outcome + (h.outcomeService ? ` (${h.outcomeService})` : '')),
          td(h.caseworker),
          td(h.rating, 'num'),
          el(
            'td',
            {},
            el('button', { type: 'button', text: 'Open', 'aria-label': `Open the transcript of ${h.pseudonym}`, onclick: () => openTranscript(h.id) }),
          ),
        ),
      ),
    );
    pager('closed-pager', r.page, r.pageSize, r.total);
  }
  $('closed-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.closedPage = 1;
    $('transcript').hidden = true;
    loadClosed()
      .then(() => announce('Search results updated.'))
      .catch(showError);
  });
  $('closed-pager').addEventListener('click', (ev) => {
    const step = Number(ev.target.dataset?.step);
    if (!step) return;
    state.closedPage = Math.max(1, state.closedPage + step);
    loadClosed().catch(showError);
  });
  async function openTranscript(id) {
    try {
      const r = await api(`/admin/closed/${encodeURIComponent(id)}`);
      const h = r.handoff;
      $('transcript-title').textContent = `Transcript of ${h.pseudonym}`;
      $('transcript-meta').textContent =
        `${langName(h.lang)} · ${h.topic || 'no topic'} · ${h.outcome}${h.caseworker ? ` · ${h.caseworker}` : ''} · opened ${when(h.createdAt)} · closed ${when(h.closedAt)}` +
        (h.outcomeNote ? ` · note: ${h.outcomeNote}` : '');
      const who = { person: 'Person', caseworker: 'Caseworker', bot: 'Bot', system: 'System' };
      $('transcript-list').replaceChildren(
        ...r.messages.map((m) =>
          el(
            'li',
            { class: `m-${m.kind === 'message' ? m.author : m.kind}`, dir: 'auto' },
            el('span', { class: 'who', text: `${m.kind === 'note' ? 'Note' : m.staffName || who[m.author] || m.author} · ${when(m.at)}` }),
            m.text,
          ),
        ),
      );
      $('transcript').hidden = false;
      $('transcript-title').focus();
    } catch (e) {
      showError(e);
    }
  }
  $('transcript-close').addEventListener('click', () => {
    $('transcript').hidden = true;
    $('closed-title').focus();
  });

  boot().catch(showError);
})();
