import { REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AlertMessage, AlertSender, DeliveryTarget } from './alert-delivery.js';

/**
 * Sends alert messages over Discord's REST API (@discordjs/rest: buckets and 429s handled there). DMs open the
 * user's DM channel first. `enforce_nonce` makes Discord return the earlier message for a repeated nonce.
 */
export function discordRestSender(options: {
  readonly token: string;
  readonly restApi?: string;
}): AlertSender {
  const rest = new REST(options.restApi ? { api: options.restApi } : {}).setToken(options.token);
  const dmChannels = new Map<string, string>();
  async function channelOf(target: DeliveryTarget): Promise<string> {
    if (target.kind === 'channel') return target.channelId;
    const known = dmChannels.get(target.userId);
    if (known) return known;
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: target.userId } })) as {
      id: string;
    };
    dmChannels.set(target.userId, channel.id);
    return channel.id;
  }
  return {
    async send(target: DeliveryTarget, message: AlertMessage, nonce: string) {
      try {
        const channelId = await channelOf(target);
        const posted = (await rest.post(Routes.channelMessages(channelId), {
          body: {
            ...(message.content ? { content: message.content } : {}),
            embeds: message.embeds,
            nonce,
            enforce_nonce: true,
          },
        })) as { id: string };
        return posted.id;
      } catch (error) {
        const status = (error as { status?: number }).status ?? 0;
        throw new NexuralError(
          status >= 500 || status === 0 || status === 429 ? 'NXR_SERVICE_UNAVAILABLE' : 'NXR_BAD_VALUE',
          `Discord refused the alert message: ${(error as Error).message}`,
          { status },
          { cause: error },
        );
      }
    },
  };
}
