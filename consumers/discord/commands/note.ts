import { randomUUID } from 'node:crypto';
import { NexuralError } from '../../../schemas/errors.js';
import { takeSnapshot } from '../../../schemas/note-snapshot.js';
import type { SymbolRef } from '../../../schemas/ports/store.js';
import { noteBodySchema, tagSchema } from '../../../schemas/research.js';
import { describeIssues } from '../../../schemas/validate.js';
import type { BotDeps, BotReply, CommandRequest } from '../bot-types.js';
import { textReply } from '../bot-types.js';
import { formatPrice, isoTime, resolveSymbol } from '../market-data.js';
import { linkedOwner, option } from './alerts.js';
import { researchOf } from './watchlist.js';

/** The bar series a note from Discord is anchored to (the API lets a note name any interval). */
export const NOTE_INTERVAL = '1m';
const TITLE_CHARS = 80;

/** The note's title: its first line, cut at a word within TITLE_CHARS. */
export function noteTitle(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (line.length <= TITLE_CHARS) return line;
  const cut = line.slice(0, TITLE_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

/** `#tags` of the text that are valid tags, lower case, each once. */
export const noteTags = (text: string): string[] => [
  ...new Set(
    [...text.matchAll(/(?:^|\s)#([A-Za-z0-9][\w.-]*)/g)]
      .map((match) => (match[1] ?? '').toLowerCase())
      .filter((tag) => tagSchema.safeParse(tag).success),
  ),
];

/** The symbol option, else the first stored symbol the text names as a word. */
async function anchorSymbol(request: CommandRequest, deps: BotDeps, text: string): Promise<SymbolRef> {
  const given = request.options.symbol;
  if (typeof given === 'string' && given.trim().length > 0) return resolveSymbol(deps.store, given);
  const words = new Set(text.toUpperCase().split(/[^A-Z0-9:_-]+/));
  const named = (await deps.store.listSymbols()).find(
    (ref) => words.has(ref.symbol.toUpperCase()) || words.has(`${ref.venue}:${ref.symbol}`.toUpperCase()),
  );
  if (named) return named;
  throw new NexuralError(
    'NXR_BAD_VALUE',
    'a note is anchored to a symbol: add symbol:BTCUSDT, or name a stored symbol in the text',
  );
}

const fromHeadline = (headline: string) =>
  headline.replaceAll('<b>', '**').replaceAll('</b>', '**').replaceAll('\n', ' ');

/** `/note add TEXT [symbol]` and `/note search QUERY` on the linked account's notes (sql/0016). */
export async function noteCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const owner = await linkedOwner(request, deps);
  const research = researchOf(deps);
  if (request.subcommand === 'search') {
    const query = option(request, 'query');
    const hits = await research.searchNotes(owner, query, { limit: 10 });
    if (hits.length === 0) return textReply(`No notes of yours match "${query}".`, true);
    const lines = hits.map(
      (hit) =>
        `\`${hit.id}\` **${hit.title}** — ${hit.anchor.venue}:${hit.anchor.symbol} · ${isoTime(hit.createdAt)}\n> ${fromHeadline(hit.headline)}`,
    );
    return textReply(`**Notes matching "${query}"** (${hits.length})\n${lines.join('\n')}`, true);
  }
  const text = option(request, 'text');
  const ref = await anchorSymbol(request, deps, text);
  const now = deps.clock.now();
  const parsed = noteBodySchema.safeParse({
    title: noteTitle(text),
    body: text,
    tags: noteTags(text),
    anchor: { venue: ref.venue, symbol: ref.symbol, interval: NOTE_INTERVAL, eventTime: now },
  });
  if (!parsed.success) throw new NexuralError('NXR_BAD_VALUE', `note: ${describeIssues(parsed.error)}`);
  const snapshot = await takeSnapshot(deps.store, parsed.data.anchor, now);
  const note = await research.createNote(
    owner,
    `note_${randomUUID().replaceAll('-', '')}`,
    parsed.data,
    snapshot,
  );
  const last = snapshot.bars.at(-1);
  const market = last
    ? `${snapshot.bars.length} ${NOTE_INTERVAL} bars kept, last close ${formatPrice(last.close)} at ${isoTime(last.closeTime)}`
    : `no ${NOTE_INTERVAL} bars stored yet`;
  const tags = note.tags.length > 0 ? ` · tags ${note.tags.join(', ')}` : '';
  return textReply(
    `Saved note \`${note.id}\` on ${ref.venue}:${ref.symbol} (${market})${tags}: **${note.title}**`,
    true,
  );
}
