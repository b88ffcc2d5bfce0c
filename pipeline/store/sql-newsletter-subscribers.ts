import { createHash } from 'node:crypto';
import type { NewsletterSubscribers, SubscriberStatus } from '../../schemas/ports/newsletter.js';
import type { SqlSession } from './sql-database.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Subscribers over newsletter_subscribers (sql/0018); tokens are stored hashed only. */
export function sqlNewsletterSubscribers(db: SqlSession): NewsletterSubscribers {
  const status = async (email: string) => {
    const { rows } = await db.query<{ status: SubscriberStatus }>(
      'SELECT status FROM newsletter_subscribers WHERE email = $1',
      [email.toLowerCase()],
    );
    return rows[0]?.status ?? null;
  };
  return {
    status,
    async subscribe(email, confirmToken) {
      const { rows } = await db.query<{ status: SubscriberStatus }>(
        `INSERT INTO newsletter_subscribers (email, status, confirm_token_hash) VALUES ($1, 'pending', $2)
         ON CONFLICT (email) DO UPDATE SET
           status = CASE WHEN newsletter_subscribers.status = 'active' THEN 'active' ELSE 'pending' END,
           confirm_token_hash = CASE WHEN newsletter_subscribers.status = 'active' THEN NULL ELSE EXCLUDED.confirm_token_hash END,
           created_at = CASE WHEN newsletter_subscribers.status = 'active' THEN newsletter_subscribers.created_at ELSE now() END
         RETURNING status`,
        [email.toLowerCase(), hash(confirmToken)],
      );
      return rows[0]?.status ?? 'pending';
    },
    async confirm(confirmToken) {
      const { rows } = await db.query<{ email: string }>(
        `UPDATE newsletter_subscribers SET status = 'active', confirm_token_hash = NULL, confirmed_at = now()
         WHERE confirm_token_hash = $1 AND status = 'pending' RETURNING email`,
        [hash(confirmToken)],
      );
      return rows[0]?.email ?? null;
    },
    async unsubscribe(email) {
      const { rowCount } = await db.query(
        `UPDATE newsletter_subscribers SET status = 'unsubscribed', confirm_token_hash = NULL, unsubscribed_at = now()
         WHERE email = $1 AND status <> 'unsubscribed'`,
        [email.toLowerCase()],
      );
      return rowCount > 0;
    },
    async active() {
      const { rows } = await db.query<{ email: string }>(
        `SELECT email FROM newsletter_subscribers WHERE status = 'active' ORDER BY email`,
      );
      return rows.map((row) => row.email);
    },
  };
}
