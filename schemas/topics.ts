/**
 * Topic names, partitioning keys and Redis channels. Every record on a market-data topic is keyed by
 * `venue:symbol`, so per-symbol order holds within a partition. A replay run gets its own namespace,
 * so its derived topics never mix with live data.
 */
export const LIVE_NAMESPACE = 'live';

export interface TopicNames {
  /** raw trade ticks, plain JSON (rawTradeSchema) */
  readonly trades: string;
  /** raw quote ticks, plain JSON */
  readonly quotes: string;
  /** every bar update (forming + final + revisions) */
  readonly bars: string;
  /** final bars only */
  readonly barsFinal: string;
  readonly indicators: string;
  readonly alerts: string;
  /** refused records with a reason */
  readonly deadLetters: string;
  /** compacted: alert rules keyed by rule id, tombstone = deleted */
  readonly alertRules: string;
  /** compacted: processor state snapshots keyed by partition */
  readonly processorState: string;
}

const namespacePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function topicNames(namespace: string = LIVE_NAMESPACE): TopicNames {
  if (!namespacePattern.test(namespace)) {
    throw new RangeError(`namespace "${namespace}" must match ${namespacePattern}`);
  }
  // Raw inputs are shared: a replay reads the live raw topics and writes derived topics of its own.
  const derived = namespace === LIVE_NAMESPACE ? 'nexural' : `nexural.run.${namespace}`;
  return {
    trades: 'nexural.trades.raw',
    quotes: 'nexural.quotes.raw',
    bars: `${derived}.bars`,
    barsFinal: `${derived}.bars.final`,
    indicators: `${derived}.indicators`,
    alerts: `${derived}.alerts`,
    deadLetters: `${derived}.dlq`,
    alertRules: 'nexural.alert-rules',
    processorState: `${derived}.processor-state`,
  };
}

/**
 * Every change of a user's effective plan (schemas/billing.ts planChangeSchema), keyed by user id, kept
 * forever: folding it rebuilds the entitlements of any user at any past time.
 */
export const BILLING_TOPIC = 'nexural.billing';

export const symbolKey = (venue: string, symbol: string): string => `${venue}:${symbol}`;

/** Redis pub/sub channels and the catch-up stream for alerts. */
export const alertChannels = {
  bySymbol: (venue: string, symbol: string): string => `nexural:alerts:symbol:${venue}:${symbol}`,
  byOwner: (owner: string): string => `nexural:alerts:owner:${owner}`,
  all: 'nexural:alerts:all',
  /** Catch-up history: one Redis Stream for all alerts, plus one per owner and per symbol (same entry ids). */
  stream: 'nexural:alerts:stream',
  ownerStream: (owner: string): string => `nexural:alerts:stream:owner:${owner}`,
  symbolStream: (venue: string, symbol: string): string => `nexural:alerts:stream:symbol:${venue}:${symbol}`,
  /** Marks an alert event id as published, so a re-publish after a crash is not delivered twice. */
  seen: (eventId: string): string => `nexural:alerts:seen:${eventId}`,
  /**
   * Written once the streams and seen-keys are complete (rebuilt from the delivery journal if need be);
   * its absence means Redis came back empty, so nothing is published or read before a rebuild.
   */
  ready: 'nexural:alerts:ready',
  /** Redis Stream length bound (approximate trimming). */
  streamMaxLength: 100_000,
} as const;

/** The delivery journal of a namespace's alert fan-out: (delivery id, event), one partition, kept 8 days. */
export const alertDeliveriesTopic = (topics: Pick<TopicNames, 'alerts'>): string =>
  `${topics.alerts}.deliveries`;
