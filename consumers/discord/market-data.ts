import type { Bar } from '../../schemas/bar.js';
import { NexuralError } from '../../schemas/errors.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { StoreReader, SymbolRef } from '../../schemas/ports/store.js';

/** `BTCUSDT` or `binance:BTCUSDT` → the stored symbol; fails naming a few known ones. */
export async function resolveSymbol(store: StoreReader, input: string): Promise<SymbolRef> {
  const wanted = input.trim();
  const [venue, symbol] = wanted.includes(':') ? wanted.split(':', 2) : [null, wanted];
  const known = await store.listSymbols();
  const found = known.find(
    (entry) =>
      entry.symbol.toUpperCase() === (symbol ?? '').toUpperCase() &&
      (venue === null || entry.venue === venue),
  );
  if (found) return found;
  const names = known.slice(0, 8).map((entry) => `${entry.venue}:${entry.symbol}`);
  throw new NexuralError(
    'NXR_NOT_FOUND',
    `unknown symbol "${wanted}"; known: ${names.join(', ') || '(none stored yet)'}`,
    { symbol: wanted },
  );
}

/** Symbols whose name contains `typed`, for autocomplete (at most 25, Discord's limit). */
export async function symbolChoices(
  store: StoreReader,
  typed: string,
): Promise<{ name: string; value: string }[]> {
  const needle = typed.trim().toUpperCase();
  return (await store.listSymbols())
    .filter((entry) => `${entry.venue}:${entry.symbol}`.toUpperCase().includes(needle))
    .slice(0, 25)
    .map((entry) => ({ name: `${entry.symbol} (${entry.venue})`, value: `${entry.venue}:${entry.symbol}` }));
}

/** The newest `count` bars, oldest first. */
export async function recentBars(
  store: StoreReader,
  ref: SymbolRef,
  interval: string,
  count: number,
  to = Number.MAX_SAFE_INTEGER - 1,
): Promise<readonly Bar[]> {
  const page = await store.bars({
    ...ref,
    interval,
    from: 0,
    to: Math.min(to, 7_258_118_400_000),
    limit: count,
    order: 'desc',
  });
  return [...page.items].reverse();
}

/** Indicator values of one spec on the given bars' open times, oldest first. */
export async function indicatorSeries(
  store: StoreReader,
  ref: SymbolRef,
  interval: string,
  spec: string,
  from: number,
  to: number,
): Promise<readonly IndicatorValue[]> {
  const items: IndicatorValue[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.indicatorValues({ ...ref, interval, spec, from, to, limit: 1_000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < 10_000);
  return items;
}

/** A price with as many decimals as it needs (at most 8), never in exponent form. */
export function formatPrice(value: number): string {
  const digits = Math.abs(value) >= 1000 ? 2 : Math.abs(value) >= 1 ? 4 : 8;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, useGrouping: false });
}

export const isoTime = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** "as of …", with a stale warning when the newest data is older than the threshold. */
export function asOf(eventTime: number, now: number, staleAfterMs: number): string {
  const age = now - eventTime;
  const stale = age > staleAfterMs;
  return `as of ${isoTime(eventTime)}${stale ? ` — stale: newest data is ${Math.round(age / 60_000)} min old` : ''}`;
}
