import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EffectLedger } from '../../schemas/ports/effect-ledger.js';
import type {
  NewsletterArchive,
  NewsletterSubscribers,
  ReaderProfile,
  StoredEdition,
} from '../../schemas/ports/newsletter.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { type DeliveryOutcome, deliverEdition, type MailSender } from './deliver.js';
import { computeEdition, type Edition, type EditionOptions } from './edition.js';
import { nextEditionWindow } from './edition-window.js';
import { editionSubject, renderMarkdown } from './markdown.js';
import { editionMessage } from './message.js';
import { editionFor, withoutPremium } from './reader-edition.js';

export interface PreparedEdition {
  readonly stored: StoredEdition;
  readonly edition: Edition;
  /** the LLM summary it carries, null = none */
  readonly summary?: string | null;
}

/** Edition id from its end: one per instant, sortable. */
export const editionId = (periodEnd: number) =>
  `ed-${new Date(periodEnd).toISOString().replace(/[-:.]/g, '')}`;

/**
 * Computes the edition covering [previous edition's end, now) and archives it as a draft; null when nothing
 * new can be covered. A draft left by a crash is the latest edition, so the rerun continues with it.
 */
/** The edition the next send would cover, computed without archiving anything (for previews). */
export async function draftEdition(
  reader: StoreReader,
  archive: NewsletterArchive,
  now: number,
  options: EditionOptions,
): Promise<PreparedEdition | null> {
  const latest = await archive.latest();
  const window =
    latest?.status === 'draft'
      ? { from: latest.periodStart, to: latest.periodEnd }
      : nextEditionWindow(latest?.periodEnd ?? null, now);
  if (!window) return null;
  const edition = await computeEdition(reader, window, options);
  const stored: StoredEdition = {
    id: editionId(window.to),
    periodStart: window.from,
    periodEnd: window.to,
    subject: editionSubject(edition),
    bodyMarkdown: renderMarkdown(withoutPremium(edition)),
    status: 'draft',
    sentAt: null,
  };
  return { stored, edition };
}

export async function prepareEdition(
  reader: StoreReader,
  archive: NewsletterArchive,
  now: number,
  options: EditionOptions,
  summarize: ((edition: Edition) => Promise<string | null>) | null = null,
): Promise<PreparedEdition | null> {
  const latest = await archive.latest();
  if (latest?.status === 'draft') {
    const window = { from: latest.periodStart, to: latest.periodEnd };
    const edition = await computeEdition(reader, window, options);
    // a resumed draft keeps the summary it was archived with (never asks the model for a different one)
    const summary = /\n## Summary\n\n([^\n]+)/.exec(latest.bodyMarkdown)?.[1] ?? null;
    return { stored: latest, edition, summary };
  }
  const window = nextEditionWindow(latest?.periodEnd ?? null, now);
  if (!window) return null;
  const edition = await computeEdition(reader, window, options);
  const summary = summarize ? await summarize(edition) : null;
  const stored = await archive.save({
    id: editionId(window.to),
    periodStart: window.from,
    periodEnd: window.to,
    subject: editionSubject(edition),
    // the archive is public: it keeps the edition without the premium sections
    bodyMarkdown: renderMarkdown(withoutPremium(edition), summary),
    status: 'draft',
    sentAt: null,
  });
  return { stored, edition, summary };
}

export interface SendSettings {
  readonly from: string;
  readonly publicUrl: string;
  readonly unsubscribeSecret: string;
}

/**
 * Sends a prepared edition to every active subscriber (resumable, see deliverEdition), then marks it sent. Each
 * recipient gets `editionFor` their profile (watchlist, strategies, premium sections by plan); without `profile`
 * every recipient gets the edition without the premium sections.
 */
export async function sendPrepared(
  prepared: PreparedEdition,
  ports: {
    readonly archive: NewsletterArchive;
    readonly subscribers: NewsletterSubscribers;
    readonly ledger: EffectLedger;
    readonly sender: MailSender;
    readonly profile?: ((email: string) => Promise<ReaderProfile>) | null;
  },
  settings: SendSettings,
  now: () => number = Date.now,
  summary: string | null = null,
): Promise<DeliveryOutcome[]> {
  const recipients = await ports.subscribers.active();
  const outcomes = await deliverEdition(
    ports.ledger,
    ports.sender,
    prepared.stored.id,
    recipients,
    async (to, messageId) => {
      const edition = ports.profile
        ? editionFor(prepared.edition, await ports.profile(to))
        : withoutPremium(prepared.edition);
      return editionMessage(edition, { ...settings, to, messageId, summary });
    },
  );
  await ports.archive.markSent(prepared.stored.id, now());
  return outcomes;
}

/** Writes the edition as `DIR/<id>.md`, `.html` (charts inline as data: URIs so it opens in a browser) and the charts as PNG. */
export async function writePreview(
  prepared: PreparedEdition,
  dir: string,
  settings: SendSettings,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const message = editionMessage(prepared.edition, {
    ...settings,
    to: 'preview@localhost',
    messageId: '<preview@localhost>',
  });
  const written: string[] = [];
  const write = async (name: string, content: string | Buffer) => {
    const file = join(dir, name);
    await writeFile(file, content);
    written.push(file);
  };
  let html = String(message.html ?? '');
  for (const attachment of message.attachments ?? []) {
    const content = attachment.content;
    if (!Buffer.isBuffer(content) || !attachment.cid || !attachment.filename) continue;
    await write(attachment.filename, content);
    html = html.replaceAll(`cid:${attachment.cid}`, `data:image/png;base64,${content.toString('base64')}`);
  }
  await write(`${prepared.stored.id}.md`, renderMarkdown(prepared.edition));
  await write(`${prepared.stored.id}.html`, html);
  return written;
}
