/**
 * The demo page at `/`: the chat full-page with a language switcher. The
 * page's own direction and language follow the chat (right-to-left for
 * Arabic, Farsi and Pashto).
 */
import type { CompiledContent } from '../../content/served.js';
import type { clientConfig } from './plugin.js';

const esc = (s: string) => s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[ch]!);

/** The title as the name and the rest ("Lotse" + " – information for newcomers"), so a phone can show the name alone. */
function titleHtml(title: string): string {
  const at = title.indexOf(' – ');
  return at > 0 ? `<span class="name">${esc(title.slice(0, at))}</span><span class="rest">${esc(title.slice(at))}</span>` : esc(title);
}

/** `nonce` goes on the page's inline <script> and <style> (the Content-Security-Policy names it). */
export function demoPage(c: CompiledContent, config: ReturnType<typeof clientConfig>, langParam?: string, nonce = ''): string {
  const lang = c.resolveLanguage(langParam) ?? c.defaultLang;
  const l = config.languages.find((x) => x.code === lang) ?? config.languages[0]!;
  const options = config.languages
    .map((x) => `<option value="${esc(x.code)}" lang="${esc(x.code)}" dir="${x.dir}"${x.code === l.code ? ' selected' : ''}>${esc(x.name)}</option>`)
    .join('');
  return `<!doctype html>
<html lang="${esc(l.code)}" dir="${l.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(l.ui.title)}</title>
<link rel="preload" href="${esc(config.bundle.url)}" as="script" crossorigin="anonymous" integrity="${esc(config.bundle.integrity)}">
<style nonce="${esc(nonce)}">
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; font-family: system-ui, 'Noto Sans', 'Noto Naskh Arabic', 'Noto Sans Arabic', Tahoma, sans-serif; background: #f3f5f8; }
  header { display: flex; align-items: center; justify-content: space-between; gap: .75rem; padding: .6rem 1rem; background: #0b5cad; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; font-weight: 600; min-width: 0; }
  header label { display: flex; align-items: center; gap: .4rem; font-size: .95rem; flex: none; }
  header select { font: inherit; padding: .2rem .4rem; border-radius: 6px; border: 0; }
  /* A phone: the title on one line (three lines of header took a fifth of the screen); the language
     list speaks for itself, so its label is for screen readers only. */
  @media (max-width: 480px) {
    header { padding: .5rem .75rem; gap: .5rem; }
    header h1 { font-size: .95rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    /* Where the whole title does not fit beside the language list, the name alone shows; the rest
       is still read out (the script below decides, after each language change and resize). */
    header h1.short .rest { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    header label #language-label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    header select { font-size: .9rem; padding: .2rem .25rem; max-width: 7.5rem; }
  }
  main { flex: 1; min-height: 0; display: flex; justify-content: center; }
  #chat { width: 100%; max-width: 48rem; height: 100%; background: #fff; box-shadow: 0 0 12px rgba(0,0,0,.08); }
  #fallback { padding: 1rem; }
</style>
</head>
<body>
<header>
  <h1 id="title">${titleHtml(l.ui.title)}</h1>
  <label><span id="language-label">${esc(l.ui.language)}</span>
    <select id="language" aria-labelledby="language-label">${options}</select>
  </label>
</header>
<main aria-labelledby="title"><div id="chat"><noscript><p id="fallback">JavaScript is needed for the chat.</p></noscript></div></main>
<script src="/webchat/lotse-chat.js"></script>
<script nonce="${esc(nonce)}">
(function () {
  var params = new URLSearchParams(location.search);
  var select = document.getElementById('language');
  var title = document.getElementById('title');
  function fitTitle() {
    title.classList.remove('short');
    if (title.scrollWidth > title.clientWidth + 1) title.classList.add('short');
  }
  function setTitle(text) {
    var at = text.indexOf(' \u2013 ');
    title.textContent = '';
    if (at > 0) {
      var name = document.createElement('span');
      name.className = 'name';
      name.textContent = text.slice(0, at);
      var rest = document.createElement('span');
      rest.className = 'rest';
      rest.textContent = text.slice(at);
      title.appendChild(name);
      title.appendChild(rest);
    } else title.textContent = text;
    fitTitle();
  }
  fitTitle();
  window.addEventListener('resize', fitTitle);
  var chat = LotseChat.mount(document.getElementById('chat'), {
    lang: params.get('lang') || undefined,
    topic: params.get('topic') || undefined,
    webSocket: params.get('transport') !== 'polling',
    onLanguage: function (l) {
      document.documentElement.lang = l.code;
      document.documentElement.dir = l.dir;
      document.title = l.ui.title;
      document.getElementById('language-label').textContent = l.ui.language;
      select.value = l.code;
      setTitle(l.ui.title);
    }
  });
  select.addEventListener('change', function () { chat.setLanguage(select.value); });
  window.lotseChat = chat;
})();
</script>
</body>
</html>`;
}
