import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../schemas/env.js';
import { runFileIngest } from './ingest.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// Real Binance USDⓈ-M BTCUSDT trades (../shared/data/README.md); the first 4,000 (23:54:16 → 23:56:0x) for speed
const umTrades = fileURLToPath(
  new URL(
    '../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
);
const dir = mkdtempSync(join(tmpdir(), 'nexural-ingest-cli-'));
const slice = join(dir, 'BTCUSDT-trades-slice.csv');
writeFileSync(slice, `${readFileSync(umTrades, 'utf8').split('\n').slice(0, 4001).join('\n')}\n`);

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const embeddedEnv = { ...parseEnv({ NEXURAL_DATA_DIR: join(dir, 'data') }), NEXURAL_PARTITIONS: 2 };

describe('nexural ingest --file', () => {
  it('on the embedded log, publishes the file and runs the pipeline until every trade is processed', async () => {
    const out = sink();
    const result = await runFileIngest(
      {
        file: slice,
        format: 'binance-trades',
        venue: 'binance-um',
        intervals: '1m',
        indicators: '',
        progress: false,
      },
      embeddedEnv,
      out.stream,
      new AbortController().signal,
    );
    expect(result.ticks).toBe(4000);
    expect(result.processed).toMatchObject({ ticks: 4000, deadLetters: 0 });
    // the first (partial) 23:54 bar is skipped as live; 23:55 is final once 23:56 trades arrive
    expect(result.processed?.finalBars).toBe(1);
    expect(out.text()).toContain('4,000 trades of binance-um:BTCUSDT from 2024-08-08T23:54:16.322Z');
  });

  it('refuses to start without a source or a format', async () => {
    const signal = new AbortController().signal;
    await expect(runFileIngest({}, embeddedEnv, sink().stream, signal)).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
    });
    await expect(runFileIngest({ file: slice }, embeddedEnv, sink().stream, signal)).rejects.toMatchObject({
      message: expect.stringContaining('--format is required'),
    });
  });

  it('exits non-zero naming file, line and field of a bad line, before publishing anything', () => {
    const bad = join(dir, 'BTCUSDT-trades-bad.csv');
    writeFileSync(
      bad,
      'trade_id,price,qty,transact_time,is_buyer_maker\n1,1.5,2,1723161256322,true\n2,abc,2,1723161256322,true\n',
    );
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'ingest', '--file', bad, '--format', 'binance-trades'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, KAFKA_BROKERS: '', NEXURAL_DATA_DIR: join(dir, 'data-cli') },
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`nexural: NXR_FILE_INVALID: ${bad} line 3: price "abc" is not a decimal > 0\n`);
    expect(run.stdout).toBe('');
  });
});
