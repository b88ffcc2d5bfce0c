import type { AlertEvent } from '../../schemas/alert-event.js';
import { type AlertRule, ruleSymbols } from '../../schemas/alert-rule.js';
import type { Bar } from '../../schemas/bar.js';
import { intervalOf } from '../../schemas/interval.js';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../../schemas/market.js';
import type {
  RuleTester,
  RuleTestRange,
  RuleTestResult,
  RuleTestSymbol,
} from '../../schemas/ports/rule-tester.js';
import type { Page, StoreReader, SymbolRef } from '../../schemas/ports/store.js';
import type { TradeTick } from '../../schemas/tick.js';
import { MarketEngine } from '../engine/market-engine.js';

export interface HistoryRuleTesterOptions {
  readonly store: StoreReader;
  /** ticks one test may feed the engine, over all symbols (default 2,000,000) */
  readonly maxTicks?: number;
  /** alerts one test may answer (default 5,000) */
  readonly maxEvents?: number;
}

const PAGE = 10_000;
const DEFAULT_SPAN_MS = 86_400_000;
const BAR_INTERVAL = '1m';

/**
 * Tests a rule on stored history with MarketEngine, driven as a processor partition drives it (each trade,
 * then the event-time clock a whole second at a time). Input per symbol: the stored trades of the range;
 * where none are stored (the default sink keeps bars, not trades), the stored final 1m bars, each replayed as
 * four ticks O → H → L → C (or O → L → H → C when the low is nearer the open, TradingView's bar-magnifier-less
 * assumption). Indicators warm up inside the range, as after a fresh start.
 */
export function createHistoryRuleTester(options: HistoryRuleTesterOptions): RuleTester {
  const { store } = options;
  const maxTicks = options.maxTicks ?? 2_000_000;
  const maxEvents = options.maxEvents ?? 5_000;

  return {
    async test(rule: AlertRule, asked: RuleTestRange): Promise<RuleTestResult> {
      const wanted = ruleSymbols(rule);
      const all = wanted.includes('*');
      const symbols = (await store.listSymbols()).filter((ref) => all || wanted.includes(ref.symbol));
      const events: AlertEvent[] = [];
      const tested: RuleTestSymbol[] = [];
      let budget = maxTicks;
      let truncated = false;
      for (const ref of symbols) {
        const to = asked.to ?? (await endOfData(store, ref));
        if (to === null) {
          tested.push({ ...ref, input: 'none', ticks: 0, from: null, to: null });
          continue;
        }
        const range = { from: asked.from ?? to - DEFAULT_SPAN_MS, to };
        const run = await testSymbol(store, rule, ref, range, budget, maxEvents - events.length);
        budget -= run.ticks;
        events.push(...run.events);
        tested.push({ ...ref, input: run.input, ticks: run.ticks, ...range });
        if (run.truncated || budget <= 0 || events.length >= maxEvents) {
          truncated = true;
          break;
        }
      }
      // symbols ran one after the other; an answer reads best in time order (stable: a symbol keeps its order)
      events.sort((a, b) => a.time - b.time);
      return { events, symbols: tested, truncated };
    },
  };
}

interface SymbolRun {
  readonly events: readonly AlertEvent[];
  readonly input: RuleTestSymbol['input'];
  readonly ticks: number;
  readonly truncated: boolean;
}

async function testSymbol(
  store: StoreReader,
  rule: AlertRule,
  ref: SymbolRef,
  range: { from: number; to: number },
  maxTicks: number,
  maxEvents: number,
): Promise<SymbolRun> {
  const interval = intervalOf(rule.interval);
  // a time bar is complete only from its start: begin the range there
  const from = interval.kind === 'time' ? range.from - (range.from % interval.ms) : range.from;
  const events: AlertEvent[] = [];
  const engine = new MarketEngine(
    { bars: { intervals: [rule.interval], firstBar: 'keep' }, liveBarThrottleMs: -1 },
    { bar() {}, indicator() {}, late() {}, alert: (event) => events.push(event) },
    [rule],
  );
  let ticks = 0;
  let lastMs: number | null = null;
  let advancedToMs = Number.NEGATIVE_INFINITY;
  const feed = (tick: TradeTick) => {
    ticks++;
    engine.add(tick);
    const ms = (tick.timeUs - (tick.timeUs % 1000)) / 1000;
    lastMs = ms;
    const second = ms - (ms % 1000);
    if (second > advancedToMs) {
      advancedToMs = second;
      engine.advanceWatermark(second);
    }
  };
  const full = () => ticks >= maxTicks || events.length >= maxEvents;

  let input: RuleTestSymbol['input'] = 'none';
  for await (const trade of pages((cursor) =>
    store.trades({ ...ref, from, to: range.to, limit: PAGE, cursor }),
  )) {
    input = 'trades';
    feed(trade);
    if (full()) break;
  }
  if (input === 'none') {
    for await (const bar of pages((cursor) =>
      store.bars({
        ...ref,
        interval: BAR_INTERVAL,
        from,
        to: range.to,
        finalOnly: true,
        limit: PAGE,
        cursor,
      }),
    )) {
      input = 'bars';
      for (const tick of barPath(bar)) feed(tick);
      if (full()) break;
    }
  }
  const truncated = full();
  // The bar of the last tick is final if it closed inside the range; a later end would invent flat bars.
  if (!truncated && lastMs !== null && interval.kind === 'time') {
    const end = lastMs - (lastMs % interval.ms) + interval.ms;
    engine.advanceWatermark(Math.min(range.to, end));
  }
  return { events: events.slice(0, maxEvents), input, ticks, truncated };
}

/** Just after the newest stored trade or 1m bar of a symbol, null if it has neither. */
async function endOfData(store: StoreReader, ref: SymbolRef): Promise<number | null> {
  const [bar, trade] = await Promise.all([
    store.latestBar({ ...ref, interval: BAR_INTERVAL }),
    store.trades({ ...ref, from: MIN_EVENT_TIME_MS, to: MAX_EVENT_TIME_MS, limit: 1, order: 'desc' }),
  ]);
  const newestTrade = trade.items[0];
  const ends = [
    ...(bar ? [bar.closeTime + 1] : []),
    ...(newestTrade ? [Math.floor(newestTrade.timeUs / 1000) + 1] : []),
  ];
  return ends.length === 0 ? null : Math.max(...ends);
}

async function* pages<Item>(read: (cursor: string | null) => Promise<Page<Item>>): AsyncGenerator<Item> {
  let cursor: string | null = null;
  do {
    const page: Page<Item> = await read(cursor);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== null);
}

/** A stored bar as the four trades that draw it, a quarter of its volume each. */
function barPath(bar: Bar): TradeTick[] {
  const flat = bar.volume === 0 && bar.high === bar.low;
  if (flat) return [];
  const lowFirst = bar.open - bar.low < bar.high - bar.open;
  const prices = lowFirst
    ? [bar.open, bar.low, bar.high, bar.close]
    : [bar.open, bar.high, bar.low, bar.close];
  const span = bar.closeTime - bar.openTime + 1;
  return prices.map((price, index) => ({
    kind: 'trade',
    venue: bar.venue,
    symbol: bar.symbol,
    tradeId: `bar-${bar.openTime}-${index}`,
    timeUs: (bar.openTime + Math.floor((span * index) / 4)) * 1000,
    price,
    size: bar.volume / 4,
    aggressor: 'unknown',
  }));
}
