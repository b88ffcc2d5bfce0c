import { randomBytes } from 'node:crypto';
import { NexuralError } from '../../schemas/errors.js';
import type { EffectLedger } from '../../schemas/ports/effect-ledger.js';
import type {
  EditionPreview,
  NewsletterArchive,
  NewsletterReaders,
  NewsletterStudio,
  NewsletterSubscribers,
} from '../../schemas/ports/newsletter.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import type { DeliveryOutcome, MailSender } from './deliver.js';
import type { Edition } from './edition.js';
import type { EditionWindow } from './edition-window.js';
import { renderMarkdown } from './markdown.js';
import { editionMessage } from './message.js';
import { draftEdition, type PreparedEdition, prepareEdition, sendPrepared } from './studio.js';

/** Writes the optional summary of an edition (an LLM); null = leave the section out. */
export type EditionSummarizer = (edition: Edition) => Promise<string | null>;

/** Another place an edition goes besides e-mail (a Discord channel, a webhook); must be idempotent per edition id. */
export interface EditionChannel {
  readonly name: string;
  publish(prepared: PreparedEdition, summary: string | null): Promise<void>;
}

export interface NewsletterServiceDeps {
  readonly reader: StoreReader;
  readonly archive: NewsletterArchive;
  readonly subscribers: NewsletterSubscribers;
  readonly ledger: EffectLedger;
  /** null = no SMTP_URL: no sign-ups and no e-mail delivery */
  readonly mailer: MailSender | null;
  readonly summarize?: EditionSummarizer | null;
  /**
   * Who each subscriber is (plan, watchlist, strategies) and the selected notes. Null: no notes, and every
   * recipient gets the edition without the premium sections (reader-edition.ts).
   */
  readonly readers?: NewsletterReaders | null;
  readonly channels?: readonly EditionChannel[];
  readonly settings: {
    readonly from: string;
    readonly publicUrl: string;
    /** null = NEWSLETTER_SECRET unset: previews only */
    readonly secret: string | null;
    readonly interval: string;
  };
  readonly now?: () => number;
}

export interface NewsletterService extends NewsletterStudio {
  /** Archives the edition up to now and delivers it everywhere (resumable); null when nothing new. */
  send(): Promise<{ readonly editionId: string; readonly outcomes: readonly DeliveryOutcome[] } | null>;
}

const confirmUrl = (publicUrl: string, token: string) =>
  `${publicUrl.replace(/\/$/, '')}/v1/newsletters/confirm?token=${encodeURIComponent(token)}`;

/** The newsletter studio wired to its ports: previews, double opt-in sign-ups and sends. */
export function newsletterService(deps: NewsletterServiceDeps): NewsletterService {
  const now = deps.now ?? Date.now;
  const { settings } = deps;
  const summaryOf = async (edition: Edition) => (deps.summarize ? deps.summarize(edition) : null);
  const readers = deps.readers ?? null;
  const editionOptions = {
    interval: settings.interval,
    selectedNotes: readers ? (window: EditionWindow) => readers.selectedNotes(window) : null,
  };
  return {
    async preview(): Promise<EditionPreview | null> {
      const draft = await draftEdition(deps.reader, deps.archive, now(), editionOptions);
      if (!draft) return null;
      const summary = await summaryOf(draft.edition);
      const message = editionMessage(draft.edition, {
        from: settings.from,
        to: 'preview@localhost',
        publicUrl: settings.publicUrl,
        unsubscribeSecret: settings.secret ?? 'preview-only',
        messageId: '<preview@localhost>',
        summary,
      });
      let html = String(message.html ?? '');
      for (const attachment of message.attachments ?? []) {
        if (!Buffer.isBuffer(attachment.content) || !attachment.cid) continue;
        const uri = `data:image/png;base64,${attachment.content.toString('base64')}`;
        html = html.replaceAll(`cid:${attachment.cid}`, uri);
      }
      return {
        periodStart: draft.stored.periodStart,
        periodEnd: draft.stored.periodEnd,
        subject: draft.stored.subject,
        markdown: renderMarkdown(draft.edition, summary),
        html,
      };
    },
    async subscribe(email) {
      if (deps.mailer === null)
        throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'sign-ups need SMTP_URL (the opt-in is mailed)');
      const token = randomBytes(24).toString('base64url');
      const status = await deps.subscribers.subscribe(email, token);
      if (status !== 'pending') return status;
      const link = confirmUrl(settings.publicUrl, token);
      await deps.mailer.sendMail({
        from: settings.from,
        to: email,
        subject: 'Confirm your Nexural newsletter subscription',
        text: `Confirm that you want the Nexural market newsletter:\n${link}\n\nIf you did not sign up, ignore this mail.\n`,
        html: `<p>Confirm that you want the Nexural market newsletter:</p><p><a href="${link}">Confirm my subscription</a></p><p style="color:#6b7280">If you did not sign up, ignore this mail.</p>`,
      });
      return status;
    },
    async send() {
      if (deps.mailer && settings.secret === null)
        throw new NexuralError('NXR_CONFIG_INVALID', 'e-mail sends need NEWSLETTER_SECRET');
      const prepared = await prepareEdition(
        deps.reader,
        deps.archive,
        now(),
        editionOptions,
        deps.summarize ?? null,
      );
      if (!prepared) return null;
      const summary = prepared.summary ?? null;
      // one ledger record per channel and edition: a resumed send never posts twice
      for (const channel of deps.channels ?? [])
        await deps.ledger.perform(`newsletter:${prepared.stored.id}:channel:${channel.name}`, async () => {
          await channel.publish(prepared, summary);
          return true;
        });
      const outcomes =
        deps.mailer && settings.secret !== null
          ? await sendPrepared(
              prepared,
              {
                archive: deps.archive,
                subscribers: deps.subscribers,
                ledger: deps.ledger,
                sender: deps.mailer,
                profile: readers
                  ? (email: string) =>
                      readers.profile(email, {
                        from: prepared.stored.periodStart,
                        to: prepared.stored.periodEnd,
                      })
                  : null,
              },
              { from: settings.from, publicUrl: settings.publicUrl, unsubscribeSecret: settings.secret },
              now,
              summary,
            )
          : [];
      if (outcomes.length === 0) await deps.archive.markSent(prepared.stored.id, now());
      return { editionId: prepared.stored.id, outcomes };
    },
  };
}
