import { NexuralError } from '../../../schemas/errors.js';
import { MAX_EVENT_TIME_MS } from '../../../schemas/market.js';
import type { StoredStrategy, StrategyStore } from '../../../schemas/ports/strategies.js';
import { strategySymbols } from '../../../schemas/strategy.js';
import { storedStrategyMetrics } from '../../strategy/round-trips.js';
import type { BotDeps, BotReply, CommandRequest } from '../bot-types.js';
import { textReply } from '../bot-types.js';
import { formatPrice, isoTime } from '../market-data.js';
import { linkedOwner, option } from './alerts.js';

const strategiesOf = (deps: BotDeps): StrategyStore => {
  if (deps.strategies) return deps.strategies;
  throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'strategies are not available in this process');
};

/** The owner's strategy by id, else by its name (case-insensitive) when exactly one has it. */
export async function findStrategy(
  store: StrategyStore,
  owner: string,
  wanted: string,
): Promise<StoredStrategy> {
  const byId = await store.getStrategy(owner, wanted);
  if (byId) return byId;
  const all = await store.listStrategies(owner);
  const named = all.filter((stored) => stored.strategy.name.toLowerCase() === wanted.toLowerCase());
  const [only, ...others] = named;
  if (only && others.length === 0) return only;
  if (only)
    throw new NexuralError(
      'NXR_BAD_VALUE',
      `${named.length} of your strategies are named "${wanted}": give the id (${named.map((s) => s.id).join(', ')})`,
    );
  throw new NexuralError(
    'NXR_NOT_FOUND',
    `you have no strategy "${wanted}"${all.length > 0 ? `; yours: ${all.map((s) => s.id).join(', ')}` : ''}`,
    { path: ['name'] },
  );
}

const headline = ({ id, enabled, strategy }: StoredStrategy): string =>
  `**${strategy.name}** (\`${id}\`) · ${strategy.venue} ${strategySymbols(strategy).join(',')} ${strategy.interval}${enabled ? '' : ' · disabled'}`;

const percent = (value: number | null, digits = 2): string =>
  value === null ? 'n/a' : `${value > 0 ? '+' : ''}${(value * 100).toFixed(digits)}%`;
const ratio = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(2));

/** `/strategy status NAME`: open positions as the live consumer last saved them, and the last fill. */
async function status(store: StrategyStore, stored: StoredStrategy): Promise<string> {
  const [positions, fills] = await Promise.all([
    store.positions(stored.owner, stored.id),
    store.fills(stored.owner, stored.id, { from: 0, to: MAX_EVENT_TIME_MS, limit: 1_000_000 }),
  ]);
  const lines = [headline(stored)];
  lines.push(positions.length === 0 ? 'No open positions.' : `Open positions (${positions.length}):`);
  for (const position of positions)
    lines.push(
      `  • ${position.side} ${formatPrice(position.size)} ${position.symbol} @ ${formatPrice(position.entryPrice)} since ${isoTime(position.entryTime)}`,
    );
  const last = fills.at(-1);
  lines.push(
    last
      ? `Last signal: ${last.side} ${formatPrice(last.quantity)} ${last.symbol} @ ${formatPrice(last.price)} (${last.reason}${last.pnl === null ? '' : `, PnL ${formatPrice(last.pnl)}`}) at ${isoTime(last.time)}`
      : 'No fills yet.',
  );
  return lines.join('\n');
}

/** `/strategy performance NAME`: the metrics the API's /v1/strategies/:id/metrics gives, with their as-of. */
async function performance(store: StrategyStore, stored: StoredStrategy): Promise<string> {
  const { metrics, asOf } = await storedStrategyMetrics(store, stored.owner, stored.id, stored.strategy);
  if (asOf === null)
    return `${headline(stored)}\nNo fills or equity yet: the live consumer has not run it on a final bar.`;
  const wins = metrics.win_rate === null ? 0 : Math.round(metrics.win_rate * metrics.trades);
  return [
    `${headline(stored)} — performance as of ${isoTime(asOf)}`,
    `total return ${percent(metrics.total_return)} · max drawdown ${percent(metrics.max_drawdown)} · CAGR ${percent(metrics.cagr)}`,
    `trades ${metrics.trades} · win rate ${metrics.win_rate === null ? 'n/a' : `${percent(metrics.win_rate, 1).replace('+', '')} (${wins} of ${metrics.trades})`} · profit factor ${ratio(metrics.profit_factor)} · expectancy ${metrics.expectancy === null ? 'n/a' : formatPrice(metrics.expectancy)}`,
    `sharpe ${ratio(metrics.sharpe)} · sortino ${ratio(metrics.sortino)} · calmar ${ratio(metrics.calmar)} · exposure ${percent(metrics.exposure, 1).replace('+', '')}`,
  ].join('\n');
}

/** `/strategy status|performance NAME` on the linked account's strategies (the API's strategy store). */
export async function strategyCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const owner = await linkedOwner(request, deps);
  const store = strategiesOf(deps);
  const stored = await findStrategy(store, owner, option(request, 'name'));
  const text =
    request.subcommand === 'performance' ? await performance(store, stored) : await status(store, stored);
  return textReply(text, true);
}

/** The linked account's strategies whose id or name contains what is typed (none when unlinked). */
export async function strategyChoices(
  deps: BotDeps,
  userId: string | null,
  typed: string,
): Promise<{ name: string; value: string }[]> {
  const owner = userId === null ? null : await deps.links.ownerOf(userId);
  if (owner === null || deps.strategies === null) return [];
  const wanted = typed.toLowerCase();
  return (await deps.strategies.listStrategies(owner))
    .filter(
      ({ id, strategy }) => id.toLowerCase().includes(wanted) || strategy.name.toLowerCase().includes(wanted),
    )
    .slice(0, 25)
    .map(({ id, strategy }) => ({ name: `${strategy.name} (${id})`.slice(0, 100), value: id }));
}
