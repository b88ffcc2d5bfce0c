import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../../schemas/bar.js';
import type { EquityPoint, StoredFill, StrategyStore } from '../../../schemas/ports/strategies.js';
import { parseStrategy } from '../../../schemas/strategy.js';
import { createDiscordBot, type DiscordBot } from '../discord-bot.js';
import { formatPrice, isoTime } from '../market-data.js';
import { botFixture } from '../testing/bot-fixture.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from '../testing/fake-discord.js';

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const user = { userId: nextSnowflake(), guildId, channelId };
const FEE = 0.0005;

const strategy = parseStrategy({
  name: 'BTC-EMA',
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  interval: '1m',
  entry: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema(5)', output: 'value' },
  },
  size: { quote: 1000 },
  feeBps: 5,
});

/**
 * What the live consumer would have written on the 30 real klines: two closed longs (bars 6→12 and 15→20,
 * filled at the bar's open, 5 bps fees), one open since bar 25, and one equity point per bar close from bar 6.
 */
function paperRun(klines: readonly Bar[]) {
  const bar = (index: number): Bar => {
    const found = klines[index];
    if (!found) throw new Error(`no kline ${index}`);
    return found;
  };
  const base = { strategyId: 'alice-btc', owner: 'alice', symbol: 'BTCUSDT', positionSide: 'long' as const };
  const trips = [
    [6, 12],
    [15, 20],
  ] as const;
  const fills: StoredFill[] = [];
  const pnls: { exitIndex: number; pnl: number }[] = [];
  for (const [entryIndex, exitIndex] of trips) {
    const entry = bar(entryIndex).open;
    const exit = bar(exitIndex).open;
    const quantity = 1000 / entry;
    const pnl = quantity * (exit - entry) - 1000 * FEE - quantity * exit * FEE;
    const seq = fills.length + 1;
    fills.push(
      {
        ...base,
        seq,
        time: bar(entryIndex).openTime,
        side: 'buy',
        quantity,
        price: entry,
        fee: 1000 * FEE,
        reason: 'entry',
        pnl: null,
      },
      {
        ...base,
        seq: seq + 1,
        time: bar(exitIndex).openTime,
        side: 'sell',
        quantity,
        price: exit,
        fee: quantity * exit * FEE,
        reason: 'signal',
        pnl,
      },
    );
    pnls.push({ exitIndex, pnl });
  }
  const openEntry = bar(25).open;
  const openQuantity = 1000 / openEntry;
  fills.push({
    ...base,
    seq: 5,
    time: bar(25).openTime,
    side: 'buy',
    quantity: openQuantity,
    price: openEntry,
    fee: 1000 * FEE,
    reason: 'entry',
    pnl: null,
  });
  const equity: EquityPoint[] = [];
  for (let index = 6; index < klines.length; index += 1) {
    const realized = pnls.filter((trip) => trip.exitIndex <= index).reduce((sum, trip) => sum + trip.pnl, 0);
    const holding = trips.find(([from, to]) => index >= from && index < to);
    const entryIndex = holding?.[0] ?? (index >= 25 ? 25 : null);
    const quantity = entryIndex === null ? 0 : 1000 / bar(entryIndex).open;
    const unrealized =
      entryIndex === null ? 0 : quantity * (bar(index).close - bar(entryIndex).open) - 1000 * FEE;
    equity.push({ time: bar(index).closeTime, equity: 10_000 + realized + unrealized, position: quantity });
  }
  return { fills, equity, pnls, open: { entry: openEntry, quantity: openQuantity, time: bar(25).openTime } };
}

