import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import { type Mover, moverOf } from '../../schemas/movers.js';
import type { SelectedNote, StrategyResult } from '../../schemas/ports/newsletter.js';
import type { Page, RangeQuery, StoreReader, SymbolRef } from '../../schemas/ports/store.js';
import type { EditionWindow } from './edition-window.js';
import { indicatorSignals, type SignalAt } from './sections.js';

type FiredAlert = Extract<AlertEvent, { kind: 'fired' }>;

/** What an edition says, computed only from stored data; a section with nothing to say is empty, never invented. */
export interface Edition {
  readonly window: EditionWindow;
  readonly interval: string;
  readonly topMovers: readonly Mover[];
  readonly volumeLeaders: readonly Mover[];
  readonly alerts: readonly FiredAlert[];
  readonly signals: readonly SignalAt[];
  /** closes per symbol (`venue:symbol`) in bar order, for charts */
  readonly closes: ReadonlyMap<string, readonly number[]>;
  /** every symbol's movement over the window (`venue:symbol`), for the watchlists */
  readonly movements: ReadonlyMap<string, Mover>;
  /** notes their owners selected for the newsletter, written in the window */
  readonly notes: readonly SelectedNote[];
  /** one reader's watchlist (empty in the shared edition, see reader-edition.ts) */
  readonly watchlist: readonly WatchRow[];
  /** one reader's strategies (empty in the shared edition) */
  readonly strategies: readonly StrategyResult[];
}

/** A watched symbol and its movement over the window; null when it has no bar there. */
export interface WatchRow {
  readonly venue: string;
  readonly symbol: string;
  readonly mover: Mover | null;
}

export interface EditionOptions {
  /** bar interval the sections are computed on, e.g. 1h */
  readonly interval: string;
  /** rows per section */
  readonly top?: number;
  /** the notes selected for the window (none without it) */
  readonly selectedNotes?: ((window: EditionWindow) => Promise<readonly SelectedNote[]>) | null;
}

async function readAll<Item>(
  read: (query: RangeQuery) => Promise<Page<Item>>,
  window: EditionWindow,
): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Item> = await read({ from: window.from, to: window.to, limit: 10_000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

async function symbolSections(reader: StoreReader, ref: SymbolRef, window: EditionWindow, interval: string) {
  const series = { ...ref, interval };
  const bars: Bar[] = await readAll((query) => reader.bars({ ...series, ...query, finalOnly: true }), window);
  const values: IndicatorValue[] = await readAll(
    (query) => reader.indicatorValues({ ...series, ...query }),
    window,
  );
  const alerts = await readAll((query) => reader.alertEvents({ ...ref, ...query }), window);
  const closes = new Map(bars.map((bar) => [bar.openTime, bar.close]));
  return {
    mover: moverOf(bars),
    closes: bars.map((bar) => bar.close),
    signals: indicatorSignals(
      values.filter((value) => value.final),
      closes,
    ),
    alerts: alerts.filter((event): event is FiredAlert => event.kind === 'fired'),
  };
}

export async function computeEdition(
  reader: StoreReader,
  window: EditionWindow,
  options: EditionOptions,
): Promise<Edition> {
  const top = options.top ?? 5;
  const movers: Mover[] = [];
  const alerts: FiredAlert[] = [];
  const signals: SignalAt[] = [];
  const closes = new Map<string, readonly number[]>();
  const movements = new Map<string, Mover>();
  for (const ref of await reader.listSymbols()) {
    const sections = await symbolSections(reader, ref, window, options.interval);
    if (sections.mover) {
      movers.push(sections.mover);
      movements.set(`${ref.venue}:${ref.symbol}`, sections.mover);
    }
    if (sections.closes.length > 0) closes.set(`${ref.venue}:${ref.symbol}`, sections.closes);
    alerts.push(...sections.alerts);
    signals.push(...sections.signals);
  }
  return {
    window,
    interval: options.interval,
    topMovers: [...movers].sort((a, b) => Math.abs(b.changePct) - Math.abs(a.changePct)).slice(0, top),
    volumeLeaders: [...movers].sort((a, b) => b.quoteVolume - a.quoteVolume).slice(0, top),
    alerts: alerts.sort((a, b) => a.time - b.time),
    signals: signals.sort((a, b) => a.openTime - b.openTime),
    closes,
    movements,
    notes: options.selectedNotes ? await options.selectedNotes(window) : [],
    watchlist: [],
    strategies: [],
  };
}
