// Test support: composes buildApp with real adapters (embedded log, in-process fan-out, a store). Tests only.
import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance } from 'fastify';
import { createInProcessFanout } from '../../pipeline/fanout/in-process-fanout.js';
import { createHistoryRuleTester } from '../../pipeline/runtime/history-rule-tester.js';
import { openLiveMarketFeed } from '../../pipeline/runtime/live-market-feed.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { catalogReplayRuns } from '../../pipeline/runtime/replay-run-reader.js';
import { createRulePublisher } from '../../pipeline/runtime/rule-publisher.js';
import { createJsonSerde } from '../../pipeline/runtime/serdes/record-serde.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { barSchema } from '../../schemas/bar.js';
import { indicatorValueSchema } from '../../schemas/indicator-value.js';
import type { AccountRepository } from '../../schemas/ports/accounts.js';
import type { AlertFanout } from '../../schemas/ports/alert-fanout.js';
import type { LiveMarketFeed } from '../../schemas/ports/live-market.js';
import type { Store } from '../../schemas/ports/store.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { topicNames } from '../../schemas/topics.js';
import { sqlAccountRepository } from '../adapters/sql-accounts.js';
import { pgliteSqlClient, type SqlClient } from '../adapters/sql-client.js';
import { sqlCredentialRepository } from '../adapters/sql-credentials.js';
import { sqlMarketExtras } from '../adapters/sql-market-extras.js';
import { buildApp } from '../app.js';
import { mintApiKey } from '../auth/api-keys.js';
import type { ApiDeps } from '../deps.js';

/** A migrated, empty database: the store and a SQL client on the same database. */
export interface TestDatabase {
  readonly store: Store;
  readonly sql: SqlClient;
  destroy(): Promise<void>;
}

export type TestDatabaseFactory = () => Promise<TestDatabase>;

export const pgliteTestDatabase: TestDatabaseFactory = async () => {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  return { store, sql: pgliteSqlClient(pglite), destroy: () => store.close() };
};

export const topics = topicNames();
export const barSerde = createJsonSerde(topics.bars, barSchema);
export const indicatorSerde = createJsonSerde(topics.indicators, indicatorValueSchema);

export interface ApiHarness {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly accounts: AccountRepository;
  /** the SQL client on the store's database (for adapters a test adds) */
  readonly sql: SqlClient;
  readonly log: StreamLog;
  readonly fanout: AlertFanout;
  readonly live: LiveMarketFeed;
  /** what the app was built from (to build a second app on the same adapters) */
  readonly deps: ApiDeps;
  /** API keys: alice and bob may read and write, `aliceReader` only read */
  readonly keys: { readonly alice: string; readonly bob: string; readonly aliceReader: string };
  close(): Promise<void>;
}

export async function openApiHarness(
  database: TestDatabaseFactory,
  overrides:
    | Partial<ApiDeps>
    | ((parts: { readonly sql: SqlClient; readonly log: StreamLog }) => Partial<ApiDeps>) = {},
): Promise<ApiHarness> {
  const { store, sql, destroy } = await database();
  const accounts = sqlAccountRepository(sql);
  const log = createEmbeddedLog();
  await log.admin.createTopics([
    { name: topics.bars, partitions: 3, compacted: false },
    { name: topics.indicators, partitions: 3, compacted: false },
    { name: topics.alertRules, partitions: 3, compacted: true },
  ]);
  const fanout = createInProcessFanout();
  const live = await openLiveMarketFeed({ log, bars: barSerde, indicators: indicatorSerde });
  const rules = createRulePublisher({ log, topic: topics.alertRules });
  const keyOf = async (owner: string, scopes: ('read' | 'write')[]) => {
    await accounts.ensureUser({ id: owner, email: `${owner}@example.com` });
    const { key, row } = mintApiKey(owner, 'test', scopes);
    await accounts.insertApiKey(row);
    return key;
  };
  const keys = {
    alice: await keyOf('alice', ['read', 'write']),
    bob: await keyOf('bob', ['read', 'write']),
    aliceReader: await keyOf('alice', ['read']),
  };
  const deps: ApiDeps = {
    store,
    accounts,
    credentials: sqlCredentialRepository(sql),
    extras: sqlMarketExtras(sql),
    replays: catalogReplayRuns(log),
    fanout,
    live,
    rules,
    ruleTester: createHistoryRuleTester({ store }),
    jwtSecret: 'test-secret-test-secret-test-secret-0123',
    ...(typeof overrides === 'function' ? overrides({ sql, log }) : overrides),
  };
  const app = await buildApp(deps);
  return {
    app,
    deps,
    store,
    accounts,
    sql,
    log,
    fanout,
    live,
    keys,
    async close() {
      await app.close();
      await live.close();
      await rules.close();
      await fanout.close();
      await log.close();
      await sql.close();
      await destroy();
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
