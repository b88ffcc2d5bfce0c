import type { Edition } from './edition.js';
import {
  editionSubject,
  noteExcerpt,
  noteHeading,
  signalText,
  strategyCells,
  strategyHead,
} from './markdown.js';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Content id of a symbol's chart (`venue:symbol`), referenced as `cid:` by the HTML and set on the attachment. */
export const chartCid = (key: string) => `chart-${key.replace(/[^A-Za-z0-9-]/g, '-')}@nexural`;

const td = 'style="padding:4px 8px;border-bottom:1px solid #e5e7eb"';

function section(title: string, body: string): string {
  return `<h2 style="font-size:18px;margin:24px 0 8px">${escapeHtml(title)}</h2>${body}`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const header = head.map((cell) => `<th ${td} align="left">${escapeHtml(cell)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td ${td}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('');
  return `<table role="presentation" width="100%" cellspacing="0" style="border-collapse:collapse;font-size:14px"><tr>${header}</tr>${body}</table>`;
}

/**
 * Responsive e-mail HTML: one fluid column at most 600px wide, inline styles only (mail clients drop <style>
 * often), charts as `cid:` images. `unsubscribeUrl` goes in the footer.
 */
export function renderHtml(edition: Edition, unsubscribeUrl: string, summary: string | null = null): string {
  const parts = [
    `<p style="color:#6b7280">Covers ${iso(edition.window.from)} → ${iso(edition.window.to)}.</p>`,
  ];
  if (summary) parts.push(section('Summary', `<p>${escapeHtml(summary)}</p>`));
  if (edition.topMovers.length > 0) {
    const rows = edition.topMovers.map((m) => [
      `${m.venue}:${m.symbol}`,
      String(m.open),
      String(m.close),
      `${m.changePct >= 0 ? '+' : ''}${m.changePct.toFixed(2)}%`,
    ]);
    const charts = edition.topMovers
      .filter((m) => edition.closes.has(`${m.venue}:${m.symbol}`))
      .map(
        (m) =>
          `<img src="cid:${chartCid(`${m.venue}:${m.symbol}`)}" alt="${escapeHtml(`${m.symbol} closes`)}" width="480" style="max-width:100%;height:auto;display:block;margin:8px 0">`,
      );
    parts.push(section('Top movers', table(['Symbol', 'Open', 'Close', 'Change'], rows) + charts.join('')));
  }
  if (edition.volumeLeaders.length > 0) {
    const rows = edition.volumeLeaders.map((m) => [`${m.venue}:${m.symbol}`, m.quoteVolume.toFixed(0)]);
    parts.push(section('Volume leaders', table(['Symbol', 'Quote volume'], rows)));
  }
  if (edition.watchlist.length > 0) {
    const rows = edition.watchlist.map((w) =>
      w.mover
        ? [
            `${w.venue}:${w.symbol}`,
            String(w.mover.close),
            `${w.mover.changePct >= 0 ? '+' : ''}${w.mover.changePct.toFixed(2)}%`,
          ]
        : [`${w.venue}:${w.symbol}`, '—', 'no bars in this edition'],
    );
    parts.push(section('Your watchlist', table(['Symbol', 'Close', 'Change'], rows)));
  }
  if (edition.alerts.length > 0) {
    const items = edition.alerts.map(
      (a) => `<li>${escapeHtml(`${iso(a.time)} ${a.venue}:${a.symbol} — ${a.message}`)}</li>`,
    );
    parts.push(section('Alerts that fired', `<ul>${items.join('')}</ul>`));
  }
  if (edition.signals.length > 0) {
    const items = edition.signals.map(
      (s) => `<li>${escapeHtml(`${iso(s.openTime)} ${s.venue}:${s.symbol} — ${signalText(s)}`)}</li>`,
    );
    parts.push(section(`Indicator signals (${edition.interval})`, `<ul>${items.join('')}</ul>`));
  }
  if (edition.strategies.length > 0) {
    parts.push(section('Strategy P&L', table(strategyHead, edition.strategies.map(strategyCells))));
  }
  if (edition.notes.length > 0) {
    const notes = edition.notes.map(
      (note) =>
        `<h3 style="font-size:15px;margin:12px 0 4px">${escapeHtml(noteHeading(note))}</h3><p style="margin:0">${escapeHtml(noteExcerpt(note))}</p>`,
    );
    parts.push(section('Selected notes', notes.join('')));
  }
  const subject = escapeHtml(editionSubject(edition));
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellspacing="0"><tr><td align="center" style="padding:16px">
<table role="presentation" width="100%" cellspacing="0" style="max-width:600px;background:#ffffff"><tr><td style="padding:16px">
<h1 style="font-size:22px;margin:0 0 8px">${subject}</h1>
${parts.join('\n')}
<p style="font-size:12px;color:#6b7280;margin-top:24px"><a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>
</td></tr></table></td></tr></table></body></html>
`;
}
