import { isNexuralError } from '../../../schemas/errors.js';
import type { BotDeps, BotReply, CommandRequest } from '../bot-types.js';
import { textReply } from '../bot-types.js';
import { symbolChoices } from '../market-data.js';
import { alertsCommand, askCommand, linkCommand, planCommand, whyCommand } from './alerts.js';
import { barsCommand, chartCommand, indicatorCommand, priceCommand, replayCommand } from './market.js';
import { noteCommand } from './note.js';
import { strategyChoices, strategyCommand } from './strategy.js';
import { watchlistCommand } from './watchlist.js';

type Handler = (request: CommandRequest, deps: BotDeps) => Promise<BotReply>;

const handlers: Readonly<Record<string, Handler>> = {
  price: priceCommand,
  bars: barsCommand,
  indicator: indicatorCommand,
  chart: chartCommand,
  alerts: alertsCommand,
  why: whyCommand,
  replay: replayCommand,
  link: linkCommand,
  plan: planCommand,
  ask: askCommand,
  watchlist: watchlistCommand,
  note: noteCommand,
  strategy: strategyCommand,
};

/** Commands that may take longer than Discord's 3 s: acknowledged (deferred) at once. */
export const slowCommands: ReadonlySet<string> = new Set(['chart', 'ask']);

/** Runs a command; a refused request (an NXR error) becomes a short reply only the user sees. */
export async function runCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const handler = handlers[request.name];
  if (!handler) return textReply(`Unknown command /${request.name}.`, true);
  try {
    return await handler(request, deps);
  } catch (error) {
    if (isNexuralError(error) && !error.retryable) return textReply(`⚠️ ${error.message}`, true);
    if (isNexuralError(error)) return textReply(`⚠️ ${error.message} — try again shortly.`, true);
    throw error;
  }
}

const knownSpecs = [
  'sma(20)',
  'sma(50)',
  'ema(9)',
  'ema(21)',
  'rsi(14)',
  'macd(12,26,9)',
  'bbands(20,2)',
  'atr(14)',
  'vwap',
  'stoch(14,3,3)',
];

/** Autocomplete choices for the focused option (≤ 25); `userId` = the Discord user typing (for their own data). */
export async function autocomplete(
  focused: { readonly name: string; readonly value: string },
  deps: BotDeps,
  userId: string | null = null,
): Promise<{ name: string; value: string }[]> {
  if (focused.name === 'symbol') return symbolChoices(deps.store, focused.value);
  if (focused.name === 'name') return strategyChoices(deps, userId, focused.value);
  if (focused.name === 'spec' || focused.name === 'indicators') {
    const typed = focused.value.toLowerCase();
    const head =
      focused.name === 'indicators' && typed.includes(';')
        ? `${typed.slice(0, typed.lastIndexOf(';') + 1)}`
        : '';
    const tail = typed.slice(head.length);
    return knownSpecs
      .filter((spec) => spec.startsWith(tail) || spec.includes(tail))
      .slice(0, 25)
      .map((spec) => ({ name: `${head}${spec}`, value: `${head}${spec}` }));
  }
  return [];
}
