import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): the secret is `whsec_<base64 key>`; the signature is
 * base64(HMAC-SHA256(key, `<webhook-id>.<webhook-timestamp>.<body>`)) sent as `v1,<signature>`.
 */
const keyOf = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  const signature = createHmac('sha256', keyOf(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}

export type WebhookVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Checks the headers of an inbound webhook: a `v1` signature over the raw body, and a timestamp within `toleranceS`. */
export function verifyWebhook(
  secret: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
  nowMs: number,
  toleranceS = 300,
): WebhookVerdict {
  const one = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' ? value : null;
  };
  const id = one('webhook-id');
  const timestamp = one('webhook-timestamp');
  const signatures = one('webhook-signature');
  if (id === null || timestamp === null || signatures === null)
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return { ok: false, reason: 'webhook-timestamp is not an integer' };
  if (Math.abs(nowMs / 1000 - seconds) > toleranceS)
    return { ok: false, reason: 'webhook-timestamp is outside the tolerance' };
  const expected = Buffer.from(signWebhook(secret, id, seconds, body)['webhook-signature'].slice(3));
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || signature === undefined) return false;
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'no signature matches' };
}
