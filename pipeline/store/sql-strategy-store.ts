import { NexuralError } from '../../schemas/errors.js';
import type {
  EquityPoint,
  OpenPositionRow,
  StoredFill,
  StoredStrategy,
  StrategyCheckpoint,
  StrategyStore,
} from '../../schemas/ports/strategies.js';
import { parseStrategy, strategySymbols } from '../../schemas/strategy.js';

/** The little of a SQL connection the strategy store needs (pg, PGlite, the API's client). */
export interface StrategySql {
  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<{ readonly rows: Row[] }>;
}

interface StrategyRow {
  id: string;
  owner: string;
  config: unknown;
  enabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

interface FillRow {
  strategy_id: string;
  owner: string;
  seq: number;
  time: Date | string;
  symbol: string;
  side: 'buy' | 'sell';
  position_side: 'long' | 'short';
  quantity: number;
  price: number;
  fee: number;
  reason: string;
  pnl: number | null;
}

const ms = (value: Date | string) => new Date(value).getTime();
const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);

const strategyOf = (row: StrategyRow): StoredStrategy => ({
  id: row.id,
  owner: row.owner,
  strategy: parseStrategy(json(row.config), `stored strategy ${row.id}`),
  enabled: row.enabled,
  createdAt: ms(row.created_at),
  updatedAt: ms(row.updated_at),
});

const fillOf = (row: FillRow): StoredFill => ({
  strategyId: row.strategy_id,
  owner: row.owner,
  seq: Number(row.seq),
  time: ms(row.time),
  symbol: row.symbol,
  side: row.side,
  positionSide: row.position_side,
  quantity: Number(row.quantity),
  price: Number(row.price),
  fee: Number(row.fee),
  reason: row.reason,
  pnl: row.pnl === null ? null : Number(row.pnl),
});

const strategyColumns = 'id, owner, config, enabled, created_at, updated_at';

