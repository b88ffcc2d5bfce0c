import { type Command, InvalidArgumentError } from 'commander';
import { MarketEngine } from '../../pipeline/engine/market-engine.js';
import { demoFeed, loadDemoTrades } from '../../pipeline/ingest/demo-feed.js';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import { parseEnv } from '../../schemas/env.js';
import { commandLogger } from '../command-logger.js';
import { untilSignal } from '../until-signal.js';

const DEMO_INDICATORS = ['sma(20)', 'ema(50)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)', 'atr(14)'];

const speedOption = (value: string): number => {
  if (value === 'max') return Number.POSITIVE_INFINITY;
  const speed = Number(value);
  if (!(speed > 0)) throw new InvalidArgumentError('must be a positive number or "max"');
  return speed;
};

/** Rules around the sample's opening prices, so alerts fire within the first minutes of the replay. */
const demoRules = (openingPrice: ReadonlyMap<string, number>): AlertRuleInput[] =>
  [...openingPrice].flatMap(([symbol, price]) => [
    {
      id: `${symbol}-down-0_2pct`,
      owner: 'demo',
      symbol,
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'moving_down_percent', percent: 0.2, bars: 3 },
      frequency: 'once_per_bar',
      message: '{{symbol}} fell {{threshold}}: now {{value}}',
    },
    {
      id: `${symbol}-rsi-oversold`,
      owner: 'demo',
      symbol,
      interval: '1m',
      source: { kind: 'indicator', spec: 'rsi(14)' },
      condition: { operator: 'crossing_down', value: 30 },
      frequency: 'once_per_bar_close',
      message: '{{symbol}} RSI(14) crossed below 30 on {{interval}}: {{value}}',
    },
    {
      id: `${symbol}-level`,
      owner: 'demo',
      symbol,
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'crossing', value: Math.round(price * 0.998 * 100) / 100 },
      frequency: 'once_per_bar',
      message: '{{symbol}} crossed {{threshold}} at {{value}} ({{time}})',
    },
  ]);

const fmt = (value: number) =>
  value.toLocaleString('en-US', { maximumFractionDigits: 4, useGrouping: false });

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'replay real Binance trades (bundled sample, looped) through the engine: 1m/5m bars, indicators and alert rules, printed live',
    )
    .option('--speed <n|max>', 'replay speed: 1 = recorded pace, max = as fast as possible', speedOption, 20)
    .option('--ticks <n>', 'stop after this many ticks (default: run until Ctrl-C)', (value) => Number(value))
    .action(async (options: { speed: number; ticks?: number }) => {
      const logger = commandLogger('demo', parseEnv(process.env));
      const trades = await loadDemoTrades();
      const opening = new Map<string, number>();
      for (const tick of trades) if (!opening.has(tick.symbol)) opening.set(tick.symbol, tick.price);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const engine = new MarketEngine(
        { bars: { intervals: ['1m', '5m'] }, indicators: DEMO_INDICATORS, liveBarThrottleMs: -1 },
        {
          bar: (bar) =>
            out(
              `bar   ${bar.symbol} ${bar.interval} ${new Date(bar.openTime).toISOString()} O ${fmt(bar.open)} H ${fmt(bar.high)} L ${fmt(bar.low)} C ${fmt(bar.close)} V ${bar.toDecimals().volume} trades ${bar.trades}`,
            ),
          indicator: (value) =>
            out(
              `ind   ${value.symbol} ${value.interval} ${new Date(value.openTime).toISOString()} ${value.spec} ${Object.entries(
                value.outputs,
              )
                .map(([name, output]) => `${name}=${fmt(output)}`)
                .join(' ')}`,
            ),
          alert: (event) =>
            out(
              `ALERT ${event.kind === 'fired' ? event.message : `${event.ruleId} stopped: ${event.message}`}`,
            ),
          late: (late) => out(`late  ${late.reason}`),
        },
        demoRules(opening),
      );
      out(
        `nexural demo: ${trades.length} real Binance trades (${[...opening.keys()].join(', ')}) looped at ${Number.isFinite(options.speed) ? `${options.speed}×` : 'max speed'} — Ctrl-C to stop`,
      );
      const count = await untilSignal(async (signal) => {
        let processed = 0;
        for await (const tick of demoFeed(trades, { speed: options.speed, loop: true, signal })) {
          engine.add(tick, null);
          processed++;
          if (options.ticks !== undefined && processed >= options.ticks) break;
        }
        return processed;
      });
      out(`nexural demo: ${count} ticks processed`);
      logger.info({ ticks: count }, 'stopped');
    });
}
