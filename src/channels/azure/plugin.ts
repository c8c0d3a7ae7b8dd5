/**
 * Azure Bot Service channel: `/api/messages` serves the same bot to the
 * channels Azure offers (Teams and the others) with the Bot Framework
 * Activity protocol.
 *
 * Built on the Microsoft 365 Agents SDK (`@microsoft/agents-hosting`), the
 * maintained successor of `botbuilder` (archived by Microsoft at the end of
 * 2025): its CloudAdapter validates the Bot Framework / Entra ID JWT on every
 * request and sends replies through the channel's connector.
 *
 * Mounted only when MICROSOFT_APP_ID is set; then every request without a
 * valid Bot Framework token is refused with 401. (Tests may construct the
 * plugin with `anonymous: true` to drive a turn against a local connector
 * stand-in; no configuration variable enables that.)
 */
import { createHash } from 'node:crypto';
import express from 'express';
import type { AuthConfiguration, CloudAdapter, TurnContext } from '@microsoft/agents-hosting';
import type { Activity, ConversationReference } from '@microsoft/agents-activity';
import type { InEvent } from '../../engine/messages.js';
import { commandOf } from '../../engine/payload.js';
import type { ConversationRef } from '../../runtime/types.js';
import type { AppContext, Plugin } from '../../server/plugin-api.js';
import { MAX_MESSAGE_LENGTH } from '../../shared/limits.js';
import { wellFormedReviver } from '../../util/text.js';
import { PAYLOAD_KEY, renderReply } from '../webchat/render.js';
import { webchatLocale } from '../webchat/directline.js';

export interface AzureOptions {
  /** Tests only: accept unauthenticated requests (never set from configuration). */
  anonymous?: boolean;
}

/** The bot sees a keyed hash of the Azure conversation, never the raw ids. */
export function azureConversationId(secret: Buffer, channelId: string, conversationId: string): string {
  return createHash('sha256').update(secret).update('\0azure\0').update(channelId).update('\0').update(conversationId).digest('base64url').slice(0, 32);
}

export function eventOf(a: Partial<Activity>): InEvent | undefined {
  if (a.type === 'conversationUpdate') {
    const added = (a.membersAdded ?? []).some((m) => m.id !== a.recipient?.id);
    return added ? { kind: 'start', ...(a.locale ? { langHint: a.locale } : {}) } : undefined;
  }
  if (a.type !== 'message') return undefined;
  const v = a.value as Record<string, unknown> | undefined;
  if (v && typeof v[PAYLOAD_KEY] === 'string') return { kind: 'button', payload: v[PAYLOAD_KEY] as string };
  // Slash commands as on every channel (src/engine/payload.ts); other text for the engine to understand.
  if (typeof a.text === 'string' && a.text.trim()) return commandOf(a.text) ?? { kind: 'text', text: a.text.slice(0, MAX_MESSAGE_LENGTH) };
  if (a.attachments?.length) return { kind: 'unsupported', what: 'file' };
  return undefined;
}

export function azurePlugin(opts: AzureOptions = {}): Plugin & { adapter?: CloudAdapter } {
  const plugin: Plugin & { adapter?: CloudAdapter } = {
    name: 'azure',
    async mount(app, ctx: AppContext) {
      const c = ctx.config;
      if (!c.MICROSOFT_APP_ID && !opts.anonymous) return;
      // Loaded only when configured: the SDK (MSAL, JWKS) costs memory a web-chat-only deployment does not need.
      const { CloudAdapter } = await import('@microsoft/agents-hosting');
      const auth: AuthConfiguration = c.MICROSOFT_APP_ID
        ? {
            clientId: c.MICROSOFT_APP_ID,
            ...(c.MICROSOFT_APP_PASSWORD ? { clientSecret: c.MICROSOFT_APP_PASSWORD } : {}),
            ...(c.MICROSOFT_APP_TENANT_ID ? { tenantId: c.MICROSOFT_APP_TENANT_ID } : {}),
          }
        : {};
      const adapter = new CloudAdapter(auth);
      plugin.adapter = adapter;
      const log = ctx.log.child({ module: 'azure' });
      adapter.onTurnError = async (_context, err) => {
        log.error('azure turn failed', { err });
      };

      const render = (reply: Awaited<ReturnType<AppContext['bot']['handle']>>, base: string) => {
        const content = ctx.content.current();
        return renderReply(reply, {
          baseUrl: base,
          locale: (lang) => webchatLocale(content.language(lang), lang),
          transcriptLabel: (lang) => content.t(lang, 'podcasts.transcript'),
        }).map((a) => ({ ...a, from: undefined }) as unknown as Activity);
      };

      const turn = async (context: TurnContext) => {
        const a = context.activity;
        const event = eventOf(a);
        if (!event || !a.conversation?.id) return;
        const reference = a.getConversationReference();
        const ref: ConversationRef = {
          channel: 'azure',
          conversationId: azureConversationId(ctx.secret, a.channelId ?? '?', a.conversation.id),
          address: JSON.stringify(reference),
        };
        await context.sendActivity({ type: 'typing' } as Activity).catch(() => undefined);
        const reply = await ctx.bot.handleOrApologise(ref, event, a.locale?.split('-')[0]);
        await context.sendActivities(render(reply, c.publicUrl));
      };

      ctx.bot.registerChannel('azure', {
        deliver: async (ref, reply, address) => {
          const where = address ?? ref.address;
          if (!where) throw new Error('no Azure conversation reference to deliver to');
          const reference = JSON.parse(where) as ConversationReference;
          await adapter.continueConversation(c.MICROSOFT_APP_ID ?? 'anonymous', reference, async (tc) => {
            await tc.sendActivities(render(reply, c.publicUrl));
          });
        },
      });

      const router = express.Router();
      router.post(
        '/api/messages',
        express.json({ limit: '256kb', reviver: wellFormedReviver }),
        (req, res, next) => {
          // Once an app id is configured, a request without a valid Bot Framework token never reaches the bot.
          if (c.MICROSOFT_APP_ID || !opts.anonymous) return void adapter.authorizeRequest(req as never, res as never, next);
          next();
        },
        (req, res) => {
          adapter.process(req as never, res as never, turn).catch((err: unknown) => {
            log.error('azure request failed', { err });
            if (!res.headersSent) res.status(500).json({ error: { code: 'ServerError', message: 'internal error' } });
          });
        },
      );
      app.use(router);
    },
  };
  return plugin;
}