/** The strategy tracker's tables (sql/0003, sql/0013) over one SQL session; every user read filters by owner. */
export function sqlStrategyStore(db: StrategySql): StrategyStore {
  const getStrategy = async (owner: string, id: string) => {
    const { rows } = await db.query<StrategyRow>(
      `SELECT ${strategyColumns} FROM strategies WHERE owner = $1 AND id = $2`,
      [owner, id],
    );
    return rows[0] ? strategyOf(rows[0]) : null;
  };
  return {
    async putStrategy({ id, owner, strategy, enabled }) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO strategies AS stored (id, owner, name, kind, config, venue, symbol, bar_interval, enabled)
         VALUES ($1, $2, $3, 'rules', $4::jsonb, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, config = EXCLUDED.config, venue = EXCLUDED.venue,
           symbol = EXCLUDED.symbol, bar_interval = EXCLUDED.bar_interval, enabled = EXCLUDED.enabled,
           updated_at = now()
         WHERE stored.owner = EXCLUDED.owner
         RETURNING id`,
        [
          id,
          owner,
          strategy.name,
          JSON.stringify(strategy),
          strategy.venue,
          strategySymbols(strategy).join(','),
          strategy.interval,
          enabled,
        ],
      );
      if (rows.length === 0)
        throw new NexuralError('NXR_CONFLICT', `strategy id "${id}" is taken; choose another id`, {
          path: ['id'],
        });
      const stored = await getStrategy(owner, id);
      if (!stored) throw new NexuralError('NXR_NOT_FOUND', `strategy "${id}" vanished while saved`);
      return stored;
    },
    getStrategy,
    async listStrategies(owner) {
      const { rows } = await db.query<StrategyRow>(
        `SELECT ${strategyColumns} FROM strategies WHERE owner = $1 AND kind = 'rules' ORDER BY id`,
        [owner],
      );
      return rows.map(strategyOf);
    },
    async deleteStrategy(owner, id) {
      const { rows } = await db.query<{ id: string }>(
        'DELETE FROM strategies WHERE owner = $1 AND id = $2 RETURNING id',
        [owner, id],
      );
      return rows.length > 0;
    },
    async enabledStrategies() {
      const { rows } = await db.query<StrategyRow>(
        `SELECT ${strategyColumns} FROM strategies WHERE enabled AND kind = 'rules' ORDER BY owner, id`,
      );
      return rows.map(strategyOf);
    },
    async recordFills(fills: readonly StoredFill[]) {
      for (const fill of fills)
        await db.query(
          `INSERT INTO strategy_trades
             (strategy_id, owner, time, seq, symbol, side, position_side, quantity, price, fee, reason, pnl)
           SELECT $1, $2, (timestamptz 'epoch' + $3::float8 * interval '1 millisecond'), $4, $5, $6, $7, $8, $9, $10, $11, $12
           WHERE EXISTS (SELECT 1 FROM strategies WHERE id = $1 AND owner = $2)
           ON CONFLICT DO NOTHING`,
          [
            fill.strategyId,
            fill.owner,
            fill.time,
            fill.seq,
            fill.symbol,
            fill.side,
            fill.positionSide,
            fill.quantity,
            fill.price,
            fill.fee,
            fill.reason,
            fill.pnl,
          ],
        );
    },
    async recordEquity(strategyId: string, owner: string, points: readonly EquityPoint[]) {
      if (points.length === 0) return;
      await db.query(
        `INSERT INTO strategy_equity (strategy_id, owner, time, equity, position)
         SELECT $1, $2, (timestamptz 'epoch' + t * interval '1 millisecond'), e, p
         FROM UNNEST($3::float8[], $4::float8[], $5::float8[]) AS u(t, e, p)
         WHERE EXISTS (SELECT 1 FROM strategies WHERE id = $1 AND owner = $2)
         ON CONFLICT (strategy_id, time) DO UPDATE SET equity = EXCLUDED.equity, position = EXCLUDED.position`,
        [
          strategyId,
          owner,
          points.map((point) => point.time),
          points.map((point) => point.equity),
          points.map((point) => point.position),
        ],
      );
    },
    async saveCheckpoint(strategyId: string, owner: string, checkpoint: StrategyCheckpoint) {
      await db.query(
        `INSERT INTO strategy_state (strategy_id, owner, state, offsets, positions)
         SELECT $1, $2, $3, $4::jsonb, $5::jsonb WHERE EXISTS (SELECT 1 FROM strategies WHERE id = $1 AND owner = $2)
         ON CONFLICT (strategy_id) DO UPDATE SET state = EXCLUDED.state, offsets = EXCLUDED.offsets,
           positions = EXCLUDED.positions, updated_at = now()`,
        [
          strategyId,
          owner,
          checkpoint.state,
          JSON.stringify(checkpoint.offsets),
          JSON.stringify(checkpoint.positions),
        ],
      );
    },
    async loadCheckpoint(strategyId: string) {
      const { rows } = await db.query<{ state: string; offsets: unknown; positions: unknown }>(
        'SELECT state, offsets, positions FROM strategy_state WHERE strategy_id = $1',
        [strategyId],
      );
      const row = rows[0];
      return row
        ? {
            state: row.state,
            offsets: json(row.offsets) as Record<string, string>,
            positions: json(row.positions) as OpenPositionRow[],
          }
        : null;
    },
    async positions(owner, id) {
      const { rows } = await db.query<{ positions: unknown }>(
        'SELECT positions FROM strategy_state WHERE owner = $1 AND strategy_id = $2',
        [owner, id],
      );
      return rows[0] ? (json(rows[0].positions) as OpenPositionRow[]) : [];
    },
    async fills(owner, id, { from, to, limit }) {
      const { rows } = await db.query<FillRow>(
        `SELECT strategy_id, owner, seq, time, symbol, side, position_side, quantity, price, fee, reason, pnl
         FROM strategy_trades WHERE owner = $1 AND strategy_id = $2
           AND time >= (timestamptz 'epoch' + $3::float8 * interval '1 millisecond') AND time < (timestamptz 'epoch' + $4::float8 * interval '1 millisecond')
         ORDER BY time, seq LIMIT $5`,
        [owner, id, from, to, limit],
      );
      return rows.map(fillOf);
    },
    async equity(owner, id, { from, to, limit }) {
      const { rows } = await db.query<{ time: Date | string; equity: number; position: number }>(
        `SELECT time, equity, position FROM strategy_equity WHERE owner = $1 AND strategy_id = $2
           AND time >= (timestamptz 'epoch' + $3::float8 * interval '1 millisecond') AND time < (timestamptz 'epoch' + $4::float8 * interval '1 millisecond')
         ORDER BY time LIMIT $5`,
        [owner, id, from, to, limit],
      );
      return rows.map((row) => ({
        time: ms(row.time),
        equity: Number(row.equity),
        position: Number(row.position),
      }));
    },
  };
}
