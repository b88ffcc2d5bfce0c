import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { EffectLedger } from '../../schemas/ports/effect-ledger.js';

/** What sends one e-mail (a nodemailer transport); resolves once the SMTP server accepted it. */
export interface MailSender {
  sendMail(
    message: SendMailOptions,
  ): Promise<{ readonly messageId: string; readonly accepted: readonly unknown[] }>;
}

export type DeliveryOutcome =
  | { readonly to: string; readonly kind: 'sent'; readonly messageId: string; readonly attempt: number }
  | { readonly to: string; readonly kind: 'already-sent'; readonly messageId: string };

/** Stable per edition and recipient, so a repeat after a crash carries the Message-ID of the first try. */
export function deliveryMessageId(editionId: string, email: string): string {
  const hash = createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 16);
  return `<${editionId}.${hash}@nexural.newsletter>`;
}

/**
 * Sends the edition to every recipient, one effect-ledger record per recipient (key edition id + address):
 * a restart after a crash skips the recipients already recorded and sends to the rest. The remaining gap is
 * the ledger's: a crash between the SMTP accept and the `done` row re-sends to that one recipient, with the
 * same Message-ID (attempt > 1), which most mail stores collapse.
 */
export async function deliverEdition(
  ledger: EffectLedger,
  sender: MailSender,
  editionId: string,
  recipients: readonly string[],
  message: (to: string, messageId: string) => SendMailOptions | Promise<SendMailOptions>,
): Promise<DeliveryOutcome[]> {
  const outcomes: DeliveryOutcome[] = [];
  for (const to of recipients) {
    const messageId = deliveryMessageId(editionId, to);
    const outcome = await ledger.perform(`newsletter:${editionId}:${to.toLowerCase()}`, async () => {
      const info = await sender.sendMail(await message(to, messageId));
      return info.messageId;
    });
    outcomes.push(
      outcome.kind === 'performed'
        ? { to, kind: 'sent', messageId: outcome.result, attempt: outcome.attempt }
        : { to, kind: 'already-sent', messageId: outcome.result },
    );
  }
  return outcomes;
}
