import { createHash } from 'node:crypto';
import {
  discordEditionChannel,
  openAiSummarizer,
  webhookEditionChannel,
} from '../../consumers/newsletter/channels.js';
import type { EditionChannel, EditionSummarizer } from '../../consumers/newsletter/service.js';
import type { Env } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';

type ChannelEnv = Pick<
  Env,
  | 'NEWSLETTER_WEBHOOK_URL'
  | 'NEWSLETTER_DISCORD_CHANNEL'
  | 'DISCORD_TOKEN'
  | 'NEWSLETTER_SECRET'
  | 'NEWSLETTER_PUBLIC_URL'
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_MODEL'
>;

/** The LLM summary only with OPENAI_API_KEY: without one the section is left out, never invented. */
export function summarizerFromEnv(env: ChannelEnv): EditionSummarizer | null {
  if (env.OPENAI_API_KEY === undefined) return null;
  return openAiSummarizer({
    apiKey: env.OPENAI_API_KEY,
    model: env.OPENAI_MODEL,
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
  });
}

/** Discord with NEWSLETTER_DISCORD_CHANNEL + DISCORD_TOKEN, a webhook with NEWSLETTER_WEBHOOK_URL (signed with a key derived from NEWSLETTER_SECRET). */
export function editionChannelsFromEnv(env: ChannelEnv): EditionChannel[] {
  const channels: EditionChannel[] = [];
  if (env.NEWSLETTER_DISCORD_CHANNEL !== undefined) {
    if (env.DISCORD_TOKEN === undefined)
      throw new NexuralError('NXR_CONFIG_INVALID', 'NEWSLETTER_DISCORD_CHANNEL needs DISCORD_TOKEN', {
        problems: ['DISCORD_TOKEN: required with NEWSLETTER_DISCORD_CHANNEL'],
      });
    channels.push(
      discordEditionChannel({
        token: env.DISCORD_TOKEN,
        channelId: env.NEWSLETTER_DISCORD_CHANNEL,
        publicUrl: env.NEWSLETTER_PUBLIC_URL,
      }),
    );
  }
  if (env.NEWSLETTER_WEBHOOK_URL !== undefined) {
    if (env.NEWSLETTER_SECRET === undefined)
      throw new NexuralError('NXR_CONFIG_INVALID', 'NEWSLETTER_WEBHOOK_URL needs NEWSLETTER_SECRET', {
        problems: ['NEWSLETTER_SECRET: required with NEWSLETTER_WEBHOOK_URL'],
      });
    channels.push(
      webhookEditionChannel({
        url: env.NEWSLETTER_WEBHOOK_URL,
        secret: newsletterWebhookSecret(env.NEWSLETTER_SECRET),
      }),
    );
  }
  return channels;
}

/** The `whsec_` secret receivers of the newsletter webhook verify with: derived from NEWSLETTER_SECRET. */
export const newsletterWebhookSecret = (secret: string) =>
  `whsec_${createHash('sha256').update(`newsletter-webhook:${secret}`).digest('base64')}`;
