import type { StoredEdition } from '../../schemas/ports/newsletter.js';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:720px;margin:24px auto;padding:0 16px;line-height:1.5">${body}</body></html>`;

/** The public archive: every sent edition, newest first, each linking to its page. */
export function archiveIndexPage(editions: readonly StoredEdition[]): string {
  const items = [...editions]
    .sort((a, b) => b.periodEnd - a.periodEnd)
    .map(
      (edition) =>
        `<li><a href="/newsletters/${encodeURIComponent(edition.id)}">${escapeHtml(edition.subject)}</a> <small>${day(edition.periodStart)} → ${day(edition.periodEnd)} UTC</small></li>`,
    )
    .join('');
  return page(
    'Nexural newsletter archive',
    `<h1>Nexural newsletter archive</h1>${items ? `<ul>${items}</ul>` : '<p>No edition has been sent yet.</p>'}`,
  );
}

/** One sent edition: its stored Markdown as published (no tracking, no subscriber data). */
export function archiveEditionPage(edition: StoredEdition): string {
  return page(
    edition.subject,
    `<p><a href="/newsletters">← all editions</a></p><h1>${escapeHtml(edition.subject)}</h1><p><small>${day(edition.periodStart)} → ${day(edition.periodEnd)} UTC</small></p><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(edition.bodyMarkdown)}</pre>`,
  );
}
