import { readTradeFile } from '../readers/read-trades.js';
import { type TradeFileFormat, tradeFileFormats } from '../readers/trade-formats.js';
import { readNdjsonTrades } from './ndjson-trades.js';
import type { RawPublisher } from './raw-publisher.js';

export const ingestFormats = [...tradeFileFormats, 'ndjson'] as const;
export type IngestFormat = (typeof ingestFormats)[number];

export interface FileSource {
  readonly file: string;
  readonly format: IngestFormat;
  /** venue of every trade (ndjson lines name their own) */
  readonly venue: string;
  /** symbol of every trade (Binance files name none); files with a symbol column or ndjson: keep only it */
  readonly symbol?: string | undefined;
}

/** One trade of a file, ready for the raw topic. */
interface SourceTrade {
  readonly venue: string;
  readonly symbol: string;
  readonly timeUs: number;
  readonly value: Buffer;
}

async function* sourceTrades(source: FileSource): AsyncGenerator<SourceTrade> {
  if (source.format === 'ndjson') {
    for await (const { tick, text } of readNdjsonTrades(source.file)) {
      if (source.symbol !== undefined && tick.symbol !== source.symbol) continue;
      yield { venue: tick.venue, symbol: tick.symbol, timeUs: tick.timeUs, value: Buffer.from(text, 'utf8') };
    }
    return;
  }
  const format: TradeFileFormat = source.format;
  for await (const tick of readTradeFile(source.file, {
    format,
    venue: source.venue,
    symbol: source.symbol,
  })) {
    const raw = {
      venue: tick.venue,
      symbol: tick.symbol,
      tradeId: tick.tradeId,
      timeUs: tick.timeUs,
      price: tick.price,
      size: tick.size,
      side: tick.aggressor,
    };
    yield {
      venue: tick.venue,
      symbol: tick.symbol,
      timeUs: tick.timeUs,
      value: Buffer.from(JSON.stringify(raw), 'utf8'),
    };
  }
}

export interface FileScan {
  readonly ticks: number;
  readonly firstTimeUs: number | null;
  readonly lastTimeUs: number | null;
  readonly symbols: readonly string[];
}

/**
 * Reads the whole file once before anything is published: a bad line fails the ingest with the file,
 * line and field, and nothing of the file reaches the log. Also gives the total and the time span for the
 * progress bar's ETA.
 */
export async function scanFile(source: FileSource): Promise<FileScan> {
  let ticks = 0;
  let firstTimeUs: number | null = null;
  let lastTimeUs: number | null = null;
  const symbols = new Set<string>();
  for await (const trade of sourceTrades(source)) {
    ticks++;
    firstTimeUs ??= trade.timeUs;
    lastTimeUs = trade.timeUs;
    symbols.add(`${trade.venue}:${trade.symbol}`);
  }
  return { ticks, firstTimeUs, lastTimeUs, symbols: [...symbols] };
}

export interface PublishFileOptions {
  /** 1 = the recorded pace, 10 = ten times faster, Infinity = as fast as the log takes them */
  readonly speed: number;
  readonly signal?: AbortSignal;
  /** after each batch: ticks handed to the publisher so far and the event time reached */
  readonly onProgress?: (ticks: number, timeUs: number) => void;
  /** ticks waiting for the log before the reader waits (backpressure) */
  readonly maxQueued?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes a trade file to the raw trades topic at its recorded pace scaled by `speed` (event time of
 * each trade relative to the first), in file order, keyed venue:symbol. Resolves once everything is sent.
 */
export async function publishFile(
  source: FileSource,
  publisher: RawPublisher,
  options: PublishFileOptions,
): Promise<{ readonly ticks: number }> {
  const maxQueued = options.maxQueued ?? 50_000;
  const startedAt = performance.now();
  let firstTimeUs: number | null = null;
  let ticks = 0;
  let lastTimeUs = 0;
  for await (const trade of sourceTrades(source)) {
    if (options.signal?.aborted) break;
    firstTimeUs ??= trade.timeUs;
    if (Number.isFinite(options.speed)) {
      const waitMs = (trade.timeUs - firstTimeUs) / 1000 / options.speed - (performance.now() - startedAt);
      if (waitMs > 2) {
        options.onProgress?.(ticks, lastTimeUs);
        await sleep(waitMs);
      }
    }
    publisher.tradeJson(trade.venue, trade.symbol, trade.value);
    ticks++;
    lastTimeUs = trade.timeUs;
    if (ticks % 1000 === 0) {
      options.onProgress?.(ticks, lastTimeUs);
      await publisher.whenBelow(maxQueued);
    }
  }
  await publisher.flush();
  options.onProgress?.(ticks, lastTimeUs);
  return { ticks };
}