describe('/strategy on the real discord.js client against the fake Discord, PGlite store', () => {
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  let strategies: StrategyStore;
  let run: ReturnType<typeof paperRun>;
  const ask = (subcommand: string, name: string) =>
    discord.interact({ ...user, name: 'strategy', subcommand, options: { name } }, { timeoutMs: 30_000 });

  beforeAll(async () => {
    discord = await startFakeDiscord({ heartbeatMs: 1_000 });
    discord.addGuild({ id: guildId, name: 'traders', channelIds: [channelId], roles: [] });
    fixture = await botFixture();
    if (!fixture.deps.strategies) throw new Error('the fixture has no strategy store');
    strategies = fixture.deps.strategies;
    run = paperRun(fixture.klines);
    await strategies.putStrategy({ id: 'alice-btc', owner: 'alice', strategy, enabled: true });
    await strategies.putStrategy({ id: 'bob-btc', owner: 'bob', strategy, enabled: true });
    await strategies.recordFills(run.fills);
    await strategies.recordEquity('alice-btc', 'alice', run.equity);
    await strategies.saveCheckpoint('alice-btc', 'alice', {
      state: '{}',
      offsets: {},
      positions: [
        {
          symbol: 'BTCUSDT',
          side: 'long',
          size: run.open.quantity,
          entryTime: run.open.time,
          entryPrice: run.open.entry,
          entryFee: 0.5,
        },
      ],
    });
    bot = createDiscordBot(
      { token: discord.botToken, restApi: discord.restApi, guildIds: [guildId] },
      fixture.deps,
    );
    await bot.start();
  }, 120_000);
  afterAll(async () => {
    await bot?.close();
    await discord?.close();
    await fixture?.close();
  });

  it('tells an unlinked user to /link, only to them', async () => {
    const reply = await ask('status', 'alice-btc');
    expect(reply.message?.flags).toBe(64);
    expect(reply.message?.content).toBe(
      '⚠️ link your Nexural account first: /link key:<your API key> (only you see it)',
    );
  });

  it('status: the open position as last saved and the last fill, found by id or by name', async () => {
    await discord.interact({ ...user, name: 'link', options: { key: 'nxr_test_alice' } });
    const expected = [
      '**BTC-EMA** (`alice-btc`) · binance-um BTCUSDT 1m',
      'Open positions (1):',
      `  • long ${formatPrice(run.open.quantity)} BTCUSDT @ ${formatPrice(run.open.entry)} since ${isoTime(run.open.time)}`,
      `Last signal: buy ${formatPrice(run.open.quantity)} BTCUSDT @ ${formatPrice(run.open.entry)} (entry) at ${isoTime(run.open.time)}`,
    ].join('\n');
    const byId = await ask('status', 'alice-btc');
    expect(byId.message?.flags).toBe(64);
    expect(byId.message?.content).toBe(expected);
    expect((await ask('status', 'btc-ema')).message?.content).toBe(expected);
  });

  it('performance: the metrics by definition from the stored fills and equity, as of the last point', async () => {
    const curve = [10_000, ...run.equity.map((point) => point.equity)];
    let peak = 10_000;
    let drawdown = 0;
    for (const value of curve) {
      peak = Math.max(peak, value);
      drawdown = Math.max(drawdown, (peak - value) / peak);
    }
    const last = run.equity.at(-1);
    const totalReturn = (last?.equity ?? 0) / 10_000 - 1;
    const wins = run.pnls.filter((trip) => trip.pnl > 0).length;
    const reply = await ask('performance', 'alice-btc');
    const lines = reply.message?.content.split('\n') ?? [];
    expect(lines[0]).toBe(
      `**BTC-EMA** (\`alice-btc\`) · binance-um BTCUSDT 1m — performance as of ${isoTime(last?.time ?? 0)}`,
    );
    const signed = (value: number) => `${value > 0 ? '+' : ''}${(value * 100).toFixed(2)}%`;
    expect(lines[1]).toContain(`total return ${signed(totalReturn)} · max drawdown ${signed(drawdown)}`);
    expect(lines[2]).toContain(`trades 2 · win rate ${((wins / 2) * 100).toFixed(1)}% (${wins} of 2)`);
    expect(lines[2]).toContain(
      `expectancy ${formatPrice((run.pnls[0]?.pnl ?? 0) / 2 + (run.pnls[1]?.pnl ?? 0) / 2)}`,
    );
    expect(lines).toHaveLength(4);
  });

  it("autocompletes the linked account's strategy names, nothing for an unlinked user", async () => {
    const complete = (userId: string) =>
      discord.interact(
        {
          ...user,
          userId,
          name: 'strategy',
          subcommand: 'status',
          options: { name: 'btc' },
          focused: 'name',
        },
        { timeoutMs: 30_000 },
      );
    const mine = await complete(user.userId);
    expect(mine.callbackType).toBe(8);
    expect(mine.choices).toEqual([{ name: 'BTC-EMA (alice-btc)', value: 'alice-btc' }]);
    expect((await complete(nextSnowflake())).choices).toEqual([]);
  });

  it("names an unknown strategy and never shows another account's", async () => {
    const reply = await ask('performance', 'bob-btc');
    expect(reply.message?.flags).toBe(64);
    expect(reply.message?.content).toBe('⚠️ you have no strategy "bob-btc"; yours: alice-btc');
  });
});
