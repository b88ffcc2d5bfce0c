import type { SendMailOptions } from 'nodemailer';
import { lineChartPng } from './chart-png.js';
import type { Edition } from './edition.js';
import { chartCid, renderHtml } from './html.js';
import { editionSubject, renderMarkdown } from './markdown.js';
import { unsubscribeToken } from './unsubscribe-token.js';

export interface MessageOptions {
  readonly from: string;
  readonly to: string;
  /** public base URL of the API, e.g. https://nexural.example */
  readonly publicUrl: string;
  /** HMAC secret of the unsubscribe tokens */
  readonly unsubscribeSecret: string;
  readonly summary?: string | null;
  /** stable per edition and recipient: a resend after a crash carries the same Message-ID */
  readonly messageId: string;
}

export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/v1/newsletters/unsubscribe?token=${encodeURIComponent(token)}`;
}

/** One recipient's e-mail: HTML with inline (CID) PNG charts, the Markdown as plain-text part, RFC 8058 one-click unsubscribe. */
export function editionMessage(edition: Edition, options: MessageOptions): SendMailOptions {
  const url = unsubscribeUrl(options.publicUrl, unsubscribeToken(options.unsubscribeSecret, options.to));
  const summary = options.summary ?? null;
  const attachments = edition.topMovers.flatMap((m) => {
    const key = `${m.venue}:${m.symbol}`;
    const closes = edition.closes.get(key);
    if (!closes) return [];
    return [
      {
        filename: `${m.symbol}.png`,
        content: lineChartPng(closes),
        contentType: 'image/png',
        cid: chartCid(key),
      },
    ];
  });
  return {
    from: options.from,
    to: options.to,
    subject: editionSubject(edition),
    messageId: options.messageId,
    text: `${renderMarkdown(edition, summary)}\nUnsubscribe: ${url}\n`,
    html: renderHtml(edition, url, summary),
    attachments,
    headers: {
      'List-Unsubscribe': `<${url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
