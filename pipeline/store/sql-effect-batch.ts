import type { EffectItem, EffectOutcome, EffectResult } from '../../schemas/ports/effect-ledger.js';
import type { LedgerQueries } from './sql-effect-ledger.js';

interface Claimed {
  readonly key: string;
  readonly attempt: number;
}

/** Claims every new or unfinished key in one statement, in the items' order (so `seq` keeps that order). */
async function claim(
  db: LedgerQueries,
  consumer: string,
  items: readonly EffectItem[],
  now: number,
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ effect_key: string; attempts: number | string }>(
    `INSERT INTO consumer_effects
       (consumer, effect_key, state, attempts, source_topic, source_partition, source_offset, started_at)
     SELECT $1, k, 'started', 1, t, p, o, $2
       FROM unnest($3::text[], $4::text[], $5::int[], $6::text[]) WITH ORDINALITY AS u(k, t, p, o, n)
       ORDER BY n
     ON CONFLICT (consumer, effect_key)
       DO UPDATE SET attempts = consumer_effects.attempts + 1 WHERE consumer_effects.state = 'started'
     RETURNING effect_key, attempts`,
    [
      consumer,
      now,
      items.map((item) => item.effectKey),
      items.map((item) => item.source?.topic ?? null),
      items.map((item) => item.source?.partition ?? null),
      items.map((item) => item.source?.offset ?? null),
    ],
  );
  return new Map(rows.map((row) => [row.effect_key, Number(row.attempts)]));
}

async function doneResults(
  db: LedgerQueries,
  consumer: string,
  keys: readonly string[],
): Promise<Map<string, EffectResult>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ effect_key: string; result: EffectResult | null }>(
    `SELECT effect_key, result FROM consumer_effects
     WHERE consumer = $1 AND effect_key = ANY($2::text[]) AND state = 'done'`,
    [consumer, keys],
  );
  return new Map(rows.map((row) => [row.effect_key, row.result ?? null]));
}

async function markDone(
  db: LedgerQueries,
  consumer: string,
  done: readonly { readonly key: string; readonly result: EffectResult }[],
  now: number,
): Promise<void> {
  if (done.length === 0) return;
  await db.query(
    `UPDATE consumer_effects AS e SET state = 'done', result = u.r::jsonb, done_at = $2
     FROM unnest($3::text[], $4::text[]) AS u(k, r)
     WHERE e.consumer = $1 AND e.effect_key = u.k`,
    [
      consumer,
      now,
      done.map((entry) => entry.key),
      done.map((entry) => JSON.stringify(entry.result ?? null)),
    ],
  );
}

/** Gives back claims whose effect was never called: a new row goes, an older one loses the attempt it gained. */
async function release(db: LedgerQueries, consumer: string, claims: readonly Claimed[]) {
  if (claims.length === 0) return;
  const fresh = claims.filter((entry) => entry.attempt === 1).map((entry) => entry.key);
  const older = claims.filter((entry) => entry.attempt > 1).map((entry) => entry.key);
  await db.query(
    `WITH gone AS (
       DELETE FROM consumer_effects WHERE consumer = $1 AND effect_key = ANY($2::text[]) AND state = 'started'
     )
     UPDATE consumer_effects SET attempts = attempts - 1
     WHERE consumer = $1 AND effect_key = ANY($3::text[]) AND state = 'started'`,
    [consumer, fresh, older],
  );
}

/**
 * The ledger's batch: one claim, the effects of the keys not done yet in order, one `done` write (see
 * EffectLedger.performBatch). Keys are checked by the caller.
 */
export async function performSqlBatch<Result extends EffectResult>(
  db: LedgerQueries,
  consumer: string,
  items: readonly EffectItem<Result>[],
  now: () => number,
): Promise<readonly EffectOutcome<Result>[]> {
  const firstIndex = new Map<string, number>();
  const unique: EffectItem<Result>[] = [];
  for (const item of items) {
    if (firstIndex.has(item.effectKey)) continue;
    firstIndex.set(item.effectKey, unique.length);
    unique.push(item);
  }
  if (unique.length === 0) return [];
  const claimed = await claim(db, consumer, unique, now());
  const known = await doneResults(
    db,
    consumer,
    unique.map((item) => item.effectKey).filter((key) => !claimed.has(key)),
  );
  const outcomes: EffectOutcome<Result>[] = [];
  const done: { key: string; result: EffectResult }[] = [];
  let failure: { readonly error: unknown; readonly at: number } | null = null;
  for (const [index, item] of unique.entries()) {
    const attempt = claimed.get(item.effectKey);
    if (attempt === undefined) {
      outcomes.push({ kind: 'already-done', result: (known.get(item.effectKey) ?? null) as Result });
      continue;
    }
    try {
      const result = await item.effect({ idempotencyKey: `${consumer}:${item.effectKey}`, attempt });
      done.push({ key: item.effectKey, result });
      outcomes.push({ kind: 'performed', result, attempt });
    } catch (error) {
      failure = { error, at: index };
      break;
    }
  }
  await markDone(db, consumer, done, now());
  if (failure !== null) {
    const uncalled = unique.slice(failure.at + 1).flatMap((item) => {
      const attempt = claimed.get(item.effectKey);
      return attempt === undefined ? [] : [{ key: item.effectKey, attempt }];
    });
    await release(db, consumer, uncalled);
    throw failure.error;
  }
  return items.map((item) => {
    const first = outcomes[firstIndex.get(item.effectKey) ?? -1];
    if (first === undefined) throw new Error(`effect ${item.effectKey}: no outcome`);
    return item === unique[firstIndex.get(item.effectKey) ?? -1]
      ? first
      : { kind: 'already-done' as const, result: first.result };
  });
}
