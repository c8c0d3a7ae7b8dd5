/*
 * Lotse embed: one <script> tag adds a chat button and a chat panel to any
 * page. Everything (this file, the Web Chat bundle, the conversation) comes
 * from the Lotse server the script was loaded from; no third-party requests.
 *
 *   <script src="https://lotse.example.org/embed.js" async
 *           data-lang="ar" data-topic="hearing.documents"
 *           data-color="#0b5cad" data-text-color="#ffffff" data-position="right"></script>
 *
 * Options (all optional): data-lang (language of the first contact; else the
 * browser's), data-topic (welcome topic shown after the language choice),
 * data-color (button and accent colour), data-text-color (button text),
 * data-position (right or left), data-label (button text; else the
 * translated "Chat with us"), data-open="true" (open at once),
 * data-web-socket="false" (long polling instead of a WebSocket).
 * Script API: LotseEmbed.open(), LotseEmbed.close(), LotseEmbed.setLanguage(code).
 */
(function () {
  if (window.LotseEmbed) return;
  var me =
    document.currentScript ||
    (function () {
      var s = document.querySelectorAll('script[src*="embed.js"]');
      return s[s.length - 1];
    })();
  var server = new URL(me.src, location.href).origin;
  var d = me.dataset || {};
  var color = d.color || '#0b5cad';
  var textColor = d.textColor || '#ffffff';
  var side = d.position === 'left' ? 'left' : 'right';
  var OPEN_KEY = 'lotse.embed.open.v1';

  var css = [
    '.lotse-embed-button{position:fixed;bottom:20px;' + side + ':20px;z-index:2147483000;display:flex;align-items:center;gap:8px;',
    'padding:12px 18px;border:0;border-radius:28px;background:' +
      color +
      ';color:' +
      textColor +
      ';font:600 16px/1.2 system-ui,"Noto Sans","Noto Naskh Arabic",sans-serif;',
    'box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}',
    '.lotse-embed-button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}',
    '.lotse-embed-button svg{width:22px;height:22px;fill:currentColor}',
    '.lotse-embed-panel{position:fixed;bottom:84px;' +
      side +
      ':20px;z-index:2147483000;width:min(400px,calc(100vw - 24px));height:min(640px,calc(100vh - 110px));',
    'display:none;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3)}',
    '.lotse-embed-panel[data-open="true"]{display:flex}',
    '.lotse-embed-head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:10px 12px;background:' +
      color +
      ';color:' +
      textColor +
      ';font:600 16px system-ui,"Noto Sans","Noto Naskh Arabic",sans-serif}',
    '.lotse-embed-head select{font:inherit;font-weight:400;font-size:14px;border-radius:6px;border:0;padding:2px 4px;max-width:45%}',
    '.lotse-embed-head button{background:transparent;border:0;color:inherit;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px}',
    '.lotse-embed-chat{flex:1;min-height:0}',
    '.lotse-embed-unavailable{padding:16px;font:16px/1.5 system-ui,"Noto Sans","Noto Naskh Arabic",sans-serif;color:#222}',
    '.lotse-embed-hint{font-size:13px;color:#555;text-align:left}',
    '.lotse-embed-panel:focus{outline:none}',
    '.lotse-embed-close:focus-visible{outline:3px solid #ffbf47;outline-offset:-3px}',
    // A phone: the panel takes the whole screen (dvh: the browser's own bars do not hide the send box)
    // and the launcher goes away while it is open; it sat on the send box, where Arabic text starts,
    // and a tap there closed the chat. The panel's own close button (44px, a thumb's size) closes it.
    '@media (max-width:480px){.lotse-embed-panel{top:0;bottom:0;left:0;right:0;width:100%;height:100%;height:100dvh;border-radius:0;box-shadow:none}',
    '.lotse-embed-button[aria-expanded="true"]{display:none}',
    '.lotse-embed-close{min-width:44px;min-height:44px}}',
  ].join('');
  var style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);

  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'lotse-embed-button';
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'lotse-embed-panel');
  button.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg><span></span>';
  var label = button.querySelector('span');
  label.textContent = d.label || 'Chat';

  var panel = document.createElement('section');
  panel.className = 'lotse-embed-panel';
  panel.id = 'lotse-embed-panel';
  panel.setAttribute('role', 'dialog');
  // Focusable so focus can move into the panel at once, before Web Chat has drawn its send box.
  panel.tabIndex = -1;
  panel.innerHTML =
    '<div class="lotse-embed-head"><span class="lotse-embed-title"></span><select aria-label="Language"></select><button type="button" class="lotse-embed-close" aria-label="Close">×</button></div><div class="lotse-embed-chat"></div>';
  var title = panel.querySelector('.lotse-embed-title');
  var select = panel.querySelector('select');
  var closeBtn = panel.querySelector('.lotse-embed-close');
  var chatEl = panel.querySelector('.lotse-embed-chat');

  var chat;
  var config;
  var current; // the language shown now (its ui strings)
  var failed = false;
  var published; // /webchat/config.json as fetched before the chat loads

  function fillLanguages(c) {
    select.innerHTML = '';
    c.languages.forEach(function (l) {
      var o = document.createElement('option');
      o.value = l.code;
      o.textContent = l.name;
      o.lang = l.code;
      o.dir = l.dir;
      select.appendChild(o);
    });
    if (current) select.value = current.code;
  }

  /*
   * Instead of a blank panel: the person reads that the chat cannot be used here, in their
   * language; the site's owner reads what to change (and the console says it too).
   */
  function showUnavailable(originRefused) {
    failed = true;
    chat = undefined;
    chatEl.innerHTML = '';
    var box = document.createElement('div');
    box.className = 'lotse-embed-unavailable';
    box.setAttribute('role', 'alert');
    var p = document.createElement('p');
    p.textContent = current?.ui.unavailable || 'The chat cannot be opened on this website at the moment.';
    box.appendChild(p);
    if (originRefused) {
      var hint = "For the site owner: this page's origin (" + location.origin + ') is not in WEBCHAT_ALLOWED_ORIGINS on the Lotse server ' + server + '.';
      var small = document.createElement('p');
      small.className = 'lotse-embed-hint';
      small.lang = 'en';
      small.dir = 'ltr';
      small.textContent = hint;
      box.appendChild(small);
      if (window.console) console.error('Lotse embed: ' + hint + ' Add it there (comma-separated) and restart.');
    }
    chatEl.appendChild(box);
  }

  /** The session request failed: ask the server (a public, readable request) whether this origin is the reason. */
  function explainFailure() {
    return fetch(server + '/webchat/origin', { credentials: 'omit' })
      .then(function (r) {
        return r.json();
      })
      .then(
        function (o) {
          showUnavailable(o && o.allowed === false);
        },
        function () {
          showUnavailable(false);
        },
      );
  }

  function applyUi(l) {
    if (!l) return;
    current = l;
    panel.setAttribute('dir', l.dir);
    panel.setAttribute('lang', l.code);
    title.textContent = l.ui.title;
    closeBtn.setAttribute('aria-label', l.ui.close);
    select.setAttribute('aria-label', l.ui.language);
    panel.setAttribute('aria-label', l.ui.title);
    if (!d.label) label.textContent = l.ui.open;
    button.setAttribute('dir', l.dir);
    select.value = l.code;
  }

  function loadClient() {
    if (window.LotseChat) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = server + '/webchat/lotse-chat.js';
      s.onload = function () {
        resolve();
      };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function start() {
    if (chat) return chat.ready;
    if (failed) return Promise.reject(new Error('chat unavailable'));
    return loadClient().then(function () {
      chat = window.LotseChat.mount(chatEl, {
        server: server,
        lang: d.lang,
        topic: d.topic,
        accent: color,
        webSocket: d.webSocket !== 'false',
        onLanguage: applyUi,
      });
      return chat.ready.then(
        function () {
          config = chat.config;
          fillLanguages(config);
          select.value = chat.language;
        },
        function (err) {
          return explainFailure().then(function () {
            throw err;
          });
        },
      );
    });
  }

  function setOpen(open) {
    panel.setAttribute('data-open', open ? 'true' : 'false');
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    try {
      sessionStorage.setItem(OPEN_KEY, open ? '1' : '0');
    } catch (_e) {}
    if (open) {
      panel.focus();
      start().then(focusSendBox, function () {});
    } else button.focus();
  }

  var SEND_BOX = 'input[type="text"], textarea';
  /** Web Chat draws its send box some frames after the conversation is ready: wait for it (a few seconds at most), unless the person moved on. */
  function focusSendBox() {
    var tries = 0;
    (function attempt() {
      if (panel.getAttribute('data-open') !== 'true') return;
      var a = document.activeElement;
      if (a && a !== panel && panel.contains(a)) return; // the person already chose where to be
      var input = chatEl.querySelector(SEND_BOX);
      if (input) return void input.focus();
      if (++tries < 100) setTimeout(attempt, 50);
    })();
  }

  button.addEventListener('click', function () {
    setOpen(panel.getAttribute('data-open') !== 'true');
  });
  closeBtn.addEventListener('click', function () {
    setOpen(false);
  });
  panel.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') setOpen(false);
  });
  select.addEventListener('change', function () {
    if (chat) chat.setLanguage(select.value);
    else if (failed && published) {
      // The message follows the language the person picks, even with no chat behind it.
      applyUi(
        published.languages.filter(function (x) {
          return x.code === select.value;
        })[0],
      );
      explainFailure();
    }
  });

  function attach() {
    document.body.appendChild(panel);
    document.body.appendChild(button);
    // Translated button label before the panel is opened (small request; the Web Chat bundle loads on open only).
    fetch(server + '/webchat/config.json', { credentials: 'omit' })
      .then(function (r) {
        return r.json();
      })
      .then(function (c) {
        published = c;
        if (chat) return;
        var want = (d.lang || navigator.language || '').toLowerCase();
        var l =
          c.languages.filter(function (x) {
            return x.code === want || want.split('-')[0] === x.code;
          })[0] ||
          c.languages.filter(function (x) {
            return x.code === c.defaultLang;
          })[0];
        applyUi(l);
        // The language list is there before the chat loads (and if it cannot load).
        if (!select.options.length) fillLanguages(c);
      })
      .catch(function () {});
    var wasOpen = false;
    try {
      wasOpen = sessionStorage.getItem(OPEN_KEY) === '1';
    } catch (_e) {}
    if (d.open === 'true' || wasOpen) setOpen(true);
  }
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);

  window.LotseEmbed = {
    open: function () {
      setOpen(true);
    },
    close: function () {
      setOpen(false);
    },
    setLanguage: function (code) {
      return start().then(function () {
        return chat.setLanguage(code);
      });
    },
    get chat() {
      return chat;
    },
  };
})();
