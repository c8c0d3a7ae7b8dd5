// Podcast drafts (issue 16.5): plain browser JavaScript, no build step. The
// recording goes up as the request body (the server reads its first bytes,
// not its name), then the transcript as text/plain. Server data goes in with
// textContent only.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', data: null };
  async function call(path, opts = {}) {
    const res = await fetch(`/console/api${path}`, {
      method: opts.method || 'GET',
      headers: { ...(opts.type ? { 'Content-Type': opts.type } : {}), ...(state.csrf ? { 'X-CSRF-Token': state.csrf } : {}) },
      body: opts.body,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error?.message || `HTTP ${res.status}`);
    return data;
  }
  const el = (tag, props = {}, ...children) => {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') n.textContent = v;
      else if (k === 'class') n.className = v;
      else n.setAttribute(k, v);
    }
    for (const c of children) n.append(c);
    return n;
  };
  const button = (label, text, onClick) => {
    const b = el('button', { type: 'button', 'aria-label': label, text });
    b.addEventListener('click', () => onClick().catch((err) => ($('error').textContent = String(err.message || err))));
    return b;
  };
  const td = (text, cls) => el('td', { text: text === undefined || text === null ? '–' : String(text), ...(cls ? { class: cls } : {}) });
  const langName = (code) => state.data.languages.find((l) => l.code === code)?.englishName || code;
  const seconds = (s) => (s ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : '–');

  async function load() {
    state.data = await call('/podcasts/drafts');
    $('ffmpeg').textContent = state.data.ffmpeg.available ? '' : state.data.ffmpeg.message;
    $('drafts').tBodies[0].replaceChildren(
      ...(state.data.drafts.length
        ? state.data.drafts.map((d) =>
            el(
              'tr',
              {},
              td(d.episode + (d.episodeExists ? '' : ' (new)')),
              td(langName(d.lang)),
              td(seconds(d.audio?.durationSeconds), 'num'),
              td(d.audio ? `${(d.audio.bytes / 1024).toFixed(0)} KB` : '–', 'num'),
              el(
                'td',
                {},
                d.audio
                  ? el('audio', {
                      controls: '',
                      preload: 'none',
                      src: `/console/api/podcasts/${d.episode}/${d.lang}/audio?v=${d.audio.sha256.slice(0, 8)}`,
                      'aria-label': `Listen: ${d.episode}, ${langName(d.lang)}`,
                    })
                  : '–',
              ),
              el('td', {
                lang: d.lang,
                dir: 'auto',
                text: d.transcript ? `${d.transcript.text.slice(0, 120)}${d.transcript.text.length > 120 ? '…' : ''}` : 'none yet',
              }),
              td([...new Set([d.audio?.by, d.transcript?.by].filter(Boolean))].join(', ')),
              el(
                'td',
                {},
                ...(d.audio && d.episodeExists
                  ? [
                      button(`To the editor: ${d.episode}, ${langName(d.lang)}`, 'To the editor', async () => {
                        // A refusal (episode not in the pack, editor off) shows in #error, as the button helper does.
                        const r = await call(`/podcasts/${encodeURIComponent(d.episode)}/${encodeURIComponent(d.lang)}/to-editor`, { method: 'POST' });
                        $('status').textContent = `In the editor's drafts now (${r.drafts.join(', ')}): publish them in the content editor.`;
                        await load();
                      }),
                      ' ',
                    ]
                  : []),
                button(`Delete ${d.episode}, ${langName(d.lang)}`, 'Delete', async () => {
                  if (!confirm(`Delete the draft of ${d.episode} in ${langName(d.lang)}?`)) return;
                  await call(`/podcasts/${encodeURIComponent(d.episode)}/${encodeURIComponent(d.lang)}`, { method: 'DELETE' });
                  $('status').textContent = `Deleted the draft of ${d.episode} in ${langName(d.lang)}.`;
                  await load();
                }),
              ),
            ),
          )
        : [el('tr', {}, el('td', { colspan: '8', text: 'No drafts yet.' }))]),
    );
  }

  $('upload').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const episode = f.newId.value.trim() || f.episode.value;
    const lang = f.lang.value;
    const file = f.file.files[0];
    $('error').textContent = '';
    $('status').textContent = '';
    if (!file) return void ($('error').textContent = 'Choose an audio file.');
    if (file.size > state.data.maxMegabytes * 1024 * 1024) return void ($('error').textContent = `The file is larger than ${state.data.maxMegabytes} MB.`);
    try {
      $('status').textContent = 'Uploading and converting…';
      const d = await call(`/podcasts/${encodeURIComponent(episode)}/${encodeURIComponent(lang)}/audio`, {
        method: 'POST',
        type: 'application/octet-stream',
        body: file,
      });
      if (f.transcript.value.trim())
        await call(`/podcasts/${encodeURIComponent(episode)}/${encodeURIComponent(lang)}/transcript`, {
          method: 'POST',
          type: 'text/plain; charset=utf-8',
          body: f.transcript.value,
        });
      $('status').textContent =
        `Saved: ${d.episode} in ${langName(d.lang)}, ${seconds(d.audio.durationSeconds)} (MP3, ${(d.audio.bytes / 1024).toFixed(0)} KB).`;
      await load();
    } catch (err) {
      $('status').textContent = '';
      $('error').textContent = String(err.message || err);
    }
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
      me = await call('/me');
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
    await load();
    const f = $('upload').elements;
    f.episode.append(...state.data.episodes.map((e) => new Option(`${e.title} (${e.id})`, e.id)));
    f.lang.append(...state.data.languages.map((l) => new Option(`${l.englishName} (${l.code})`, l.code)));
    $('app').hidden = false;
  }
  void boot();
})();
