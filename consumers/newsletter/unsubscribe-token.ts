import { createHmac, timingSafeEqual } from 'node:crypto';

const sign = (secret: string, email: string) =>
  createHmac('sha256', secret).update(`unsubscribe:${email.toLowerCase()}`).digest('base64url');

/** `<base64url email>.<HMAC>`: the link names the subscriber and cannot be forged for another address. */
export function unsubscribeToken(secret: string, email: string): string {
  return `${Buffer.from(email.toLowerCase()).toString('base64url')}.${sign(secret, email)}`;
}

/** The e-mail address the token was made for, or null if the token is not ours. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const [encoded, mac] = token.split('.');
  if (!encoded || !mac) return null;
  const email = Buffer.from(encoded, 'base64url').toString();
  const expected = Buffer.from(sign(secret, email));
  const given = Buffer.from(mac);
  return expected.length === given.length && timingSafeEqual(expected, given) ? email : null;
}
