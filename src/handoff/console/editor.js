// The content editor (issue 16.1): plain browser JavaScript, no build step,
// no framework, like the admin page. Everything from the server goes in with
// textContent or as a form field's value (never as HTML). Sections are chosen
// by the address's #fragment. Validation as you type asks the server, which
// runs compilePack (the code of `lotse validate`) on the draft, and each
// problem is shown at its field.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    csrf: '',
    me: null,
    editor: null,
    languages: [],
    sourceLang: 'en',
    topics: [],
    topic: null,
    topicTimer: 0,
    topicSeq: 0,
    doc: null,
    reviewFiles: [],
    chat: { session: null, lang: '' },
  };

  async function api(path, opts = {}) {
    const res = await fetch(`/console/api${path}`, {
      method: opts.method || 'GET',
      headers: { 'Content-Type': opts.type || 'application/json', ...(state.csrf ? { 'X-CSRF-Token': state.csrf } : {}) },
      body: opts.raw !== undefined ? opts.raw : opts.body ? JSON.stringify(opts.body) : undefined,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = new Error(data.error?.message || `HTTP ${res.status}`);
      e.status = res.status;
      e.problems = data.error?.problems;
      e.fields = data.error?.fields;
      throw e;
    }
    return data;
  }
  const showError = (e) => ($('error').textContent = e ? String(e.message || e) : '');
  const showStatus = (t) => ($('status').textContent = t || '');
  const announce = (text) => {
    $('announcer').textContent = '';
    setTimeout(() => ($('announcer').textContent = text), 50);
  };
  const el = (tag, props = {}, ...children) => {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else if (k === 'value') n.value = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== undefined && c !== null) n.append(c);
    return n;
  };
  const lang = (code) => state.languages.find((l) => l.code === code);
  const langName = (code) => lang(code)?.englishName || code;
  const when = (ms) => (ms ? new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms)) : '–');
  const lines = (s) =>
    String(s || '')
      .split('\n')
      .map((x) => x.trim())
      .filter(Boolean);
  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;
  const debounce = (key, fn, ms = 450) => {
    clearTimeout(state[key]);
    state[key] = setTimeout(fn, ms);
  };
  /** A unified diff as coloured lines (text only). */
  function diffView(unified) {
    const box = document.createDocumentFragment();
    for (const line of String(unified || '').split('\n')) {
      const cls = line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
      box.append(el('span', { class: cls || undefined, text: line }));
    }
    return box;
  }
  const canEditLang = (code) => state.me && (state.me.role === 'admin' || state.me.role === 'editor' || state.me.languages.includes(code));
  const canEditNeutral = () => state.me && (state.me.role === 'admin' || state.me.role === 'editor');
  const canPublish = () => Boolean(state.me?.canPublish);

  // ------------------------------------------------------------- sections ---
  const SECTIONS = ['topics', 'flows', 'services', 'podcasts', 'ui', 'review', 'publish', 'import', 'preview'];
  const loaders = {
    topics: loadTopics,
    flows: () => loadDocs('flows'),
    services: () => loadDocs('services'),
    podcasts: () => loadDocs('podcasts'),
    ui: () => loadDocs('ui'),
    review: loadReview,
    publish: loadPublish,
    import: async () => {},
    preview: loadPreview,
  };
  function show() {
    const h = location.hash.slice(1).split('/')[0];
    const name = SECTIONS.includes(h) ? h : 'topics';
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

  async function boot() {
    let me;
    try {
      me = await api('/me');
    } catch {
      $('gate-text').textContent = 'Please sign in at the console first; the editor uses the same sign-in.';
      $('gate').hidden = false;
      return;
    }
    state.csrf = me.csrf;
    $('logout').hidden = false;
    $('admin-link').hidden = me.staff.role !== 'admin';
    let st;
    try {
      st = await api('/editor/state');
    } catch (e) {
      $('me').textContent = `${me.staff.name} · ${me.staff.role}`;
      $('gate-text').textContent =
        e.status === 403 ? 'The content editor is for editors, translators and admins. Your account is a caseworker account.' : String(e.message);
      $('gate').hidden = false;
      return;
    }
    state.editor = st;
    state.me = st.me;
    state.languages = st.languages;
    state.sourceLang = st.sourceLang;
    const role = st.me.role === 'translator' ? `translator and reviewer for ${st.me.languages.map(langName).join(', ')}` : st.me.role;
    $('me').textContent = `${st.me.name} · ${role}`;
    for (const sel of [$('review-lang'), $('chat-lang')])
      sel.replaceChildren(...state.languages.map((l) => new Option(`${l.englishName} (${l.name})`, l.code)));
    const mine = state.me.role === 'translator' ? state.me.languages[0] : state.languages.find((l) => l.code !== state.sourceLang)?.code;
    if (mine) $('review-lang').value = mine;
    $('app').hidden = false;
    show();
  }
  $('logout').addEventListener('click', async () => {
    await api('/logout', { method: 'POST' }).catch(() => {});
    location.href = '/console';
  });
  async function refreshState() {
    state.editor = await api('/editor/state');
  }

  // --------------------------------------------------------------- topics ---
  const BADGE = { missing: 'missing', partial: 'partial', draft: 'draft', reviewed: 'reviewed' };
  async function loadTopics() {
    const r = await api('/editor/topics');
    state.topics = r.topics;
    renderTopicList();
    const wanted = decodeURIComponent(location.hash.split('/')[1] || '');
    if (wanted && wanted !== state.topic?.id) await openTopic(wanted);
  }
  function renderTopicList() {
    const q = $('topic-filter').value.trim().toLowerCase();
    const items = state.topics.filter((t) => !q || t.id.includes(q) || t.title.toLowerCase().includes(q));
    $('topic-list').replaceChildren(
      ...items.map((t) => {
        const open = Object.entries(t.states).filter(([, s]) => s === 'missing' || s === 'partial').length;
        const changed = t.changed ? ' · changed' : '';
        return el(
          'li',
          {},
          el(
            'button',
            { type: 'button', 'data-topic': t.id, 'aria-current': state.topic?.id === t.id ? 'true' : undefined, onclick: () => openTopic(t.id) },
            el('span', { text: t.title }),
            el('span', { class: 'flags', text: `${open ? `${open} to translate` : ''}${changed}` }),
          ),
        );
      }),
    );
  }
  $('topic-filter').addEventListener('input', renderTopicList);

  async function openTopic(id) {
    const v = await api(`/editor/topics/${encodeURIComponent(id)}`);
    state.topic = v;
    if (location.hash !== `#topics/${encodeURIComponent(id)}`) history.replaceState(null, '', `#topics/${encodeURIComponent(id)}`);
    renderTopicList();
    renderTopic();
    $('topic-heading').focus();
  }

  /** A labelled field with its problem line; `key` names it for the validator's problems ("ar|answer.0"). */
  function field(labelText, input, key, extra) {
    const pid = nextId('p');
    input.setAttribute('aria-describedby', pid);
    input.dataset.key = key;
    const id = input.id || (input.id = nextId('f'));
    return el(
      'div',
      { class: 'field' },
      el('label', { for: id, text: labelText }),
      input,
      extra,
      el('p', { class: 'problem', id: pid, 'data-problem': key, 'aria-live': 'polite' }),
    );
  }
  const textInput = (value, o = {}) =>
    el('input', { type: o.type || 'text', value: value ?? '', readonly: o.readOnly, dir: o.dir, lang: o.lang, oninput: o.oninput });
  const textArea = (value, o = {}) =>
    el('textarea', { rows: String(o.rows || 3), value: value ?? '', readonly: o.readOnly, dir: o.dir, lang: o.lang, oninput: o.oninput });

  function renderTopic() {
    const v = state.topic;
    $('topic-empty').hidden = true;
    $('topic-form').hidden = false;
    $('topic-heading').textContent = `${v.id} · ${v.flow}`;
    $('topic-check').textContent = '';
    const onInput = () => debounce('topicTimer', checkTopic);
    // Language-neutral facts: sources with their page and the date it was read.
    const facts = $('topic-facts');
    const ro = !canEditNeutral();
    const sources = (v.topic.sources || []).map((s) => (typeof s === 'string' ? { title: s } : { ...s }));
    const srcList = el('div', { id: 'sources' });
    const renderSources = () => {
      srcList.replaceChildren(
        ...sources.map((s, i) =>
          el(
            'fieldset',
            { class: 'source', 'data-source': String(i) },
            el('legend', { text: `Source ${i + 1}` }),
            el(
              'div',
              { class: 'row' },
              field('Title', textInput(s.title, { readOnly: ro, oninput: (e) => ((s.title = e.target.value), onInput()) }), `topic|sources.${i}.title`),
              field(
                'Page (URL)',
                textInput(s.url, { type: 'url', readOnly: ro || s.local, oninput: (e) => ((s.url = e.target.value), onInput()) }),
                `topic|sources.${i}.url`,
              ),
              field(
                'Read on',
                textInput(s.read, { type: 'date', readOnly: ro, oninput: (e) => ((s.read = e.target.value), onInput()) }),
                `topic|sources.${i}.read`,
              ),
            ),
            ro
              ? undefined
              : el('button', {
                  type: 'button',
                  class: 'small',
                  text: `Remove source ${i + 1}`,
                  onclick: () => (sources.splice(i, 1), renderSources(), onInput()),
                }),
          ),
        ),
      );
    };
    renderSources();
    state.topicSources = sources;
    const checked = textInput(v.topic.checked, { type: 'date', readOnly: ro, oninput: onInput });
    checked.id = 'topic-checked';
    facts.replaceChildren(
      el('h3', { text: 'Facts and sources (all languages)' }),
      el('p', { class: 'problem', 'data-problem': 'topic|', 'aria-live': 'polite' }),
      srcList,
      ro ? undefined : el('button', { type: 'button', text: 'Add a source', onclick: () => (sources.push({ title: '', url: '', read: '' }), renderSources()) }),
      el('div', { class: 'row' }, field('Facts last checked', checked, 'topic|checked')),
    );
    // One column per language, in menu order.
    $('topic-langs').replaceChildren(...state.languages.map((l) => langColumn(l, v, onInput)));
  }

  function langColumn(l, v, onInput) {
    const t = v.texts[l.code];
    const st = v.states[l.code];
    const ro = !canEditLang(l.code);
    const o = { readOnly: ro, dir: l.dir, lang: l.code, oninput: onInput };
    const col = el('div', { class: `lang${t ? '' : ' is-missing'}`, 'data-lang': l.code, role: 'group', 'aria-labelledby': `h-${l.code}` });
    const badges = el('span', {}, el('span', { class: `badge b-${st}`, text: BADGE[st] }));
    if (v.changed?.includes(l.code)) badges.append(' ', el('span', { class: 'badge b-changed', text: 'changed' }));
    if (ro) badges.append(' ', el('span', { class: 'badge b-readonly', text: 'read only' }));
    col.append(el('h3', { id: `h-${l.code}` }, el('span', { text: l.englishName }), el('span', { lang: l.code, dir: l.dir, text: `· ${l.name}` }), badges));
    col.append(el('p', { class: 'problem', 'data-problem': `${l.code}|`, 'aria-live': 'polite' }));
    if (!t) {
      col.append(el('p', { class: 'meta', text: `No ${l.englishName} text yet.` }));
      if (!ro)
        col.append(
          el('button', {
            type: 'button',
            text: `Write the ${l.englishName} text`,
            onclick: () => {
              v.texts[l.code] = { title: '', answer: [''], examples: [], keywords: [], review: 'draft' };
              col.replaceWith(langColumn(l, v, onInput));
            },
          }),
        );
      return col;
    }
    const body = el('div', { dir: l.dir, lang: l.code });
    body.append(field('Title', textInput(t.title, o), `${l.code}|title`));
    const answers = el('div', { class: 'answers' });
    const msgs = Array.isArray(t.answer) ? [...t.answer] : [''];
    const renderAnswers = () => {
      answers.replaceChildren(
        ...msgs.map((m, i) => {
          const ta = textArea(m, { ...o, rows: 4 });
          ta.classList.add('answer');
          ta.addEventListener('input', () => (msgs[i] = ta.value));
          const remove =
            !ro && msgs.length > 1
              ? el('button', {
                  type: 'button',
                  class: 'small',
                  text: `Remove message ${i + 1}`,
                  onclick: () => (msgs.splice(i, 1), renderAnswers(), onInput()),
                })
              : undefined;
          return el('div', { class: 'answer-item' }, field(`Answer, message ${i + 1}`, ta, `${l.code}|answer.${i}`, remove));
        }),
      );
      if (!ro && msgs.length < 3)
        answers.append(el('button', { type: 'button', class: 'small', text: 'Add a message', onclick: () => (msgs.push(''), renderAnswers()) }));
    };
    renderAnswers();
    body.append(el('div', { class: 'problem', 'data-problem': `${l.code}|answer`, 'aria-live': 'polite' }), answers);
    body.append(field('Examples (one a line)', textArea((t.examples || []).join('\n'), { ...o, rows: 4 }), `${l.code}|examples`));
    body.append(field('Keywords (one a line)', textArea((t.keywords || []).join('\n'), { ...o, rows: 2 }), `${l.code}|keywords`));
    const review = el('select', { disabled: ro }, new Option('draft', 'draft'), new Option('reviewed', 'reviewed'));
    review.value = t.review === 'reviewed' ? 'reviewed' : 'draft';
    review.addEventListener('change', onInput);
    body.append(field('Review', review, `${l.code}|review`));
    body.append(field('Partial: why it says less (empty: complete)', textInput(t.partial, o), `${l.code}|partial`));
    col.append(body);
    col._collect = () => {
      const q = (key) => col.querySelector(`[data-key="${l.code}|${key}"]`);
      const out = {
        ...t,
        title: q('title').value,
        answer: [...msgs],
        examples: lines(q('examples').value),
        keywords: lines(q('keywords').value),
        review: review.value,
      };
      const partial = q('partial').value.trim();
      if (partial) out.partial = partial;
      else delete out.partial;
      return out;
    };
    return col;
  }

  function collectTopic() {
    const v = state.topic;
    const texts = {};
    for (const col of $('topic-langs').querySelectorAll('.lang')) {
      const code = col.dataset.lang;
      if (!canEditLang(code)) continue;
      if (col._collect) texts[code] = col._collect();
    }
    const out = { texts };
    if (canEditNeutral()) {
      const sources = state.topicSources.map((s) => {
        const title = (s.title || '').trim();
        if (!s.url && !s.read && !s.local) return title;
        const o = { title };
        if (s.url) o.url = s.url.trim();
        if (s.local) o.local = true;
        if (s.read) o.read = s.read;
        return o;
      });
      const record = { ...v.topic, sources };
      const checked = $('topic-checked').value;
      if (checked) record.checked = checked;
      else delete record.checked;
      out.record = record;
    }
    return out;
  }

  /** Shows problems at their fields inside `root`; what has no field goes to `fallback`. Returns how many errors. */
  function showProblems(root, problems, fallback) {
    for (const p of root.querySelectorAll('[data-problem]')) p.textContent = '';
    for (const i of root.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    const rest = [];
    let errors = 0;
    for (const p of problems) {
      if (p.severity === 'error') errors++;
      const msg = `${p.severity === 'warning' ? 'Warning: ' : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`;
      let key = p.key;
      let box = key !== undefined ? root.querySelector(`[data-problem="${CSS.escape(key)}"]`) : null;
      // A problem about a list as a whole ("answer") or a field not shown: the nearest shown parent.
      while (!box && key && key.includes('.')) {
        key = key.slice(0, key.lastIndexOf('.'));
        box = root.querySelector(`[data-problem="${CSS.escape(key)}"]`);
      }
      if (!box && key) box = root.querySelector(`[data-problem="${CSS.escape(`${key.split('|')[0]}|`)}"]`);
      if (!box) {
        rest.push(msg);
        continue;
      }
      box.textContent = box.textContent ? `${box.textContent} ${msg}` : msg;
      if (p.severity === 'warning') box.classList.add('warning');
      else box.classList.remove('warning');
      const input = root.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (input && p.severity === 'error') input.setAttribute('aria-invalid', 'true');
    }
    if (fallback) fallback.textContent = rest.join(' ');
    return errors;
  }

  async function checkTopic() {
    const v = state.topic;
    if (!v) return;
    const seq = ++state.topicSeq;
    $('topic-check').textContent = 'Checking…';
    try {
      const r = await api(`/editor/topics/${encodeURIComponent(v.id)}/check`, { method: 'POST', body: collectTopic() });
      if (seq !== state.topicSeq) return;
      const errors = showProblems($('topic-form'), r.problems, $('topic-check'));
      if (!$('topic-check').textContent) $('topic-check').textContent = errors ? `${errors} problem${errors === 1 ? '' : 's'} to fix` : 'No problems.';
    } catch (e) {
      if (seq === state.topicSeq) $('topic-check').textContent = String(e.message);
    }
  }

  $('topic-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = state.topic;
    if (!v) return;
    clearTimeout(state.topicTimer);
    state.topicSeq++;
    try {
      const r = await api(`/editor/topics/${encodeURIComponent(v.id)}`, { method: 'PUT', body: collectTopic() });
      showError('');
      const n = r.saved.length;
      showStatus(n ? `Saved as a draft: ${r.saved.join(', ')}. Publish it under "Publish & history".` : 'Nothing changed.');
      announce(n ? 'Draft saved.' : 'Nothing changed.');
      await refreshState();
      const again = await api(`/editor/topics/${encodeURIComponent(v.id)}`);
      state.topic = again;
      renderTopic();
      showProblems($('topic-form'), r.problems, $('topic-check'));
      state.topics = (await api('/editor/topics')).topics;
      renderTopicList();
    } catch (e) {
      showStatus('');
      if (e.problems) {
        const errors = showProblems($('topic-form'), e.problems, $('topic-check'));
        showError(`Not saved: ${errors} problem${errors === 1 ? '' : 's'}, shown at the fields.`);
        const first = $('topic-form').querySelector('[aria-invalid="true"]');
        if (first) first.focus();
      } else showError(e);
    }
  });

  // ---------------------------------------- flows, services, podcasts, UI ---
  // Each is one or more files edited as data: the language-neutral structure and the texts of each language.
  const DOCS = {
    flows: { pane: 'flow-pane', list: 'flow-list' },
    services: { pane: 'services-pane' },
    podcasts: { pane: 'podcasts-pane' },
    ui: { pane: 'ui-pane' },
  };
  function pathsFor(kind, files) {
    const ps = files.map((f) => f.path);
    if (kind === 'flows') return ps.filter((p) => /^flows\/[^/]+\.ya?ml$/.test(p) || /^content\/[^/]+\/flows\.yaml$/.test(p));
    if (kind === 'services') return ps.filter((p) => p === 'content/services.yaml' || /^content\/[^/]+\/services\.yaml$/.test(p));
    if (kind === 'podcasts') return ps.filter((p) => p === 'content/podcasts.yaml' || /^content\/[^/]+\/podcasts\.yaml$/.test(p));
    return ps.filter((p) => /^locales\/[^/]+\/translation\.json$/.test(p));
  }
  function pathLabel(p) {
    const m = /^(?:content|locales)\/([^/]+)\//.exec(p);
    if (m && lang(m[1])) return `${p.split('/').pop()} · ${langName(m[1])}`;
    if (p.startsWith('flows/')) return `Flow "${p.slice(6).replace(/\.ya?ml$/, '')}" (structure)`;
    return `${p} (all languages)`;
  }
  async function loadDocs(kind) {
    const files = (await api('/editor/files')).files;
    const paths = pathsFor(kind, files);
    const pane = $(DOCS[kind].pane);
    // One file form at a time: the sections share its ids.
    for (const k of Object.keys(DOCS)) if (k !== kind) $(DOCS[k].pane).replaceChildren();
    const select = el('select', { id: `${kind}-file` }, ...paths.map((p) => new Option(pathLabel(p), p)));
    const wanted = state.doc?.kind === kind ? state.doc.path : (paths.find((p) => p.includes(`/${state.me.languages[0]}/`)) ?? paths[0]);
    if (wanted) select.value = wanted;
    const box = el('div', { id: `${kind}-doc` });
    select.addEventListener('change', () => openDoc(kind, select.value, box));
    pane.replaceChildren(el('div', { class: 'row' }, el('label', { for: select.id, text: 'File' }), select), box);
    if (select.value) await openDoc(kind, select.value, box);
  }

  async function openDoc(kind, path, box) {
    const r = await api(`/editor/data?path=${encodeURIComponent(path)}`);
    const d = { kind, path, data: r.data, canEdit: r.canEdit, dir: r.lang ? lang(r.lang)?.dir : 'ltr', lang: r.lang, box, source: r.source };
    state.doc = d;
    renderDoc();
  }

  function renderDoc() {
    const d = state.doc;
    const onChange = () => debounce('docTimer', checkDoc);
    const tree = el('div', { class: 'tree', dir: d.dir || 'ltr', lang: d.lang || undefined });
    if (d.data === undefined || d.data === null)
      tree.append(el('p', { class: 'problem', text: 'This file does not parse; fix it by importing a corrected file.' }));
    else if (d.kind === 'flows' && d.path.startsWith('flows/')) tree.append(flowEditor(d, onChange));
    else tree.append(valueEditor(d.data, [], d, onChange, d.path.split('/').pop()));
    const check = el('span', { class: 'meta', id: 'doc-check', 'aria-live': 'polite' });
    const save = el('button', { type: 'submit', class: 'primary', text: 'Save draft', disabled: !d.canEdit });
    const form = el(
      'form',
      { id: 'doc-form', novalidate: true },
      el('p', { class: 'problem', 'data-problem': '', 'aria-live': 'polite' }),
      tree,
      el('div', { class: 'actions' }, save, check),
    );
    if (!d.canEdit) form.prepend(el('p', { class: 'meta', text: 'Read only: your account cannot change this file.' }));
    form.addEventListener('submit', saveDoc);
    d.box.replaceChildren(form);
  }

  const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const keyOf = (path) => path.join('.');
  function setAt(root, path, value) {
    let o = root;
    for (const k of path.slice(0, -1)) o = o[k];
    o[path.at(-1)] = value;
  }
  function blankLike(v) {
    if (typeof v === 'string') return '';
    if (typeof v === 'number') return 0;
    if (typeof v === 'boolean') return false;
    if (Array.isArray(v)) return [];
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'id' ? 'new' : blankLike(x)]));
    return '';
  }

  /** A form for any JSON value: texts, numbers, yes/no, lists (add, remove, move) and records. */
  function valueEditor(value, path, d, onChange, label) {
    const ro = !d.canEdit;
    const key = keyOf(path);
    if (Array.isArray(value)) {
      const fs = el('fieldset', {}, el('legend', { text: label }));
      fs.append(el('p', { class: 'problem', 'data-problem': key, 'aria-live': 'polite' }));
      value.forEach((item, i) => {
        const tools = ro
          ? undefined
          : el(
              'div',
              { class: 'item-tools' },
              el('button', {
                type: 'button',
                class: 'small',
                text: 'Move up',
                'aria-label': `Move up: ${label} ${i + 1}`,
                disabled: i === 0,
                onclick: () => move(value, i, -1),
              }),
              el('button', {
                type: 'button',
                class: 'small',
                text: 'Move down',
                'aria-label': `Move down: ${label} ${i + 1}`,
                disabled: i === value.length - 1,
                onclick: () => move(value, i, 1),
              }),
              el('button', {
                type: 'button',
                class: 'small',
                text: 'Remove',
                'aria-label': `Remove ${label} ${i + 1}`,
                onclick: () => (value.splice(i, 1), renderDoc(), onChange()),
              }),
            );
        const inner = valueEditor(item, [...path, i], d, onChange, `${label} ${i + 1}${isObj(item) && item.id ? ` (${item.id})` : ''}`);
        fs.append(el('div', { class: 'item' }, inner, tools));
      });
      if (!ro)
        fs.append(
          el('button', {
            type: 'button',
            class: 'small',
            text: `Add to ${label}`,
            onclick: () => (value.push(value.length ? blankLike(value.at(-1)) : ''), renderDoc(), onChange()),
          }),
        );
      return fs;
    }
    if (isObj(value)) {
      const fs = el('fieldset', {}, el('legend', { text: label }));
      fs.append(el('p', { class: 'problem', 'data-problem': key, 'aria-live': 'polite' }));
      for (const [k, v] of Object.entries(value)) fs.append(valueEditor(v, [...path, k], d, onChange, k));
      return fs;
    }
    let input;
    if (typeof value === 'boolean') {
      input = el('input', { type: 'checkbox', disabled: ro });
      input.checked = value;
      input.addEventListener('change', () => (setAt(d.data, path, input.checked), onChange()));
    } else if (typeof value === 'number') {
      input = el('input', { type: 'number', value: String(value), readonly: ro, step: 'any' });
      input.addEventListener('input', () => (setAt(d.data, path, Number(input.value)), onChange()));
    } else {
      const s = value === null || value === undefined ? '' : String(value);
      input = s.length > 70 || s.includes('\n') ? el('textarea', { rows: '3', value: s, readonly: ro }) : el('input', { type: 'text', value: s, readonly: ro });
      input.addEventListener('input', () => (setAt(d.data, path, input.value), onChange()));
    }
    return field(label, input, key);
  }
  function move(list, i, by) {
    const [x] = list.splice(i, 1);
    list.splice(i + by, 0, x);
    renderDoc();
    debounce('docTimer', checkDoc);
    announce(`Moved to place ${i + by + 1}.`);
  }

  /** A flow: its steps in order, each movable, and a new step of any type. */
  const STEP_TYPES = {
    message: { topic: '' },
    menu: { options: [{ id: 'option', topic: '' }] },
    walkthrough: { pages: [{ id: 'one' }, { id: 'two' }] },
    question: {
      choices: [
        { id: 'yes', goto: '' },
        { id: 'no', goto: '' },
      ],
    },
    audio: { episode: '' },
    handoff: { reason: 'flow' },
    goto: { target: '' },
    directory: { need: '' },
  };
  function flowEditor(d, onChange) {
    const wrap = el('div', {});
    wrap.append(valueEditor(d.data.id, ['id'], d, onChange, 'Flow id'));
    const steps = d.data.steps || (d.data.steps = []);
    wrap.append(valueEditor(steps, ['steps'], d, onChange, 'Step'));
    if (d.canEdit) {
      const type = el('select', { id: 'new-step-type' }, ...Object.keys(STEP_TYPES).map((t) => new Option(t, t)));
      const id = el('input', { id: 'new-step-id', type: 'text', value: '' });
      wrap.append(
        el(
          'div',
          { class: 'row card' },
          el('label', { for: 'new-step-type', text: 'New step type' }),
          type,
          el('label', { for: 'new-step-id', text: 'Its id' }),
          id,
          el('button', {
            type: 'button',
            text: 'Add a step',
            onclick: () => {
              steps.push({ id: id.value.trim() || `step-${steps.length + 1}`, type: type.value, ...structuredClone(STEP_TYPES[type.value]) });
              renderDoc();
              onChange();
              announce('Step added at the end.');
            },
          }),
        ),
      );
    }
    return wrap;
  }

  async function checkDoc() {
    const d = state.doc;
    if (!d?.canEdit) return;
    const seq = (state.docSeq = (state.docSeq || 0) + 1);
    const check = $('doc-check');
    if (check) check.textContent = 'Checking…';
    try {
      const r = await api('/editor/data/check', { method: 'POST', body: { path: d.path, data: d.data } });
      if (seq !== state.docSeq) return;
      const errors = showProblems($('doc-form'), r.problems, check);
      if (!check.textContent) check.textContent = errors ? `${errors} problem${errors === 1 ? '' : 's'} to fix` : 'No problems.';
    } catch (e) {
      if (check) check.textContent = String(e.message);
    }
  }
  async function saveDoc(ev) {
    ev.preventDefault();
    const d = state.doc;
    clearTimeout(state.docTimer);
    state.docSeq = (state.docSeq || 0) + 1;
    try {
      const r = await api('/editor/data', { method: 'PUT', body: { path: d.path, data: d.data } });
      showError('');
      showStatus(r.saved ? `Saved as a draft: ${d.path}.` : 'Nothing changed.');
      showProblems($('doc-form'), r.problems, $('doc-check'));
      await refreshState();
    } catch (e) {
      if (e.problems) {
        const errors = showProblems($('doc-form'), e.problems, $('doc-check'));
        showError(`Not saved: ${errors} problem${errors === 1 ? '' : 's'}, shown at the fields.`);
      } else showError(e);
    }
  }

  // --------------------------------------------------------------- review ---
  $('review-lang').addEventListener('change', () => loadReview().catch(showError));
  async function loadReview() {
    const code = $('review-lang').value;
    const [r, drafts, pending] = await Promise.all([
      api(`/editor/review?lang=${encodeURIComponent(code)}`),
      api('/editor/drafts/diff'),
      api(`/editor/review/drafts?lang=${encodeURIComponent(code)}`),
    ]);
    const diffs = new Map(drafts.files.map((f) => [f.path, f]));
    const waiting = new Map(pending.drafts.map((x) => [x.path, x]));
    const canReview = canEditLang(code);
    $('review-note').textContent =
      `What changed in ${langName(code)}, and in the source language (${langName(r.sourceLang)}), since each file's last review: unpublished edits first.${
        canReview ? '' : ' You can read this queue; approving is for reviewers of this language.'
      }`;
    const rank = (f) => (waiting.has(f.path) ? 0 : f.sourceChanged ? 1 : f.review ? 2 : 3);
    const items = r.files
      .filter((f) => f.changedSinceReview || f.sourceChanged || waiting.has(f.path))
      .sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
    // What changed comes first and is counted; files nobody has reviewed yet wait below, folded.
    const changed = items.filter((f) => waiting.has(f.path) || f.sourceChanged || f.review);
    const never = items.filter((f) => !changed.includes(f));
    const open = changed.filter((f) => !waiting.get(f.path)?.approved);
    $('review-count').textContent = open.length ? String(open.length) : '';
    const list = $('review-list');
    if (!items.length) {
      list.replaceChildren(el('p', { class: 'meta', text: `Nothing to review in ${langName(code)}.` }));
      return;
    }
    const approve = (f, route, what) =>
      el('button', {
        type: 'button',
        class: 'primary',
        text: 'Approve',
        'aria-label': `Approve ${what} ${f.path}`,
        onclick: async () => {
          try {
            await api(route, { method: 'POST', body: { lang: code, path: f.path } });
            showStatus(`Approved ${what} ${f.path}.`);
            announce(`Approved ${f.path}.`);
            await loadReview();
          } catch (e) {
            showError(e);
          }
        },
      });
    const render = (f) => {
      const draft = waiting.get(f.path);
      const diff = diffs.get(f.path);
      const hid = `q-${f.path.replace(/[^a-z0-9]/gi, '-')}`;
      const last = f.review ? `Last reviewed by ${f.review.staffName}, ${when(f.review.at)} (version ${f.review.versionId}).` : 'Never reviewed.';
      const why = [];
      if (draft) why.push(`an unpublished edit by ${draft.authorName}`);
      else if (f.changedSinceReview && f.review) why.push('the published text changed');
      if (f.sourceChanged) why.push(`the ${langName(r.sourceLang)} text changed`);
      const item = el(
        'article',
        { class: 'queue-item', 'data-path': f.path, 'aria-labelledby': hid },
        el('h3', { id: hid, text: f.path }),
        el('p', { class: 'meta', text: `${last}${why.length ? ` To review: ${why.join('; ')}.` : ''}` }),
      );
      if (draft && diff)
        item.append(
          el('h4', { text: `The ${langName(code)} edit (not published yet)` }),
          el('div', { class: 'diff', tabindex: '0', role: 'region', 'aria-label': `Edit of ${f.path}` }, diffView(diff.unified)),
        );
      if (f.sourceChanged && f.sourceDiff)
        item.append(
          el('h4', { text: `What changed in ${f.source} since the last review` }),
          el('div', { class: 'diff', tabindex: '0', role: 'region', 'aria-label': `Changes of ${f.source}` }, diffView(f.sourceDiff)),
        );
      if (draft?.approved)
        item.append(el('p', { class: 'status', text: `Approved by ${draft.approved.staffName}, ${when(draft.approved.at)}: waiting to be published.` }));
      else if (canReview)
        item.append(el('div', { class: 'actions' }, draft ? approve(f, '/editor/review/draft', 'the edit of') : approve(f, '/editor/review', 'the published')));
      return item;
    };
    list.replaceChildren(...changed.map(render));
    if (!changed.length) list.append(el('p', { class: 'meta', text: `No ${langName(code)} file changed since its last review.` }));
    if (never.length)
      list.append(
        el(
          'details',
          { class: 'quiet' },
          el('summary', { text: `${never.length} ${langName(code)} file${never.length === 1 ? '' : 's'} never reviewed` }),
          ...never.map(render),
        ),
      );
  }

  // ---------------------------------------------------- publish & history ---
  async function loadPublish() {
    await refreshState();
    const [diff, versions] = await Promise.all([api('/editor/drafts/diff'), api('/editor/versions?limit=50')]);
    const pending = $('pending');
    if (!diff.files.length) pending.replaceChildren(el('p', { class: 'meta', text: 'No unpublished changes.' }));
    else
      pending.replaceChildren(
        ...diff.files.map((f) => {
          const info = state.editor.drafts.find((x) => x.path === f.path);
          return el(
            'details',
            { 'data-path': f.path },
            el('summary', {
              text: `${f.path}: +${f.added} −${f.removed}${info ? ` · ${info.authorName}, ${when(info.updatedAt)}` : ''}${
                info?.stale ? ' · a newer version changed this file since: open it, look, and save it again before publishing' : ''
              }`,
            }),
            el('div', { class: 'diff', tabindex: '0', role: 'region', 'aria-label': `Changes of ${f.path}` }, diffView(f.unified)),
          );
        }),
      );
    $('publish-form').hidden = !canPublish();
    $('publish-button').disabled = !diff.files.length;
    const head = state.editor.head?.id;
    $('history-table').tBodies[0].replaceChildren(
      ...versions.versions.map((v) => {
        const actions = el(
          'div',
          { class: 'actions' },
          el('button', { type: 'button', class: 'small', text: 'Changes', 'aria-label': `Changes of version ${v.id}`, onclick: () => showVersionDiff(v) }),
        );
        if (canPublish() && v.id !== head) actions.append(restoreForm(v));
        return el(
          'tr',
          { 'data-version': String(v.id) },
          el('th', { scope: 'row', text: `${v.id}${v.id === head ? ' (served)' : ''}` }),
          el('td', { text: when(v.createdAt) }),
          el('td', { text: v.authorName }),
          el('td', { text: `${v.kind === 'restore' ? `restored ${v.restoredFrom}: ` : ''}${v.why}` }),
          el('td', {}, actions),
        );
      }),
    );
  }
  function restoreForm(v) {
    const wrap = el('span', {});
    const open = el('button', {
      type: 'button',
      class: 'small',
      text: 'Restore',
      'aria-label': `Restore version ${v.id}`,
      onclick: () => {
        const why = el('input', { type: 'text', 'aria-label': `Why restore version ${v.id}`, placeholder: 'Why?' });
        const go = el('button', {
          type: 'button',
          class: 'small primary',
          text: `Restore ${v.id} now`,
          onclick: async () => {
            if (!why.value.trim()) return void why.focus();
            try {
              const r = await api(`/editor/versions/${v.id}/restore`, { method: 'POST', body: { why: why.value.trim() } });
              showStatus(`Version ${r.version.id} serves the files of version ${v.id} now.`);
              announce('Restored.');
              await loadPublish();
            } catch (e) {
              showError(e);
            }
          },
        });
        wrap.replaceChildren(why, go);
        why.focus();
      },
    });
    wrap.append(open);
    return wrap;
  }
  async function showVersionDiff(v) {
    const d = await api(`/editor/versions/${v.id}/diff`);
    $('history-diff').hidden = false;
    $('history-diff-title').textContent = `Version ${v.id}: ${v.why} (${v.authorName})`;
    const body = $('history-diff-body');
    body.replaceChildren();
    if (!d.files.length) body.append('No file changed.');
    for (const f of d.files) body.append(diffView(f.unified));
    $('history-diff-title').focus();
  }
  $('publish-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const why = $('publish-why').value.trim();
    $('publish-problem').textContent = '';
    $('publish-why').removeAttribute('aria-invalid');
    if (!why) {
      $('publish-problem').textContent = 'Say why: it is shown in the history.';
      $('publish-why').setAttribute('aria-invalid', 'true');
      $('publish-why').focus();
      return;
    }
    try {
      const r = await api('/editor/publish', { method: 'POST', body: { why, base: state.editor.head?.id } });
      $('publish-why').value = '';
      showError('');
      showStatus(`Published as version ${r.version.id}. The bot answers with it within seconds.`);
      announce('Published.');
      await loadPublish();
    } catch (e) {
      if (e.problems) {
        $('publish-problem').replaceChildren(
          'Not published; nothing served changed. Problems:',
          el('ul', {}, ...e.problems.filter((p) => p.severity === 'error').map((p) => el('li', { text: `${p.path}:${p.line}: ${p.message}` }))),
        );
      } else showError(e);
    }
  });

  // --------------------------------------------------------------- import ---
  $('import-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = $('import-file').files[0];
    if (!file) return showError('Choose a file first.');
    showError('');
    try {
      let r;
      if (/\.zip$/i.test(file.name)) {
        const raw = await file.arrayBuffer();
        r = await api('/editor/import/preview', { method: 'POST', raw, type: 'application/zip' });
        state.importing = { kind: 'zip', raw, base: r.base };
      } else {
        const path = $('import-path').value.trim();
        if (!path) return showError('Say where the file belongs in the pack, e.g. content/fa/topics/hearing.yaml.');
        const text = await file.text();
        r = await api('/editor/import-file/preview', { method: 'POST', body: { path, text } });
        state.importing = { kind: 'file', path, text };
      }
      $('import-preview').hidden = false;
      const body = $('import-diff');
      body.replaceChildren();
      if (!r.diff.files.length) body.append('Nothing would change.');
      for (const f of r.diff.files) body.append(diffView(f.unified));
      $('import-problems').replaceChildren(
        ...(r.problems || []).map((p) => el('li', { class: p.severity === 'error' ? 'problem' : 'meta', text: `${p.path}:${p.line}: ${p.message}` })),
      );
      $('import-preview-title').focus();
    } catch (e) {
      showError(e);
    }
  });
  $('import-cancel').addEventListener('click', () => {
    $('import-preview').hidden = true;
    state.importing = null;
  });
  $('import-apply').addEventListener('click', async () => {
    const imp = state.importing;
    if (!imp) return;
    try {
      if (imp.kind === 'zip') {
        const why = encodeURIComponent(`import of ${$('import-file').files[0]?.name || 'a pack'}`);
        const r = await api(`/editor/import/apply?base=${imp.base}&why=${why}`, { method: 'POST', raw: imp.raw, type: 'application/zip' });
        showStatus(`Imported as version ${r.version.id}.`);
      } else {
        await api('/editor/import-file/apply', { method: 'POST', body: { path: imp.path, text: imp.text } });
        showStatus(`Saved ${imp.path} as a draft.`);
      }
      $('import-preview').hidden = true;
      state.importing = null;
      await refreshState();
    } catch (e) {
      showError(e);
    }
  });

  // --------------------------------------------------------- preview chat ---
  async function loadPreview() {
    if (!state.chat.session) await chatSend({ kind: 'start', langHint: $('chat-lang').value });
  }
  $('chat-lang').addEventListener('change', () => restartChat());
  $('chat-restart').addEventListener('click', () => restartChat());
  function restartChat() {
    state.chat.session = null;
    $('chat-log').replaceChildren();
    chatSend({ kind: 'start', langHint: $('chat-lang').value }).catch(showError);
  }
  async function chatSend(event, shown) {
    if (shown) $('chat-log').append(el('li', { class: 'you', text: shown }));
    const r = await api('/editor/preview', { method: 'POST', body: { session: state.chat.session, event } });
    state.chat.session = r.session;
    const log = $('chat-log');
    for (const m of r.reply.messages) {
      const text =
        m.kind === 'audio' ? `🔊 ${m.title}` : m.kind === 'links' ? [m.text, ...m.links.map((x) => `${x.label}: ${x.url}`)].filter(Boolean).join('\n') : m.text;
      log.append(el('li', { class: 'bot', dir: r.reply.dir, lang: r.reply.lang, text }));
    }
    log.scrollTop = log.scrollHeight;
    const buttons = r.reply.messages.flatMap((m) => m.buttons || []);
    const group = $('chat-buttons');
    group.replaceChildren(
      // The group's name for screen readers stays (a fieldset's legend).
      group.querySelector('legend') ?? el('legend', { class: 'sr-only', text: 'Buttons of the last answer' }),
      ...buttons.map((b) =>
        el('button', {
          type: 'button',
          dir: r.reply.dir,
          text: b.label,
          onclick: () => chatSend({ kind: 'button', payload: b.payload }, b.label).catch(showError),
        }),
      ),
    );
    $('chat-buttons').setAttribute('dir', r.reply.dir);
  }
  $('chat-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('chat-input').value.trim();
    if (!text) return;
    $('chat-input').value = '';
    chatSend({ kind: 'text', text }, text).catch(showError);
  });

  boot();
})();

// Wide diffs scroll inside their box: a region keyboard users can reach and scroll (axe:
// scrollable-region-focusable). Set here rather than in the HTML, as admin.js does.
for (const el of document.querySelectorAll('.scroll-region')) {
  el.tabIndex = 0;
  el.setAttribute('role', 'region');
  el.setAttribute('aria-label', el.dataset.label ?? '');
}
