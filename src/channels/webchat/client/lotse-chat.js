/*
 * Lotse web chat client: mounts Microsoft's official Web Chat (served by
 * Lotse itself) on an element and connects it to Lotse's Direct Line server.
 * Used by the demo page (/) and by the embed snippet (/embed.js).
 *
 *   LotseChat.mount(element, { server, lang, topic, webSocket, onLanguage })
 *
 * The conversation survives a page reload: a signed resume key (valid for
 * WEBCHAT_CONVERSATION_DAYS) is kept in localStorage and exchanged for a
 * fresh Direct Line token for the same conversation; Web Chat then replays
 * the conversation from the server.
 */
(function () {
  if (window.LotseChat) return;

  var STORAGE = 'lotse.webchat.v1';
  var REACT_ELEMENT = typeof Symbol === 'function' && Symbol.for ? Symbol.for('react.element') : 0xeac7;
  /** Read by screen readers, not shown. */
  var SR_ONLY = { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' };
  var loading = {};
  /** The send box's note about the length limit (one Web Chat notification, replaced as the text changes). */
  var LENGTH_NOTE = 'lotse-length';

  /*
   * Lotse's few rules over Web Chat's look, once per document (the embed puts the chat on an
   * organisation's page, so every rule is scoped to .lotse-chat). Lines of a multilingual message
   * each come as their own text block; without these they would stand a paragraph apart.
   */
  function addStyle() {
    if (document.getElementById('lotse-chat-style')) return;
    var st = document.createElement('style');
    st.id = 'lotse-chat-style';
    st.textContent = [
      '.lotse-chat .lotse-line:not(:first-child) .webchat__text-content{padding-top:0}',
      '.lotse-chat .lotse-line:not(:last-child) .webchat__text-content{padding-bottom:0}',
      '.lotse-chat .lotse-line p{margin:0}',
    ].join('');
    document.head.appendChild(st);
  }

  function loadScript(src, integrity) {
    if (window.WebChat) return Promise.resolve();
    if (loading[src]) return loading[src];
    loading[src] = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = src;
      s.async = true;
      if (integrity) {
        s.integrity = integrity;
        s.crossOrigin = 'anonymous';
      }
      s.onload = function () {
        resolve();
      };
      s.onerror = function () {
        delete loading[src];
        reject(new Error('could not load ' + src));
      };
      document.head.appendChild(s);
    });
    return loading[src];
  }

  function readStore(server) {
    try {
      var all = JSON.parse(localStorage.getItem(STORAGE) || '{}');
      return all[server] || {};
    } catch (_e) {
      return {};
    }
  }
  function writeStore(server, patch) {
    try {
      var all = JSON.parse(localStorage.getItem(STORAGE) || '{}');
      var cur = all[server] || {};
      for (var k in patch) cur[k] = patch[k];
      all[server] = cur;
      localStorage.setItem(STORAGE, JSON.stringify(all));
    } catch (_e) {
      /* private mode: the conversation lasts as long as the page */
    }
  }

  function getJSON(url) {
    return fetch(url, { credentials: 'omit' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': ' + r.status);
      return r.json();
    });
  }
  function postJSON(url, body) {
    return fetch(url, { method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j?.error?.message || url + ': ' + r.status);
        return j;
      });
    });
  }

  /** The served language for a browser locale ("ar-SY" -> "ar", "prs" -> "fa"). */
  function resolveLang(config, code) {
    if (!code) return undefined;
    var c = String(code).toLowerCase().replace('_', '-');
    var langs = config.languages;
    for (var pass = 0; pass < 2; pass++) {
      for (var i = 0; i < langs.length; i++) {
        var l = langs[i];
        var names = [l.code].concat(l.aliases || []).map(function (a) {
          return a.toLowerCase();
        });
        if (names.indexOf(pass === 0 ? c : c.split('-')[0]) >= 0) return l.code;
      }
    }
    return undefined;
  }

  function languageOf(config, code) {
    for (var i = 0; i < config.languages.length; i++) if (config.languages[i].code === code) return config.languages[i];
    return undefined;
  }

  function mount(element, options) {
    options = options || {};
    var server = (options.server || '').replace(/\/$/, '') || location.origin;
    var saved = readStore(server);
    var state = { lang: undefined, config: undefined, store: undefined, directLine: undefined, buttonLangs: {}, noted: false };
    addStyle();
    element.classList.add('lotse-chat');
    if (window.MutationObserver) new MutationObserver(markLanguages).observe(element, { childList: true, subtree: true, characterData: true });

    function styleOptions() {
      var accent = options.accent || '#0b5cad';
      return {
        accent: accent,
        hideUploadButton: true,
        bubbleBorderRadius: 10,
        bubbleFromUserBorderRadius: 10,
        bubbleFromUserBackground: options.userBubble || '#e8f0fb',
        suggestedActionBorderColor: accent,
        suggestedActionTextColor: accent,
        suggestedActionBorderRadius: 16,
        suggestedActionLayout: 'flow',
        sendBoxButtonColor: accent,
        primaryFont: "system-ui, 'Noto Sans', 'Noto Naskh Arabic', 'Noto Sans Arabic', Tahoma, sans-serif",
        rootHeight: '100%',
        rootWidth: '100%',
        backgroundColor: options.background || '#ffffff',
        timestampFormat: 'relative',
        typingAnimationDuration: 8000,
      };
    }

    /*
     * A caseworker's message (channelData.lotse.from) looks like a person's, not the bot's: a
     * heading with their name and role, a coloured edge, and for screen readers "Samira (caseworker)
     * said:" in the person's language. The text itself arrives as plain text (textFormat plain).
     * The Web Chat bundle keeps its React private, so the wrapper is a plain React element object
     * (the bundle's React 16 production build takes these as they are).
     */
    function el(type, props, children) {
      var p = {};
      for (var k in props) if (k !== 'key') p[k] = props[k];
      p.children = children;
      return { $$typeof: REACT_ELEMENT, type: type, key: props.key === undefined ? null : props.key, ref: null, props: p, _owner: null };
    }
    function personMiddleware() {
      return function (next) {
        return function (...setup) {
          var card = setup[0] || {};
          var render = next(...setup);
          var from = card.activity?.channelData?.lotse?.from;
          if (!render || !from || typeof from.label !== 'string') return render;
          return function (...args) {
            var inner = render(...args);
            return el(
              'div',
              {
                className: 'lotse-person',
                'data-lotse-from': 'person',
                style: { borderInlineStart: '4px solid ' + (options.personAccent || '#1b7f5b'), paddingInlineStart: '6px', marginBlock: '4px' },
              },
              [
                el(
                  'div',
                  {
                    key: 'n',
                    className: 'lotse-person__name',
                    'aria-hidden': 'true',
                    style: { fontSize: '85%', fontWeight: 600, color: options.personAccent || '#1b7f5b', marginBlockEnd: '2px' },
                  },
                  from.label,
                ),
                el('span', { key: 's', className: 'lotse-person__said', style: SR_ONLY }, from.said),
                el('div', { key: 'b' }, inner),
              ],
            );
          };
        };
      };
    }

    /*
     * A message whose lines are in different languages (channelData.lotse.lines: the first
     * question, in every language) is rendered line by line, each with its own lang and dir: an
     * Arabic line keeps its full stop on its left in an English chat, and a screen reader reads
     * each line in its own voice. Web Chat renders each line's text as it renders any text.
     */
    function linesMiddleware() {
      return function (next) {
        return function (...args) {
          var card = args[0] || {};
          var a = card.activity;
          var att = card.attachment;
          var lines = a?.channelData?.lotse?.lines;
          if (!Array.isArray(lines) || !att || att.content !== a.text || !/^text\//.test(att.contentType || '')) return next(...args);
          return el(
            'div',
            { className: 'lotse-lines' },
            lines.map(function (l, i) {
              var inner = next(Object.assign({}, card, { attachment: { contentType: att.contentType, content: String(l.text) } }), ...args.slice(1));
              return el('div', { key: 'l' + i, className: 'lotse-line', lang: String(l.lang), dir: l.dir === 'rtl' ? 'rtl' : 'ltr' }, inner);
            }),
          );
        };
      };
    }

    /*
     * Buttons (and the person's echo of one) whose label is in another language get that
     * language's lang and dir: "العربية" in an English chat is Arabic, right to left. Web Chat
     * renders suggested actions itself, so they are marked after each render.
     */
    function markLanguages() {
      var known = state.buttonLangs;
      var nodes = element.querySelectorAll('button, .webchat__bubble--from-user .webchat__bubble__content');
      for (var i = 0; i < nodes.length; i++) {
        var n = nodes[i];
        var l = known[(n.textContent || '').trim()];
        if (!l) continue;
        if (n.getAttribute('lang') !== l.lang) n.setAttribute('lang', l.lang);
        if (n.getAttribute('dir') !== l.dir) n.setAttribute('dir', l.dir);
      }
    }

    /** "4001" with Latin digits and no grouping, as the server writes it (browsers group Pashto numbers differently from Node). */
    function number(n) {
      try {
        return new Intl.NumberFormat(state.lang, { numberingSystem: 'latn', useGrouping: false }).format(n);
      } catch (_e) {
        return String(n);
      }
    }

    /*
     * The length limit, before sending: from nine tenths of it the count shows as a note; past it
     * the note says so and what to do, and Enter or Send does not send (the text stays, to shorten).
     * The server would answer a longer one politely anyway.
     */
    function lengthNote(api, text) {
      var max = state.config?.maxTextChars;
      if (!max || !state.store) return false;
      var len = String(text || '').trim().length;
      var l = languageOf(state.config, state.lang) || state.config.languages[0];
      var over = len > max;
      if (len < Math.floor(max * 0.9)) {
        if (state.noted) api.dispatch({ type: 'WEB_CHAT/DISMISS_NOTIFICATION', payload: { id: LENGTH_NOTE } });
        state.noted = false;
        return false;
      }
      var message = (over ? l.ui.limitOver : l.ui.limitNear).replace('{{length}}', number(len)).replace('{{max}}', number(max));
      api.dispatch({ type: 'WEB_CHAT/SET_NOTIFICATION', payload: { id: LENGTH_NOTE, level: over ? 'warn' : 'info', message: message } });
      state.noted = true;
      return over;
    }

    function render() {
      var l = languageOf(state.config, state.lang) || state.config.languages[0];
      element.setAttribute('dir', l.dir);
      element.setAttribute('lang', l.code);
      var props = {
        directLine: state.directLine,
        store: state.store,
        userID: state.userId,
        locale: l.locale,
        dir: l.dir,
        styleOptions: styleOptions(),
        activityMiddleware: personMiddleware,
        attachmentMiddleware: linesMiddleware,
        // The caseworker sees "typing…" while the person writes.
        sendTypingIndicator: true,
      };
      if (l.strings) props.overrideLocalizedStrings = l.strings;
      window.WebChat.renderWebChat(props, element);
    }

    function switchLanguage(code, tellBot) {
      var l = languageOf(state.config, code);
      if (!l) return;
      var changed = code !== state.lang;
      state.lang = code;
      writeStore(server, { lang: code });
      if (changed && state.directLine) render();
      if (changed && options.onLanguage) options.onLanguage(l);
      if (tellBot && state.store) state.store.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/language', value: { lang: code } } });
    }

    var ready = getJSON(server + '/webchat/config.json')
      .then(function (config) {
        state.config = config;
        // Every language's own name is in that language (the language buttons), before any message says so.
        config.languages.forEach(function (l) {
          state.buttonLangs[l.name] = { lang: l.code, dir: l.dir };
        });
        state.lang = resolveLang(config, options.lang) || saved.lang || resolveLang(config, navigator.language) || config.defaultLang;
        return Promise.all([
          loadScript(server + config.bundle.url, config.bundle.integrity),
          postJSON(server + '/webchat/session', saved.resume ? { resume: saved.resume } : {}),
        ]);
      })
      .then(function (r) {
        var session = r[1];
        writeStore(server, { resume: session.resume });
        state.userId = session.userId;
        var resumed = session.resumed;
        state.directLine = window.WebChat.createDirectLine({
          domain: server + '/v3/directline',
          token: session.token,
          conversationId: session.conversationId,
          webSocket: options.webSocket !== false,
        });
        state.store = window.WebChat.createStore({}, function (api) {
          return function (next) {
            return function (action) {
              if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED' && !resumed) {
                resumed = true;
                api.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/join', value: { lang: state.lang, topic: options.topic } } });
              }
              if (action.type === 'WEB_CHAT/SET_SEND_BOX') {
                var result = next(action);
                lengthNote(api, action.payload?.text);
                return result;
              }
              // Past the limit nothing goes out; the note says why (Web Chat would send it and then show
              // "Send failed" for ever).
              if (action.type === 'WEB_CHAT/SUBMIT_SEND_BOX' && lengthNote(api, api.getState().sendBoxValue)) return undefined;
              if (action.type === 'WEB_CHAT/SEND_MESSAGE' && lengthNote(api, action.payload?.text)) return undefined;
              if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') {
                var a = action.payload.activity;
                var marks = a?.channelData?.lotse?.buttons;
                if (Array.isArray(marks))
                  marks.forEach(function (m) {
                    if (m && typeof m.label === 'string' && typeof m.lang === 'string')
                      state.buttonLangs[m.label] = { lang: m.lang, dir: m.dir === 'rtl' ? 'rtl' : 'ltr' };
                  });
                var meta = a?.from && a.from.role === 'bot' && a.channelData?.lotse;
                if (meta?.lang && meta.lang !== state.lang)
                  setTimeout(function () {
                    switchLanguage(meta.lang, false);
                  }, 0);
              }
              return next(action);
            };
          };
        });
        render();
        if (options.onLanguage) options.onLanguage(languageOf(state.config, state.lang));
        return api;
      });

    var api = {
      ready: ready,
      setLanguage: function (code) {
        return ready.then(function () {
          switchLanguage(code, true);
        });
      },
      get language() {
        return state.lang;
      },
      get config() {
        return state.config;
      },
      get directLine() {
        return state.directLine;
      },
      end: function () {
        if (state.directLine) state.directLine.end();
      },
    };
    return api;
  }

  window.LotseChat = { mount: mount, resolveLang: resolveLang };
})();
