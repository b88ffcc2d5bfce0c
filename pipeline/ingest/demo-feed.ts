import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TradeTick } from '../../schemas/tick.js';
import { readTradeFile } from '../readers/read-trades.js';

export const demoSampleFiles = [
  { symbol: 'BTCUSDT', file: 'binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv' },
  { symbol: 'ETHUSDT', file: 'binance_spot_ETHUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv' },
] as const;

/** The samples sit next to the sources, also when running the compiled dist/ build. */
const samplePath = (file: string): string => {
  const candidates = ['./samples/', '../../../pipeline/ingest/samples/'].map((folder) =>
    fileURLToPath(new URL(`${folder}${file}`, import.meta.url)),
  );
  return candidates.find((path) => existsSync(path)) ?? candidates[0] ?? file;
};

/** The bundled real Binance trades of every sample symbol, merged by event time (stable for ties). */
export async function loadDemoTrades(): Promise<readonly TradeTick[]> {
  const all: TradeTick[] = [];
  for (const { symbol, file } of demoSampleFiles) {
    for await (const tick of readTradeFile(samplePath(file), {
      format: 'binance-trades',
      venue: 'binance',
      symbol,
    })) {
      all.push(tick);
    }
  }
  return all.sort((a, b) => a.timeUs - b.timeUs);
}

export interface DemoFeedOptions {
  /** 1 = the recorded pace, 10 = ten times faster, Infinity = as fast as possible */
  readonly speed: number;
  /** replay the sample again and again, shifted forward in time so event time keeps increasing */
  readonly loop: boolean;
  readonly signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Replays real trades at their recorded pace (scaled by `speed`). Each loop shifts times by the sample's
 * span (+1 s) and (numeric) trade ids past the largest, so the stream looks like one continuous market.
 */
export async function* demoFeed(
  trades: readonly TradeTick[],
  options: DemoFeedOptions,
): AsyncGenerator<TradeTick> {
  const first = trades[0];
  const last = trades[trades.length - 1];
  if (!first || !last) return;
  const spanUs = last.timeUs - first.timeUs + 1_000_000;
  const ids = trades.map((tick) => BigInt(tick.tradeId));
  let idSpan = 1n;
  for (const id of ids) if (id >= idSpan) idSpan = id + 1n;
  const startedAt = performance.now();
  for (let round = 0; round === 0 || options.loop; round++) {
    const shiftUs = round * spanUs;
    for (const [index, tick] of trades.entries()) {
      if (options.signal?.aborted) return;
      if (Number.isFinite(options.speed)) {
        const dueMs = (tick.timeUs + shiftUs - first.timeUs) / 1000 / options.speed;
        const waitMs = dueMs - (performance.now() - startedAt);
        if (waitMs > 1) await sleep(waitMs, options.signal);
      }
      yield round === 0
        ? tick
        : {
            ...tick,
            timeUs: tick.timeUs + shiftUs,
            tradeId: String((ids[index] ?? 0n) + BigInt(round) * idSpan),
          };
    }
  }
}
