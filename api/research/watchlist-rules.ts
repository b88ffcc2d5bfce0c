import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import type { RuleChangePublisher } from '../../schemas/ports/rule-changes.js';
import type { Watchlist } from '../../schemas/research.js';
import { parseOrThrow } from '../../schemas/validate.js';
import type { ApiStore } from '../deps.js';
import { canonicalRule } from '../indicators/canonical-rule.js';

/**
 * The symbols a rule following `watchlist` watches: each symbol once, in watchlist order. A rule names symbols
 * without a venue (schemas/alert-rule.ts), so a symbol listed on two venues is one symbol, watched on every
 * venue.
 */
export const watchlistSymbols = (watchlist: Pick<Watchlist, 'sections'>): string[] => [
  ...new Set(watchlist.sections.flatMap((section) => section.items.map((item) => item.symbol))),
];

export const emptyTargetError = (watchlistId: string, rules: readonly string[]) =>
  new NexuralError(
    'NXR_CONFLICT',
    `watchlist "${watchlistId}" is followed by rule(s) ${rules.join(', ')}: it cannot become empty or be deleted while they follow it (PUT /v1/rules/{id}/watchlist with {"watchlist":null} first)`,
    { path: ['sections'] },
  );

/**
 * Rewrites each rule following the watchlist to its current symbols: the store first, then the rules topic
 * the processors read (as the rule routes do). Returns the ids rewritten.
 */
export async function syncFollowingRules(
  store: ApiStore,
  rules: RuleChangePublisher,
  owner: string,
  watchlist: Watchlist,
): Promise<string[]> {
  const symbols = watchlistSymbols(watchlist);
  const following = await store.rulesFollowing(owner, watchlist.id);
  if (following.length > 0 && symbols.length === 0) throw emptyTargetError(watchlist.id, following);
  const rewritten: string[] = [];
  for (const id of following) {
    const rule = await store.getAlertRule(owner, id);
    if (!rule) continue;
    const { symbol: _one, ...rest } = rule;
    const next = canonicalRule(parseOrThrow(alertRuleSchema, { ...rest, symbols }, `rule ${id}`));
    await store.putAlertRule(next);
    await rules.publish({ kind: 'upsert', rule: next });
    rewritten.push(id);
  }
  return rewritten;
}
