import { REST, Routes } from 'discord.js';
import OpenAI from 'openai';
import { signWebhook } from '../automation/webhook-signing.js';
import type { Edition } from './edition.js';
import { renderMarkdown } from './markdown.js';
import { withoutPremium } from './reader-edition.js';
import type { EditionChannel, EditionSummarizer } from './service.js';

/** Discord's message limit. */
const discordMax = 2000;

/**
 * Posts the edition's Markdown to a Discord channel (truncated to Discord's limit, with the archive link).
 * The nonce (edition id) with enforce_nonce makes a repeat after a crash a no-op on Discord's side.
 */
export function discordEditionChannel(options: {
  readonly token: string;
  readonly channelId: string;
  readonly publicUrl: string;
  /** Discord API base (tests: a local fake), default https://discord.com/api */
  readonly api?: string;
}): EditionChannel {
  const rest = new REST({ version: '10', ...(options.api ? { api: options.api } : {}) }).setToken(
    options.token,
  );
  return {
    name: 'discord',
    async publish(prepared, summary) {
      const link = `${options.publicUrl.replace(/\/$/, '')}/newsletters/${prepared.stored.id}`;
      const body = renderMarkdown(withoutPremium(prepared.edition), summary);
      const room = discordMax - link.length - 8;
      const content = `${body.length > room ? `${body.slice(0, room)}…` : body}\n\n${link}`;
      await rest.post(Routes.channelMessages(options.channelId), {
        body: { content, nonce: prepared.stored.id.slice(-25), enforce_nonce: true },
      });
    },
  };
}

/** POSTs the edition as JSON, signed per Standard Webhooks; the webhook-id (edition id) lets the receiver dedupe. */
export function webhookEditionChannel(options: {
  readonly url: string;
  /** `whsec_…` */
  readonly secret: string;
  readonly now?: () => number;
}): EditionChannel {
  const now = options.now ?? Date.now;
  return {
    name: 'webhook',
    async publish(prepared, summary) {
      const body = JSON.stringify({
        type: 'newsletter.edition',
        data: {
          id: prepared.stored.id,
          periodStart: new Date(prepared.stored.periodStart).toISOString(),
          periodEnd: new Date(prepared.stored.periodEnd).toISOString(),
          subject: prepared.stored.subject,
          markdown: renderMarkdown(withoutPremium(prepared.edition), summary),
        },
      });
      const headers = signWebhook(options.secret, prepared.stored.id, Math.floor(now() / 1000), body);
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`newsletter webhook answered ${response.status}`);
    },
  };
}

/** The facts the summary may use: only what the edition holds, so the model has nothing else to draw on. */
export function summaryFacts(edition: Edition): string {
  return renderMarkdown(edition);
}

/**
 * A short LLM summary of the edition through the `openai` SDK (any OpenAI-compatible base URL). The model sees
 * only the edition's own Markdown; an empty answer leaves the section out.
 */
export function openAiSummarizer(options: {
  readonly apiKey: string;
  readonly baseURL?: string;
  readonly model: string;
}): EditionSummarizer {
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 2,
    timeout: 30_000,
  });
  return async (edition) => {
    const completion = await client.chat.completions.create({
      model: options.model,
      temperature: 0.2,
      max_tokens: 300,
      messages: [
        {
          role: 'system',
          content:
            'You summarise a market newsletter in at most 4 sentences. Use only the numbers and facts in the text given; never add prices, news or predictions that are not in it.',
        },
        { role: 'user', content: summaryFacts(edition) },
      ],
    });
    // one paragraph: the archive keeps it as one Markdown line
    const text = (completion.choices[0]?.message.content ?? '').replace(/\s+/g, ' ').trim();
    return text === '' ? null : text;
  };
}
