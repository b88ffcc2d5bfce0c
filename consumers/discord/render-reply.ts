import type { BotReply } from './bot-types.js';
import { discordEmbed } from './discord-payload.js';
import { splitMessage } from './split-message.js';

/** The reply as plain text, the way Discord lays it out: messages, then each embed's parts, then attachments. */
export function renderReply(reply: BotReply): string {
  const lines: string[] = [];
  if (reply.ephemeral) lines.push('(only you can see this)');
  const parts = splitMessage(reply.content);
  parts.forEach((part, index) => {
    if (parts.length > 1) lines.push(`── message ${index + 1}/${parts.length} ──`);
    lines.push(part);
  });
  for (const source of reply.embeds) {
    const embed = discordEmbed(source);
    lines.push('┃');
    if (embed.title) lines.push(`┃ **${embed.title}**`);
    if (embed.description) for (const line of embed.description.split('\n')) lines.push(`┃ ${line}`);
    for (const field of embed.fields ?? [])
      lines.push(`┃ ${field.name}: ${field.value.replaceAll('\n', ' ')}`);
    if (embed.image) lines.push(`┃ [image ${embed.image.url}]`);
    const footer = [embed.footer?.text, embed.timestamp].filter((part) => part !== undefined).join(' · ');
    if (footer) lines.push(`┃ ${footer}`);
  }
  for (const file of reply.files)
    lines.push(`📎 ${file.name} (${file.data.length.toLocaleString('en-US')} bytes)`);
  return `${lines.join('\n')}\n`;
}
