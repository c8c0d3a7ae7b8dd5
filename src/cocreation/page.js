// The co-creation dashboard (issue 16.4): plain browser JavaScript, no build
// step. Everything from the server goes in with textContent, never as HTML.
// Charts are the server's SVG in <img>; "Download PNG" draws that image on a
// canvas (same origin, so the canvas may be read) at twice its size.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', data: null, query: '' };
  const CHARTS = [
    ['weekly', 'Questions per week'],
    ['languages', 'Questions per language'],
    ['helpfulness', 'Helpfulness per topic'],
    ['outcomes', 'Handoff outcomes per topic'],
  ];

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
  const td = (text, cls) => el('td', { text: text === null || text === undefined ? '–' : String(text), ...(cls ? { class: cls } : {}) });
  const langName = (code) => state.data?.languages.find((l) => l.code === code)?.englishName || code;
  const showError = (e) => ($('error').textContent = e ? String(e.message || e) : '');
  const status = (t) => ($('status').textContent = t);

  /** A short text alternative for each chart, from the same figures. */
  function altText(name, r) {
    if (name === 'weekly')
      return `Questions per week: ${r.perWeek.map((w) => `${w.week}: ${w.unanswered} unanswered, ${w.notHelpful} not helpful`).join('; ') || 'no data'}.`;
    if (name === 'languages')
      return `Questions per language: ${r.perLanguage.map((l) => `${langName(l.lang)}: ${l.unanswered} unanswered, ${l.notHelpful} not helpful`).join('; ') || 'no data'}.`;
    if (name === 'helpfulness')
      return `Helpful share per topic: ${r.helpfulnessByTopic.map((t) => `${t.topic}: ${t.helpfulPercent === null ? 'too few' : `${t.helpfulPercent}%`} of ${t.total}`).join('; ') || 'no data'}.`;
    return `Handoff outcomes per topic: ${r.outcomes.map((o) => `${o.topic}: ${r.outcomeKeys.map((k) => `${o.byOutcome[k]} ${k}`).join(', ')}`).join('; ') || 'no data'}.`;
  }

  function downloadPng(img, name) {
    const scale = 2;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth * scale;
    c.height = img.naturalHeight * scale;
    const g = c.getContext('2d');
    g.scale(scale, scale);
    g.drawImage(img, 0, 0);
    c.toBlob((blob) => {
      const a = el('a', { href: URL.createObjectURL(blob), download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }, 'image/png');
  }

  function renderCharts(r) {
    $('charts').replaceChildren(
      ...CHARTS.map(([name, label]) => {
        const src = `/console/api/cocreation/chart/${name}.svg?${state.query}`;
        const img = el('img', { src, alt: altText(name, r), width: '760' });
        const file = `lotse-${name}-${r.from}-${r.to}`;
        return el(
          'figure',
          {},
          img,
          el(
            'figcaption',
            {},
            el('button', { type: 'button', 'data-png': name, onclick: () => downloadPng(img, `${file}.png`) }, `Download PNG: ${label}`),
            el('a', { class: 'button', href: src, download: `${file}.svg` }, 'SVG'),
          ),
        );
      }),
    );
  }

  function actionCell(g) {
    const canEdit = state.data.canEdit;
    const phrasing = el('select', { 'aria-label': 'Phrasing to add' }, ...g.phrasings.map((p) => new Option(p.text, p.text)));
    const topic = el('select', { 'aria-label': 'Topic to add it to' }, ...state.data.topics.map((t) => new Option(`${t.title} (${t.id})`, t.id)));
    if (g.suggestion) topic.value = g.suggestion.topic;
    const newId = el('input', { 'aria-label': 'New topic id, like hearing.bus-ticket', placeholder: 'new topic id', autocomplete: 'off' });
    const send = async (path, body) => {
      showError('');
      try {
        const r = await api(`/cocreation/${path}?${state.query}`, { method: 'POST', body: { group: g.id, lang: g.lang, text: phrasing.value, ...body } });
        status(`Saved as a draft (${r.draftId}); it takes effect when a reviewer publishes it.`);
      } catch (e) {
        showError(e);
      }
    };
    const add = el('button', { type: 'button', class: 'primary', onclick: () => send('example', { topic: topic.value }) }, 'Add as example');
    const start = el('button', { type: 'button', onclick: () => send('topic', { id: newId.value.trim() }) }, 'Start new topic');
    if (!canEdit) for (const b of [add, start]) b.disabled = true;
    return el(
      'td',
      {},
      el(
        'div',
        { class: 'act' },
        phrasing,
        el('div', { class: 'row' }, topic, add),
        el('div', { class: 'row' }, newId, start),
        ...(canEdit ? [] : [el('span', { class: 'meta', text: 'Drafts need the content editor: this server serves content files (CONTENT_SOURCE=files).' })]),
      ),
    );
  }

  function render() {
    const { report: r } = state.data;
    renderCharts(r);
    $('groups-note').textContent = r.otherQuestions.length
      ? `Not shown, because fewer than ${r.k} people asked each: ${r.otherQuestions.map((o) => `${langName(o.lang)} ${o.questions} questions in ${o.groups} groups`).join('; ')}.`
      : '';
    $('groups').tBodies[0].replaceChildren(
      ...(r.groups.length
        ? r.groups.map((g) =>
            el(
              'tr',
              {},
              td(langName(g.lang)),
              el('td', {}, el('ul', { class: 'phrasings' }, ...g.phrasings.map((p) => el('li', {}, el('bdi', { lang: g.lang, text: p.text }), ` (${p.n})`)))),
              td(g.questions, 'num'),
              td(r.weeks.map((w, i) => `${w.slice(5)} ${g.perWeek[i]}`).join(' · ')),
              td(
                [g.suggestion ? `${g.suggestion.topic} (${Math.round(g.suggestion.score * 100)}%)` : 'none', g.answeredAs ? `answered as ${g.answeredAs}` : '']
                  .filter(Boolean)
                  .join(' · '),
              ),
              actionCell(g),
            ),
          )
        : [el('tr', {}, el('td', { colspan: '6', text: 'No group of at least 5 people in this range.' }))]),
    );
    $('helpful').tBodies[0].replaceChildren(
      ...r.helpfulness.map((h) =>
        el(
          'tr',
          {},
          td(h.topic),
          td(langName(h.lang)),
          td(h.yes, 'num'),
          td(h.no, 'num'),
          td(h.helpfulPercent === null ? 'too few' : `${h.helpfulPercent}%`, 'num'),
        ),
      ),
    );
    $('outcomes').tHead.rows[0].replaceChildren(
      el('th', { scope: 'col', text: 'Topic' }),
      ...r.outcomeKeys.map((k) => el('th', { scope: 'col', class: 'num', text: k })),
      el('th', { scope: 'col', class: 'num', text: 'All' }),
    );
    $('outcomes').tBodies[0].replaceChildren(
      ...r.outcomes.map((o) => el('tr', {}, td(o.topic), ...r.outcomeKeys.map((k) => td(o.byOutcome[k], 'num')), td(o.total, 'num'))),
    );
  }

  async function load() {
    const f = $('range').elements;
    const q = new URLSearchParams();
    for (const k of ['from', 'to', 'lang']) if (f[k].value) q.set(k, f[k].value);
    state.query = q.toString();
    $('csv').href = `/console/api/cocreation.csv?${state.query}`;
    showError('');
    try {
      state.data = await api(`/cocreation?${state.query}`);
    } catch (e) {
      showError(e);
      return;
    }
    f.from.value = state.data.report.from;
    f.to.value = state.data.report.to;
    render();
  }

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
    $('me').textContent = `${me.staff.name} · ${me.staff.role}`;
    if (me.staff.role !== 'admin' && me.staff.role !== 'editor') {
      $('gate-text').textContent = 'This page is for content editors and admins.';
      $('gate').hidden = false;
      return;
    }
    const sel = $('range').elements.lang;
    for (const l of me.languages) sel.append(new Option(l.englishName, l.code));
    $('range').addEventListener('submit', (e) => {
      e.preventDefault();
      void load();
    });
    $('app').hidden = false;
    await load();
  }
  void boot();
})();
