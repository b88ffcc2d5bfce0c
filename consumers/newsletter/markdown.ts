import type { SelectedNote, StrategyResult } from '../../schemas/ports/newsletter.js';
import type { Edition } from './edition.js';
import type { SignalAt } from './sections.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const pct = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}%`;
const num = (value: number) => Number(value.toPrecision(8)).toString();

export function signalText(signal: SignalAt): string {
  switch (signal.kind) {
    case 'rsi_overbought':
      return `${signal.spec} overbought at ${signal.value.toFixed(1)}`;
    case 'rsi_oversold':
      return `${signal.spec} oversold at ${signal.value.toFixed(1)}`;
    case 'macd_cross_up':
      return `${signal.spec} crossed above its signal`;
    case 'macd_cross_down':
      return `${signal.spec} crossed below its signal`;
    case 'bollinger_break_up':
      return `close ${num(signal.close)} broke above ${signal.spec} upper band ${num(signal.band)}`;
    case 'bollinger_break_down':
      return `close ${num(signal.close)} broke below ${signal.spec} lower band ${num(signal.band)}`;
  }
}

/** A note's body as one line of at most 280 characters (Markdown kept as written). */
export function noteExcerpt(note: SelectedNote): string {
  const text = note.body.replace(/\s+/g, ' ').trim();
  return text.length > 280 ? `${text.slice(0, 279)}…` : text;
}

export function noteHeading(note: SelectedNote): string {
  const idea = note.direction ? ` (${note.direction} idea)` : '';
  const by = note.author ? ` — by ${note.author}` : '';
  return `${note.title} · ${note.venue}:${note.symbol}${idea}${by}`;
}

/** Strategy row cells: name, symbols, closed trades, wins, realized P&L, equity start → end (change). */
export function strategyCells(result: StrategyResult): string[] {
  const { equityStart: start, equityEnd: end } = result;
  const equity =
    start === null || end === null
      ? 'no equity yet'
      : `${num(start)} → ${num(end)} (${pct(((end - start) / start) * 100)})`;
  const signed = `${result.realizedPnl >= 0 ? '+' : ''}${num(result.realizedPnl)}`;
  return [
    result.name,
    `${result.venue}:${result.symbols}`,
    String(result.closedTrades),
    String(result.wins),
    signed,
    equity,
  ];
}

export const strategyHead = ['Strategy', 'Symbols', 'Closed trades', 'Wins', 'Realized P&L', 'Equity'];

export function editionSubject(edition: Edition): string {
  return `Nexural market letter — ${iso(edition.window.to).slice(0, 10)}`;
}

/** The edition as Markdown; sections with nothing stored are left out. */
export function renderMarkdown(edition: Edition, summary: string | null = null): string {
  const lines = [
    `# ${editionSubject(edition)}`,
    '',
    `Covers ${iso(edition.window.from)} → ${iso(edition.window.to)}.`,
  ];
  if (summary) lines.push('', '## Summary', '', summary);
  if (edition.topMovers.length > 0) {
    lines.push('', '## Top movers', '', '| Symbol | Open | Close | Change |', '|---|---:|---:|---:|');
    for (const m of edition.topMovers) {
      lines.push(`| ${m.venue}:${m.symbol} | ${num(m.open)} | ${num(m.close)} | ${pct(m.changePct)} |`);
    }
  }
  if (edition.volumeLeaders.length > 0) {
    lines.push('', '## Volume leaders', '', '| Symbol | Quote volume |', '|---|---:|');
    for (const m of edition.volumeLeaders)
      lines.push(`| ${m.venue}:${m.symbol} | ${m.quoteVolume.toFixed(0)} |`);
  }
  if (edition.watchlist.length > 0) {
    lines.push('', '## Your watchlist', '', '| Symbol | Close | Change |', '|---|---:|---:|');
    for (const w of edition.watchlist)
      lines.push(
        w.mover
          ? `| ${w.venue}:${w.symbol} | ${num(w.mover.close)} | ${pct(w.mover.changePct)} |`
          : `| ${w.venue}:${w.symbol} | — | no bars in this edition |`,
      );
  }
  if (edition.alerts.length > 0) {
    lines.push('', '## Alerts that fired', '');
    for (const a of edition.alerts) lines.push(`- ${iso(a.time)} ${a.venue}:${a.symbol} — ${a.message}`);
  }
  if (edition.signals.length > 0) {
    lines.push('', `## Indicator signals (${edition.interval})`, '');
    for (const s of edition.signals)
      lines.push(`- ${iso(s.openTime)} ${s.venue}:${s.symbol} — ${signalText(s)}`);
  }
  if (edition.strategies.length > 0) {
    lines.push('', '## Strategy P&L', '', `| ${strategyHead.join(' | ')} |`, '|---|---|---:|---:|---:|---|');
    for (const result of edition.strategies) lines.push(`| ${strategyCells(result).join(' | ')} |`);
  }
  if (edition.notes.length > 0) {
    lines.push('', '## Selected notes');
    for (const note of edition.notes) lines.push('', `### ${noteHeading(note)}`, '', noteExcerpt(note));
  }
  return `${lines.join('\n')}\n`;
}
