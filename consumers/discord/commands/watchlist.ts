import { NexuralError } from '../../../schemas/errors.js';
import type { ResearchRepository } from '../../../schemas/ports/research.js';
import type { Watchlist, WatchlistBody } from '../../../schemas/research.js';
import type { BotDeps, BotReply, CommandRequest } from '../bot-types.js';
import { textReply } from '../bot-types.js';
import { resolveSymbol } from '../market-data.js';
import { linkedOwner, option } from './alerts.js';

/** The watchlist `/watchlist add` creates when the account has none. */
export const DISCORD_WATCHLIST = { id: 'discord', name: 'Discord' } as const;

export const researchOf = (deps: BotDeps): ResearchRepository => {
  if (deps.research) return deps.research;
  throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'watchlists and notes are not available in this process');
};

const bodyOf = (watchlist: Watchlist): WatchlistBody => ({
  name: watchlist.name,
  position: watchlist.position,
  sections: watchlist.sections.map((section) => ({
    name: section.name,
    items: section.items.map(({ venue, symbol, note }) => ({ venue, symbol, note })),
  })),
});

const describeWatchlist = (watchlist: Watchlist): string => {
  const lines = [`**${watchlist.name}** (\`${watchlist.id}\`)`];
  const count = watchlist.sections.reduce((sum, section) => sum + section.items.length, 0);
  if (count === 0) lines.push('  (empty)');
  for (const section of watchlist.sections) {
    if (section.items.length === 0) continue;
    if (section.name) lines.push(`  __${section.name}__`);
    for (const item of section.items)
      lines.push(`  • ${item.venue}:${item.symbol}${item.note ? ` — ${item.note}` : ''}`);
  }
  return lines.join('\n');
};

/** The watchlist an add/remove acts on: the one named, else the account's first (by position). */
async function targetOf(
  research: ResearchRepository,
  owner: string,
  named: string | null,
): Promise<Watchlist | null> {
  if (named !== null) return research.getWatchlist(owner, named);
  return (await research.watchlistsOf(owner))[0] ?? null;
}

/**
 * Rules can follow a watchlist (their symbols rewritten with it, which the API does and publishes to the
 * processors); the bot does not publish rule changes, so it leaves such a watchlist to the API.
 */
async function refuseIfFollowed(research: ResearchRepository, owner: string, id: string): Promise<void> {
  const following = await research.rulesFollowing(owner, id);
  if (following.length > 0)
    throw new NexuralError(
      'NXR_CONFLICT',
      `watchlist "${id}" is followed by alert rule(s) ${following.join(', ')}; change it in the dashboard or with PUT /v1/watchlists/${id} so they follow too`,
    );
}

const namedWatchlist = (request: CommandRequest): string | null => {
  const value = request.options.watchlist;
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : null;
};

/** `/watchlist show | add SYMBOL | remove SYMBOL` on the linked account's watchlists (sql/0016). */
export async function watchlistCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const owner = await linkedOwner(request, deps);
  const research = researchOf(deps);
  const named = namedWatchlist(request);
  if (request.subcommand === 'add') {
    const ref = await resolveSymbol(deps.store, option(request, 'symbol'));
    const found = await targetOf(research, owner, named);
    const id = found?.id ?? named ?? DISCORD_WATCHLIST.id;
    if (found) await refuseIfFollowed(research, owner, id);
    const body: WatchlistBody = found
      ? bodyOf(found)
      : { name: named ?? DISCORD_WATCHLIST.name, position: 0, sections: [] };
    const listed = body.sections
      .flatMap((section) => section.items)
      .some((item) => item.venue === ref.venue && item.symbol === ref.symbol);
    if (listed) return textReply(`${ref.venue}:${ref.symbol} is already on watchlist \`${id}\`.`, true);
    const [first, ...rest] = body.sections;
    const sections = [
      { name: first?.name ?? '', items: [...(first?.items ?? []), { ...ref, note: '' }] },
      ...rest,
    ];
    const saved = await research.putWatchlist(owner, id, { ...body, sections });
    return textReply(
      `Added ${ref.venue}:${ref.symbol} to watchlist \`${id}\`${found ? '' : ' (new)'}.\n${describeWatchlist(saved.watchlist)}`,
      true,
    );
  }
  if (request.subcommand === 'remove') {
    const wanted = option(request, 'symbol');
    const [venue, symbol] = wanted.includes(':') ? wanted.split(':', 2) : [null, wanted];
    const found = await targetOf(research, owner, named);
    if (!found)
      return textReply(
        named ? `You have no watchlist \`${named}\`.` : 'You have no watchlists yet: /watchlist add symbol:…',
        true,
      );
    const matches = (item: { venue: string; symbol: string }) =>
      item.symbol.toUpperCase() === (symbol ?? '').toUpperCase() && (venue === null || item.venue === venue);
    if (!found.sections.some((section) => section.items.some(matches)))
      throw new NexuralError('NXR_NOT_FOUND', `"${wanted}" is not on watchlist "${found.id}"`, {
        symbol: wanted,
      });
    await refuseIfFollowed(research, owner, found.id);
    const body = bodyOf(found);
    const sections = body.sections.map((section) => ({
      ...section,
      items: section.items.filter((item) => !matches(item)),
    }));
    const saved = await research.putWatchlist(owner, found.id, { ...body, sections });
    const removed = saved.left.map((ref) => `${ref.venue}:${ref.symbol}`).join(', ');
    return textReply(
      `Removed ${removed} from watchlist \`${found.id}\`.\n${describeWatchlist(saved.watchlist)}`,
      true,
    );
  }
  const all = await research.watchlistsOf(owner);
  const lists = named === null ? all : all.filter((watchlist) => watchlist.id === named);
  if (named !== null && lists.length === 0) return textReply(`You have no watchlist \`${named}\`.`, true);
  if (lists.length === 0)
    return textReply('You have no watchlists. Add a symbol: /watchlist add symbol:BTCUSDT', true);
  return textReply(`**Your watchlists** (${lists.length})\n${lists.map(describeWatchlist).join('\n')}`, true);
}
