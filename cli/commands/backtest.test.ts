import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from './backtest.js';

const trades = new URL(
  '../../../shared/data/binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv',
  import.meta.url,
).pathname;
const strategy = {
  name: 'close-ema',
  venue: 'binance',
  symbol: 'XRPETH',
  interval: '5m',
  entry: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema(10)', output: 'value' },
  },
  exit: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_down',
    value: { kind: 'indicator', spec: 'ema(10)', output: 'value' },
  },
  stopLoss: { atr: 2 },
  size: { percentEquity: 50 },
  feeBps: 10,
  slippageBps: 2,
};
const files = ['trades.csv', 'equity.csv', 'metrics.json', 'report.html'];
const dir = await mkdtemp(join(tmpdir(), 'nexural-backtest-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('nexural backtest', () => {
  it('writes the four files, byte-identical on a second run', async () => {
    await writeFile(join(dir, 'strategy.json'), JSON.stringify(strategy));
    const run = (out: string) =>
      runBacktest({
        strategy: join(dir, 'strategy.json'),
        trades,
        format: 'binance-aggtrades',
        out: join(dir, out),
        progress: false,
      });
    const first = await run('a');
    await run('b');
    expect(first.ticks).toBe(12_477);
    for (const file of files) {
      expect(await readFile(join(dir, 'b', file))).toEqual(await readFile(join(dir, 'a', file)));
    }
    const csv = (await readFile(join(dir, 'a', 'trades.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('entry_time,exit_time,side,size,entry_price,exit_price,fees,pnl,exit_reason');
    expect(csv).toHaveLength(first.trades + 1);
    expect(csv[1]).toMatch(/^2019-10-11T\d\d:\d\d:\d\d\.\d{3}Z,2019-10-11T[^,]+,long,/);
    const metrics = JSON.parse(await readFile(join(dir, 'a', 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics)).toEqual([
      'total_return',
      'cagr',
      'max_drawdown',
      'sharpe',
      'sortino',
      'calmar',
      'win_rate',
      'profit_factor',
      'expectancy',
      'exposure',
      'trades',
    ]);
    expect(metrics.trades).toBe(first.trades);
    const html = await readFile(join(dir, 'a', 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('<svg');
  });

  it('a parameter grid runs every combination in one pass; each equals its own single run', async () => {
    const template = JSON.stringify(strategy).replaceAll('ema(10)', 'ema({{len}})');
    await writeFile(join(dir, 'grid.json'), template);
    const result = await runBacktest({
      strategy: join(dir, 'grid.json'),
      trades,
      format: 'binance-aggtrades',
      out: join(dir, 'grid'),
      progress: false,
      param: ['len=5,10,20'],
    });
    expect(result.ranking.map((row) => row.label).sort()).toEqual(['len=10', 'len=20', 'len=5']);
    const returns = result.ranking.map((row) => row.metrics.total_return);
    expect(returns).toEqual([...returns].sort((a, b) => b - a));
    expect(await readFile(join(dir, 'grid', 'len=10', 'trades.csv'))).toEqual(
      await readFile(join(dir, 'a', 'trades.csv')),
    );
    const ranking = (await readFile(join(dir, 'grid', 'ranking.csv'), 'utf8')).split('\n');
    expect(ranking[0]).toMatch(/^rank,params,total_return,/);
  });
});
