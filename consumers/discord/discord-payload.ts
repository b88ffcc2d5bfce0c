import { type APIEmbed, AttachmentBuilder } from 'discord.js';
import type { BotEmbed, BotReply } from './bot-types.js';
import { splitMessage } from './split-message.js';

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** An embed within Discord's limits: title 256, description 4,096, 25 fields (name 256, value 1,024), 6,000 in all. */
export function discordEmbed(embed: BotEmbed): APIEmbed {
  let budget = 6_000;
  const take = (text: string | undefined, max: number) => {
    if (text === undefined || budget <= 0) return undefined;
    const clipped = clip(text, Math.min(max, budget));
    budget -= clipped.length;
    return clipped;
  };
  const title = take(embed.title, 256);
  const description = take(embed.description, 4_096);
  const footer = take(embed.footer, 2_048);
  const fields = [];
  for (const field of (embed.fields ?? []).slice(0, 25)) {
    if (budget < 2) break;
    const name = take(field.name || '\u200b', 256) ?? '…';
    const value = take(field.value || '\u200b', 1_024) ?? '…';
    fields.push({ name, value, inline: field.inline ?? false });
  }
  return {
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(fields.length > 0 ? { fields } : {}),
    ...(footer ? { footer: { text: footer } } : {}),
    ...(embed.timestamp !== undefined ? { timestamp: new Date(embed.timestamp).toISOString() } : {}),
    ...(embed.image ? { image: { url: `attachment://${embed.image}` } } : {}),
    color: 0x5865f2,
  };
}

/** The reply as Discord messages: the first carries embeds and files, long content continues in follow-ups. */
export function discordMessages(
  reply: BotReply,
): { content?: string; embeds: APIEmbed[]; files: AttachmentBuilder[] }[] {
  const parts = splitMessage(reply.content);
  const first = {
    ...(parts[0] ? { content: parts[0] } : {}),
    embeds: reply.embeds.slice(0, 10).map(discordEmbed),
    files: reply.files.map((file) => new AttachmentBuilder(file.data, { name: file.name })),
  };
  return [first, ...parts.slice(1).map((content) => ({ content, embeds: [], files: [] }))];
}
