import { NexuralError } from '../../schemas/errors.js';
import { symbolSchema } from '../../schemas/market.js';
import type { TradeTick } from '../../schemas/tick.js';
import {
  type FieldPlace,
  fileError,
  parseBuyerMaker,
  parseEpochTime,
  parsePrice,
  parseSide,
  parseSize,
  parseTime,
  parseTradeId,
} from './fields.js';

export const tradeFileFormats = ['binance-trades', 'binance-aggtrades', 'csv'] as const;
export type TradeFileFormat = (typeof tradeFileFormats)[number];

/** Turns one CSV record into a tick; null = a row for another symbol, skipped. */
export type RowDecoder = (record: readonly string[], place: FieldPlace) => TradeTick | null;

export interface DecoderContext {
  readonly venue: string;
  /** symbol of every row (Binance files carry none); with a symbol column, only its rows are kept */
  readonly symbol: string | undefined;
}

interface TradeFormat {
  /** false: a first line of digits is data, read by position */
  readonly headerRequired: boolean;
  createDecoder(header: readonly string[] | null, context: DecoderContext, place: FieldPlace): RowDecoder;
}

/** A column found by header name (any alias, case-insensitive) or by its position in headerless files. */
interface Column {
  readonly index: number;
  readonly name: string;
}

function findColumn(
  header: readonly string[] | null,
  aliases: readonly string[],
  position: number,
  place: FieldPlace,
): Column {
  const found = findOptionalColumn(header, aliases);
  if (found) return found;
  if (header === null) return { index: position, name: aliases[0] ?? `column ${position + 1}` };
  throw new NexuralError(
    'NXR_FILE_INVALID',
    `${place.file} line ${place.line}: no ${aliases.join('/')} column in header "${header.join(',')}"`,
    { file: place.file, line: place.line, field: aliases[0] },
  );
}

function findOptionalColumn(
  header: readonly string[] | null,
  aliases: readonly string[],
): Column | undefined {
  if (header === null) return undefined;
  const names = header.map((name) => name.trim().toLowerCase());
  for (const alias of aliases) {
    const index = names.indexOf(alias.toLowerCase());
    if (index >= 0) return { index, name: alias };
  }
  return undefined;
}

function field(record: readonly string[], column: Column, place: FieldPlace): string {
  const value = record[column.index];
  if (value === undefined)
    throw fileError(place, column.name, '', `is missing (${record.length} fields on the line)`);
  return value;
}

function requireSymbol(context: DecoderContext, format: string): string {
  if (context.symbol !== undefined) return context.symbol;
  throw new NexuralError('NXR_CONFIG_INVALID', `${format} files name no symbol: give one (--symbol BTCUSDT)`);
}

/** Binance dumps: the column names of both the official dumps and the recorded streams, same semantics. */
function binanceFormat(
  aliases: Readonly<Record<'id' | 'price' | 'size' | 'time' | 'buyerMaker', readonly string[]>>,
  headerlessPositions: Readonly<Record<'id' | 'price' | 'size' | 'time' | 'buyerMaker', number>>,
  formatName: TradeFileFormat,
): TradeFormat {
  return {
    headerRequired: false,
    createDecoder(header, context, place) {
      const symbol = requireSymbol(context, formatName);
      const id = findColumn(header, aliases.id, headerlessPositions.id, place);
      const price = findColumn(header, aliases.price, headerlessPositions.price, place);
      const size = findColumn(header, aliases.size, headerlessPositions.size, place);
      const time = findColumn(header, aliases.time, headerlessPositions.time, place);
      const buyerMaker = findColumn(header, aliases.buyerMaker, headerlessPositions.buyerMaker, place);
      return (record, at) => ({
        kind: 'trade',
        venue: context.venue,
        symbol,
        tradeId: parseTradeId(field(record, id, at), at, id.name, true),
        timeUs: parseEpochTime(field(record, time, at), at, time.name),
        price: parsePrice(field(record, price, at), at, price.name),
        size: parseSize(field(record, size, at), at, size.name),
        aggressor: parseBuyerMaker(field(record, buyerMaker, at), at, buyerMaker.name),
      });
    },
  };
}

/**
 * Generic CSV, header required: `time` (epoch ms or µs, or ISO 8601 with zone), `price`, `size`
 * (or qty/quantity/amount), optional `side` (buy/sell/unknown), `trade_id` (default: the line number),
 * `symbol` (default: the given symbol).
 */
const genericCsv: TradeFormat = {
  headerRequired: true,
  createDecoder(header, context, place) {
    const time = findColumn(header, ['time', 'timestamp'], -1, place);
    const price = findColumn(header, ['price'], -1, place);
    const size = findColumn(header, ['size', 'qty', 'quantity', 'amount'], -1, place);
    const side = findOptionalColumn(header, ['side']);
    const tradeId = findOptionalColumn(header, ['trade_id', 'id']);
    const symbolColumn = findOptionalColumn(header, ['symbol']);
    const fixedSymbol = symbolColumn ? undefined : requireSymbol(context, 'csv');
    let lastSymbol = '';
    return (record, at) => {
      let symbol = fixedSymbol;
      if (symbolColumn) {
        symbol = field(record, symbolColumn, at);
        if (context.symbol !== undefined && symbol !== context.symbol) return null;
        if (symbol !== lastSymbol && !symbolSchema.safeParse(symbol).success) {
          throw fileError(at, symbolColumn.name, symbol, 'is not a symbol (letters, digits, . _ : / -)');
        }
        lastSymbol = symbol;
      }
      return {
        kind: 'trade',
        venue: context.venue,
        symbol: symbol ?? '',
        tradeId: tradeId
          ? parseTradeId(field(record, tradeId, at), at, tradeId.name, false)
          : String(at.line),
        timeUs: parseTime(field(record, time, at), at, time.name),
        price: parsePrice(field(record, price, at), at, price.name),
        size: parseSize(field(record, size, at), at, size.name),
        aggressor: side ? parseSide(field(record, side, at), at, side.name) : 'unknown',
      };
    };
  },
};

export const tradeFormats: Readonly<Record<TradeFileFormat, TradeFormat>> = {
  // Official dumps: id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match] (spot: no header);
  // recorded streams in ../shared/data: trade_id,price,qty,transact_time,event_time,is_buyer_maker,…
  'binance-trades': binanceFormat(
    {
      id: ['id', 'trade_id'],
      price: ['price'],
      size: ['qty', 'quantity'],
      time: ['time', 'transact_time'],
      buyerMaker: ['is_buyer_maker'],
    },
    { id: 0, price: 1, size: 2, time: 4, buyerMaker: 5 },
    'binance-trades',
  ),
  // agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]
  'binance-aggtrades': binanceFormat(
    {
      id: ['agg_trade_id', 'id'],
      price: ['price'],
      size: ['quantity', 'qty'],
      time: ['transact_time', 'time'],
      buyerMaker: ['is_buyer_maker'],
    },
    { id: 0, price: 1, size: 2, time: 5, buyerMaker: 6 },
    'binance-aggtrades',
  ),
  csv: genericCsv,
};
