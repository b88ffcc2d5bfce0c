import { createTransport } from 'nodemailer';
import type { PasswordResetSender } from '../../schemas/ports/credentials.js';

const minutesUntil = (expiresAt: number) => Math.max(1, Math.round((expiresAt - Date.now()) / 60_000));

/** Mails the link through an SMTP relay (`SMTP_URL`). */
export function smtpPasswordResets(options: {
  readonly smtpUrl: string;
  readonly from: string;
}): PasswordResetSender & {
  close(): void;
} {
  const transport = createTransport(options.smtpUrl);
  return {
    async send({ to, link, expiresAt }) {
      await transport.sendMail({
        from: options.from,
        to,
        subject: 'Reset your Nexural password',
        text: `Someone asked to reset the password of your Nexural account.\n\nSet a new password here (the link works once, for ${minutesUntil(expiresAt)} minutes):\n${link}\n\nIf it was not you, ignore this e-mail: your password stays as it is.\n`,
      });
    },
    close: () => transport.close(),
  };
}

/** Without a mail relay the operator gets the link (nexural serve prints it) and hands it over. */
export function printedPasswordResets(print: (line: string) => void): PasswordResetSender {
  return {
    async send({ to, link, expiresAt }) {
      print(`password reset link for ${to} (valid ${minutesUntil(expiresAt)} min): ${link}`);
    },
  };
}
