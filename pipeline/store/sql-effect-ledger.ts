import { NexuralError } from '../../schemas/errors.js';
import type {
  EffectEntry,
  EffectLedger,
  EffectLedgerStore,
  EffectResult,
  EffectSource,
} from '../../schemas/ports/effect-ledger.js';
import { performSqlBatch } from './sql-effect-batch.js';

/** The one call the ledger needs: pg pools, PGlite, the store's SqlDatabase and the API's SqlClient all fit. */
export interface LedgerQueries {
  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<{ readonly rows: Row[] }>;
}

interface EffectRow {
  consumer: string;
  effect_key: string;
  state: 'started' | 'done';
  attempts: number | string;
  result: EffectResult | null;
  source_topic: string | null;
  source_partition: number | null;
  source_offset: string | null;
  started_at: number | string;
  done_at: number | string | null;
}

const columns =
  'consumer, effect_key, state, attempts, result, source_topic, source_partition, source_offset, started_at, done_at';

function entryOf(row: EffectRow): EffectEntry {
  const source: EffectSource | null =
    row.source_topic === null || row.source_partition === null || row.source_offset === null
      ? null
      : { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset };
  return {
    consumer: row.consumer,
    effectKey: row.effect_key,
    state: row.state,
    attempts: Number(row.attempts),
    result: row.result,
    source,
    startedAt: Number(row.started_at),
    doneAt: row.done_at === null ? null : Number(row.done_at),
  };
}

function checkKey(consumer: string, effectKey: string): void {
  if (effectKey.length === 0 || effectKey.length > 512) {
    throw new NexuralError(
      'NXR_BAD_VALUE',
      `consumer "${consumer}": effect key must be 1–512 characters, got ${effectKey.length}`,
      { consumer, effectKey },
    );
  }
}

/**
 * The effect ledger over the store's database (sql/0007_consumer_effects.sql), for pg and PGlite alike.
 * Each step is its own statement, durable when it resolves: `started` before the call, `done` after it
 * (`perform`: one claim and one `done` per effect; `performBatch`: one of each per batch).
 */
export function sqlEffectLedgerStore(db: LedgerQueries, now: () => number = Date.now): EffectLedgerStore {
  const forConsumer = (consumer: string): EffectLedger => {
    const get = async (effectKey: string) => {
      const { rows } = await db.query<EffectRow>(
        `SELECT ${columns} FROM consumer_effects WHERE consumer = $1 AND effect_key = $2`,
        [consumer, effectKey],
      );
      const row = rows[0];
      return row === undefined ? null : entryOf(row);
    };
    return {
      consumer,
      get,
      async perform(effectKey, effect, source) {
        checkKey(consumer, effectKey);
        const { rows } = await db.query<{ attempts: number | string }>(
          `INSERT INTO consumer_effects
             (consumer, effect_key, state, attempts, source_topic, source_partition, source_offset, started_at)
           VALUES ($1, $2, 'started', 1, $3, $4, $5, $6)
           ON CONFLICT (consumer, effect_key)
             DO UPDATE SET attempts = consumer_effects.attempts + 1 WHERE consumer_effects.state = 'started'
           RETURNING attempts`,
          [
            consumer,
            effectKey,
            source?.topic ?? null,
            source?.partition ?? null,
            source?.offset ?? null,
            now(),
          ],
        );
        const claimed = rows[0];
        if (claimed === undefined) {
          // done already (a redelivery, or another instance during a rebalance overlap)
          const done = await get(effectKey);
          return { kind: 'already-done', result: (done?.result ?? null) as never };
        }
        const attempt = Number(claimed.attempts);
        const result = await effect({ idempotencyKey: `${consumer}:${effectKey}`, attempt });
        await db.query(
          `UPDATE consumer_effects SET state = 'done', result = $3::jsonb, done_at = $4
           WHERE consumer = $1 AND effect_key = $2`,
          [consumer, effectKey, JSON.stringify(result ?? null), now()],
        );
        return { kind: 'performed', result, attempt };
      },
      async performBatch(items) {
        for (const item of items) checkKey(consumer, item.effectKey);
        return performSqlBatch(db, consumer, items, now);
      },
      async position(input) {
        const { rows } = await db.query<{ position: string }>(
          'SELECT position FROM consumer_positions WHERE consumer = $1 AND input = $2',
          [consumer, input],
        );
        return rows[0]?.position ?? null;
      },
      async savePosition(input, position) {
        await db.query(
          `INSERT INTO consumer_positions (consumer, input, position, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (consumer, input) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
          [consumer, input, position, now()],
        );
      },
      async list(options = {}) {
        const limit = Math.min(Math.max(options.limit ?? 1_000, 1), 100_000);
        const { rows } = await db.query<EffectRow>(
          `SELECT ${columns} FROM consumer_effects
           WHERE consumer = $1 AND state = 'done'
             AND seq > COALESCE((SELECT seq FROM consumer_effects WHERE consumer = $1 AND effect_key = $2), 0)
           ORDER BY seq LIMIT $3`,
          [consumer, options.afterKey ?? '', limit],
        );
        return rows.map(entryOf);
      },
    };
  };
  return { forConsumer };
}
