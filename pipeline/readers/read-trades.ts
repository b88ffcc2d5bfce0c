import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import type { TradeTick } from '../../schemas/tick.js';
import type { FieldPlace } from './fields.js';
import { type RowDecoder, type TradeFileFormat, tradeFormats } from './trade-formats.js';

export interface TradeReaderOptions {
  readonly format: TradeFileFormat;
  readonly venue: string;
  /** symbol of every trade (Binance files name none); for CSV with a symbol column: keep only this one */
  readonly symbol?: string | undefined;
}

interface CsvEntry {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

const isCsvEntry = (value: unknown): value is CsvEntry =>
  typeof value === 'object' && value !== null && 'record' in value && 'info' in value;

/**
 * Streams the trades of a CSV source as ticks, in file order. Columns are found by header name; Binance
 * files without a header are read by position. A bad line stops the read with NXR_FILE_INVALID naming
 * `fileName`, the line and the field.
 */
export async function* readTrades(
  input: Readable,
  fileName: string,
  options: TradeReaderOptions,
): AsyncGenerator<TradeTick> {
  for await (const { tick } of readTradeLines(input, fileName, options)) yield tick;
}

/** A tick and the line of the file it was read from (1-based), its provenance. */
export interface TradeLine {
  readonly tick: TradeTick;
  readonly line: number;
}

/** `readTrades` with the line each trade came from. */
export async function* readTradeLines(
  input: Readable,
  fileName: string,
  options: TradeReaderOptions,
): AsyncGenerator<TradeLine> {
  const format = tradeFormats[options.format];
  const context = { venue: options.venue, symbol: options.symbol };
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    info: true,
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let decode: RowDecoder | undefined;
  try {
    for await (const entry of parser) {
      if (!isCsvEntry(entry)) continue;
      const place: FieldPlace = { file: fileName, line: entry.info.lines };
      if (decode === undefined) {
        const isHeader = format.headerRequired || !/^\d+$/.test(entry.record[0] ?? '');
        decode = format.createDecoder(isHeader ? entry.record : null, context, place);
        if (isHeader) continue;
      }
      const tick = decode(entry.record, place);
      if (tick !== null) yield { tick, line: place.line };
    }
  } catch (error) {
    throw asFileError(error, fileName);
  } finally {
    input.unpipe(parser);
    parser.destroy();
    input.destroy();
  }
}

/** `readTrades` over a file path. */
export function readTradeFile(path: string, options: TradeReaderOptions): AsyncGenerator<TradeTick> {
  return readTrades(createReadStream(path), path, options);
}

/** `readTradeLines` over a file path. */
export function readTradeFileLines(path: string, options: TradeReaderOptions): AsyncGenerator<TradeLine> {
  return readTradeLines(createReadStream(path), path, options);
}

function asFileError(error: unknown, fileName: string): unknown {
  if (isNexuralError(error)) return error;
  if (error instanceof CsvError) {
    return new NexuralError(
      'NXR_FILE_INVALID',
      `${fileName}: ${error.message}`,
      { file: fileName },
      { cause: error },
    );
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return new NexuralError(
      'NXR_FILE_INVALID',
      `cannot read ${fileName}: ${error.message}`,
      { file: fileName },
      {
        cause: error,
      },
    );
  }
  return error;
}

/** The symbol in a Binance dump's name (`BTCUSDT-trades-2024-08-08.csv`, `binance_um_BTCUSDT_trades_….csv`). */
export function symbolFromFileName(path: string): string | undefined {
  const name = basename(path);
  return (/^([A-Z0-9]+)-(?:trades|aggTrades)-/.exec(name) ??
    /_([A-Z0-9]+)_(?:trades|aggTrades)_/.exec(name))?.[1];
}
