import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import type { TradeTick } from '../../schemas/tick.js';
import { barAggregatorOptionsSchema } from './bar-options.js';
import type { BarState } from './bar-state.js';
import { MAX_DECIMALS } from './decimal-scale.js';

/*
 * The bar aggregator's state as plain data: per symbol its clock and decimal scale, per interval the bars
 * that can still change and what decides the next ones. Pools and hot-path caches (the newest bar, the next
 * deadline) are not state: they are rebuilt. Times that mean "not yet" in the aggregator (NaN, −∞) are null.
 */

/** One bar being built, every field including its exact sums in the symbol's units. */
export const barSnapshotSchema = z.object({
  openTime: z.number(),
  closeTime: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  firstTradeUs: z.number(),
  lastTradeUs: z.number(),
  trades: z.number().int().min(0),
  final: z.boolean(),
  revision: z.number().int().min(-1),
  seq: z.number().int().min(0).default(0),
  partial: z.boolean(),
  jumpedFrom: z
    .number()
    .default(-1)
    .describe('open time of the bar before a jump; −1: none (older snapshots)'),
  sums: z
    .instanceof(Float64Array)
    .refine((sums) => sums.length === 6, { error: 'must hold 6 numbers (hi, lo of 3 exact sums)' })
    .describe('volume, quote volume, taker-buy volume as exact hi + lo pairs (see exact-sum.ts)'),
});

const timeSeriesSnapshotSchema = z.object({
  kind: z.literal('time'),
  interval: z.string(),
  bars: z.array(barSnapshotSchema).describe('forming bars and final bars within their grace, oldest first'),
  firstOpenTime: z.number().nullable(),
  newestOpenTime: z.number().nullable(),
  evictedClose: z.number(),
  flatRun: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('flat bars created since the newest bar with trades (older snapshots: 0)'),
});

const activitySeriesSnapshotSchema = z.object({
  kind: z.literal('activity'),
  interval: z.string(),
  forming: barSnapshotSchema.nullable(),
  // Absent in snapshots taken before bars had a seq: then no bar was closed as far as seq knows.
  lastClosedOpenTime: z.number().nullable().default(null),
  lastClosedSeq: z.number().int().min(0).default(0),
});

export const barSeriesSnapshotSchema = z.discriminatedUnion('kind', [
  timeSeriesSnapshotSchema,
  activitySeriesSnapshotSchema,
]);

export const symbolBarsSnapshotSchema = z.object({
  venue: z.string(),
  symbol: z.string(),
  priceDecimals: z.number().int().min(0).max(MAX_DECIMALS),
  sizeDecimals: z.number().int().min(0).max(MAX_DECIMALS),
  maxTimeUs: z.number().nullable(),
  watermarkUs: z.number().nullable(),
  series: z.array(barSeriesSnapshotSchema).describe('one per interval, in the options order'),
});

export const barAggregatorSnapshotSchema = z.object({
  options: barAggregatorOptionsSchema,
  flushed: z.boolean(),
  symbols: z.array(symbolBarsSnapshotSchema).describe('in order of first appearance'),
});

export type BarSnapshot = z.output<typeof barSnapshotSchema>;
export type BarSeriesSnapshot = z.output<typeof barSeriesSnapshotSchema>;
export type SymbolBarsSnapshot = z.output<typeof symbolBarsSnapshotSchema>;
export type BarAggregatorSnapshot = z.output<typeof barAggregatorSnapshotSchema>;

export function snapshotBar(bar: BarState): BarSnapshot {
  return {
    openTime: bar.openTime,
    closeTime: bar.closeTime,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    firstTradeUs: bar.firstTradeUs,
    lastTradeUs: bar.lastTradeUs,
    trades: bar.trades,
    final: bar.final,
    revision: bar.revision,
    seq: bar.seq,
    partial: bar.partial,
    jumpedFrom: bar.jumpedFrom,
    sums: bar.sums(),
  };
}

/** Writes a snapshot into a bar taken from the series' pool; returns the bar. */
export function restoreBar(bar: BarState, snapshot: BarSnapshot): BarState {
  bar.openTime = snapshot.openTime;
  bar.closeTime = snapshot.closeTime;
  bar.open = snapshot.open;
  bar.high = snapshot.high;
  bar.low = snapshot.low;
  bar.close = snapshot.close;
  bar.firstTradeUs = snapshot.firstTradeUs;
  bar.lastTradeUs = snapshot.lastTradeUs;
  bar.trades = snapshot.trades;
  bar.final = snapshot.final;
  bar.revision = snapshot.revision;
  bar.seq = snapshot.seq;
  bar.partial = snapshot.partial;
  bar.jumpedFrom = snapshot.jumpedFrom;
  bar.setSums(snapshot.sums);
  return bar;
}

/** A series snapshot of another kind or interval than the series it is restored into. */
export const seriesMismatch = (interval: string, snapshot: BarSeriesSnapshot): NexuralError =>
  new NexuralError(
    'NXR_CONFIG_INVALID',
    `bar snapshot: the ${interval} series cannot take the state of a ${snapshot.kind} series ${snapshot.interval}`,
    { interval, snapshot: snapshot.interval },
  );

/**
 * What a restored symbol's scratch trade starts with: the aggregator builds a symbol from its first tick,
 * and the scratch tick is replaced by the next real one before anything reads it.
 */
export const placeholderTick = (venue: string, symbol: string): TradeTick => ({
  kind: 'trade',
  venue,
  symbol,
  tradeId: 'restored',
  timeUs: 0,
  price: 0,
  size: 0,
  aggressor: 'unknown',
});
