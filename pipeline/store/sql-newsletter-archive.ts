import { NexuralError } from '../../schemas/errors.js';
import type { NewsletterArchive, StoredEdition } from '../../schemas/ports/newsletter.js';
import type { SqlSession } from './sql-database.js';

interface EditionRow {
  id: string;
  period_start: Date | string;
  period_end: Date | string;
  subject: string;
  body_markdown: string;
  status: 'draft' | 'sent';
  sent_at: Date | string | null;
}

const columns = 'id, period_start, period_end, subject, body_markdown, status, sent_at';
const ms = (value: Date | string) => new Date(value).getTime();

function fromRow(row: EditionRow): StoredEdition {
  return {
    id: row.id,
    periodStart: ms(row.period_start),
    periodEnd: ms(row.period_end),
    subject: row.subject,
    bodyMarkdown: row.body_markdown,
    status: row.status,
    sentAt: row.sent_at === null ? null : ms(row.sent_at),
  };
}

/** The edition archive over newsletter_issues (sql/0003). */
export function sqlNewsletterArchive(db: SqlSession): NewsletterArchive {
  const one = async (text: string, params: readonly unknown[]) => {
    const { rows } = await db.query<EditionRow>(text, params);
    const [row] = rows;
    return row ? fromRow(row) : null;
  };
  return {
    latest: () => one(`SELECT ${columns} FROM newsletter_issues ORDER BY period_end DESC LIMIT 1`, []),
    get: (id) => one(`SELECT ${columns} FROM newsletter_issues WHERE id = $1`, [id]),
    async list(limit) {
      const { rows } = await db.query<EditionRow>(
        `SELECT ${columns} FROM newsletter_issues ORDER BY period_end DESC LIMIT $1`,
        [limit],
      );
      return rows.map(fromRow);
    },
    async save(edition) {
      await db.query(
        `INSERT INTO newsletter_issues (id, period_start, period_end, subject, body_markdown, status, sent_at)
         VALUES ($1, to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), $4, $5, $6, NULL)
         ON CONFLICT (period_start, period_end) DO NOTHING`,
        [
          edition.id,
          edition.periodStart,
          edition.periodEnd,
          edition.subject,
          edition.bodyMarkdown,
          edition.status,
        ],
      );
      const stored = await one(
        `SELECT ${columns} FROM newsletter_issues WHERE period_start = to_timestamp($1 / 1000.0) AND period_end = to_timestamp($2 / 1000.0)`,
        [edition.periodStart, edition.periodEnd],
      );
      if (!stored) throw new NexuralError('NXR_INTERNAL', `edition ${edition.id} was not stored`);
      return stored;
    },
    async markSent(id, at) {
      await db.query(
        `UPDATE newsletter_issues SET status = 'sent', sent_at = to_timestamp($2 / 1000.0) WHERE id = $1`,
        [id, at],
      );
    },
  };
}
