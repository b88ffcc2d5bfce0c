import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import { parseStrategy } from '../../schemas/strategy.js';
import { nextSnowflake, startFakeDiscord } from '../discord/testing/fake-discord.js';
import type { ContractSubject } from './contract.js';

const lines = async (path: string) =>
  (await readFile(path, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0);

/** The contract's own consumer: one effect per final bar, and one bar that always fails (a poison bar). */
export const finalBarEffectsSubject: ContractSubject = {
  name: 'final-bar-effects',
  module: fileURLToPath(new URL('./final-bar-effects.ts', import.meta.url)),
  exportName: 'finalBarEffectsConsumer',
  inputs: ['barsFinal'],
  config: (workDir, recorded) => {
    const bars = recorded.filter((record) => record.input === 'barsFinal');
    const poison = JSON.parse(bars[Math.floor(bars.length / 3)]?.value ?? '{}') as { close?: number };
    return { path: join(workDir, 'effects.txt'), failOnClose: poison.close };
  },
  externalEffects: (workDir) => lines(join(workDir, 'effects.txt')),
};

/** One local fake Discord for the contract's runs; each run posts to a channel of its own. */
const contractDiscord = await startFakeDiscord();
contractDiscord.unref();
const discordChannels = new Map<string, string>();
const discordChannelOf = (workDir: string) => {
  const known = discordChannels.get(workDir) ?? nextSnowflake();
  discordChannels.set(workDir, known);
  return known;
};

/**
 * The strategy consumer's case: two users' strategies on the recorded BTCUSDT + ETHUSDT 1s bars (rsi(14) and
 * sma(5), as the recording computed them) — one long with a stop and a target on both symbols, one short with
 * a trailing stop on ETHUSDT, and a disabled one that must trade nothing.
 */
const contractStrategies = [
  {
    id: 'contract-rsi-long',
    owner: 'contract-alice',
    enabled: true,
    strategy: {
      name: 'rsi-long',
      venue: 'binance',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      interval: '1s',
      entry: {
        source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
        operator: 'crossing_up',
        value: 55,
      },
      exit: {
        source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
        operator: 'crossing_down',
        value: 45,
      },
      stopLoss: { percent: 0.05 },
      takeProfit: { percent: 0.08 },
      maxOpenPositions: 2,
      size: { quote: 1000 },
      feeBps: 5,
      slippageBps: 1,
    },
  },
  {
    id: 'contract-sma-short',
    owner: 'contract-bob',
    enabled: true,
    strategy: {
      name: 'sma-short',
      venue: 'binance',
      symbol: 'ETHUSDT',
      interval: '1s',
      direction: 'short',
      entry: {
        source: { kind: 'bar', field: 'close' },
        operator: 'crossing_down',
        value: { kind: 'indicator', spec: 'sma(5)', output: 'value' },
      },
      trailingStop: { percent: 0.03 },
      cooldownBars: 5,
      size: { percentEquity: 20 },
      feeBps: 10,
    },
  },
  {
    id: 'contract-disabled',
    owner: 'contract-bob',
    enabled: false,
    strategy: {
      name: 'disabled',
      venue: 'binance',
      symbol: 'BTCUSDT',
      interval: '1s',
      entry: { source: { kind: 'bar', field: 'close' }, operator: 'greater_than', value: 0 },
      size: { base: 1 },
    },
  },
];

/** The strategy consumer's case: the strategies above on the first 3 minutes of the recorded stream. */
export const strategySubject: ContractSubject = {
  name: 'strategy',
  module: fileURLToPath(new URL('../strategy/strategy-consumer.ts', import.meta.url)),
  exportName: 'strategyConsumer',
  inputs: ['trades', 'barsFinal', 'indicators'],
  // the first 3 minutes (~9,000 trades): the topics are read at their own pace, so a book holds many bars
  // back for the trades (in its saved state), and all 34,419 trades take minutes per run on PGlite
  select: (recorded) => {
    const start = Math.min(...recorded.map((record) => record.timestamp));
    return recorded.filter((record) => record.timestamp < start + 180_000);
  },
  config: () => ({}),
  async prepare(sql) {
    await sql.query("INSERT INTO users (id) VALUES ('contract-alice'), ('contract-bob')");
    const store = sqlStrategyStore(sql);
    for (const { strategy, ...row } of contractStrategies) {
      await store.putStrategy({ ...row, strategy: parseStrategy(strategy) });
    }
  },
  // the rows it wrote (fills, equity, open positions) and each signal once: the topic is at-least-once
  // (a signal published just before a kill is published again), readers de-duplicate by id
  externalEffects: async (_workDir, run) => {
    const rows = await run.withSql(async (sql) => {
      const store = sqlStrategyStore(sql);
      const all = { from: 0, to: Date.UTC(2100, 0), limit: 100_000 };
      const lines: string[] = [];
      for (const { id, owner } of contractStrategies) {
        for (const fill of await store.fills(owner, id, all)) lines.push(`fill ${JSON.stringify(fill)}`);
        for (const point of await store.equity(owner, id, all))
          lines.push(`equity ${id} ${JSON.stringify(point)}`);
        for (const position of await store.positions(owner, id))
          lines.push(`position ${id} ${JSON.stringify(position)}`);
      }
      return lines;
    });
    const signals = new Set(
      (await run.readTopic(run.topics.strategySignals)).map((value) => `signal ${value}`),
    );
    return [...rows, ...signals];
  },
};

/** Every registered consumer, by name, as the contract runs it. Registering a consumer means adding it here. */
export const registeredSubjects: Readonly<Record<string, ContractSubject>> = {
  'alert-log': {
    name: 'alert-log',
    module: fileURLToPath(new URL('../alert-log/alert-log.ts', import.meta.url)),
    exportName: 'alertLogConsumer',
    inputs: ['alerts'],
    config: (workDir) => ({ path: join(workDir, 'alerts.jsonl') }),
    externalEffects: (workDir) => lines(join(workDir, 'alerts.jsonl')),
  },
  discord: {
    name: 'discord',
    module: fileURLToPath(new URL('../discord/discord-consumer.ts', import.meta.url)),
    exportName: 'discordConsumer',
    inputs: ['alerts'],
    // One alert per message: batch boundaries differ between a killed and a clean run, so grouped messages
    // (and their ledger keys) would too; grouping is tested on its own (alert-delivery.test.ts).
    config: (workDir) => ({
      token: contractDiscord.botToken,
      restApi: contractDiscord.restApi,
      routes: [{ channelId: discordChannelOf(workDir) }],
      maxAlertsPerMessage: 1,
      minIntervalMs: 0,
    }),
    externalEffects: async (workDir) => contractDiscord.alertIdsIn(discordChannelOf(workDir)),
  },
  strategy: strategySubject,
};
