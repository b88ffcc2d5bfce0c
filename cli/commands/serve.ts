import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { printedPasswordResets, smtpPasswordResets } from '../../api/adapters/password-reset-senders.js';
import { sqlAccountRepository } from '../../api/adapters/sql-accounts.js';
import { pgliteSqlClient, pgSqlClient, type SqlClient } from '../../api/adapters/sql-client.js';
import { sqlCredentialRepository } from '../../api/adapters/sql-credentials.js';
import { sqlMarketExtras } from '../../api/adapters/sql-market-extras.js';
import { allStoredRules } from '../../api/adapters/sql-rules.js';
import { buildApp } from '../../api/app.js';
import { mintApiKey } from '../../api/auth/api-keys.js';
import type { PipelineMetric } from '../../api/deps.js';
import { discordEnv } from '../../consumers/discord/discord-env.js';
import { consumerRegistry } from '../../consumers/index.js';
import { reportRedisErrors } from '../../pipeline/fanout/redis-connection-errors.js';
import { loadDemoTrades } from '../../pipeline/ingest/demo-feed.js';
import { openJobs } from '../../pipeline/jobs/open-jobs.js';
import { scheduleIdeaScoring } from '../../pipeline/research/idea-scorer.js';
import { createHistoryRuleTester } from '../../pipeline/runtime/history-rule-tester.js';
import { openLiveMarketFeed } from '../../pipeline/runtime/live-market-feed.js';
import { type Logger, silentLogger } from '../../pipeline/runtime/logging/logger.js';
import type { ProcessorStats } from '../../pipeline/runtime/processor/processor-stats.js';
import { catalogReplayRuns } from '../../pipeline/runtime/replay-run-reader.js';
import { createRulePublisher } from '../../pipeline/runtime/rule-publisher.js';
import { buildPipeline, type Pipeline } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { demoRules, produceDemoTrades } from '../../pipeline/runtime/wiring/demo-producer.js';
import { startStoreSink } from '../../pipeline/runtime/wiring/store-sink.js';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { openPgDatabase } from '../../pipeline/store/pg-database.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { openPostgresStore } from '../../pipeline/store/postgres-store.js';
import type { SqlDatabase } from '../../pipeline/store/sql-database.js';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { createRoleHealthRegistry, type RoleHealthRegistry } from '../../schemas/ports/role-health.js';
import type { Store } from '../../schemas/ports/store.js';
import { commandLogger, logRoleState } from '../command-logger.js';
import { wireAutomations } from './automation-wiring.js';
import { keepRunning, startConsumerHost } from './consumer-host.js';
import { startPlanRoles } from './discord-roles.js';
import { discordBotFromEnv, discordConsumerConfig, discordSummary, withLinkedDms } from './discord-wiring.js';
import { type NewsletterEnv, wireNewsletter } from './newsletter-wiring.js';
import { type BillingEnv, openBilling } from './serve-billing.js';
import { backtestSignalHistory } from './signal-history.js';

export interface ServeOptions {
  /**
   * run the store sink here, and the processor unless `builtPipeline` is given (its owner starts it);
   * default: yes with the embedded log and no `builtPipeline`
   */
  readonly pipeline?: boolean;
  /** run the registered consumers where the pipeline runs (default: yes); no = `nexural consumers run` elsewhere */
  readonly consumers?: boolean;
  /** feed the bundled real Binance trades (looped) and the demo rules of user `demo` */
  readonly demo?: boolean;
  /** demo pace: 1 = recorded, Infinity = flat out */
  readonly speed?: number;
  /** make sure this user exists and print a new API key for it (default: `demo` with --demo) */
  readonly issueKeyFor?: string;
  /** an already-built pipeline to serve (the main job); default: built here from the environment */
  readonly builtPipeline?: Pipeline;
  /** the registry the roles of this process report to (give the built pipeline's processor the same one) */
  readonly health?: RoleHealthRegistry;
  /** diagnostics and request logs (pino); default: none. Product lines (URLs, the key) go to `output`. */
  readonly logger?: Logger;
}

export interface RunningServer {
  readonly url: string;
  /** the dashboard with the issued key in its fragment (null without an issued key) */
  readonly dashboardUrl: string | null;
  readonly apiKey: string | null;
  readonly app: FastifyInstance;
  readonly pipeline: Pipeline;
  readonly store: Store;
  close(): Promise<void>;
}

type ServeEnv = Partial<NewsletterEnv> &
  Pick<
    Env,
    | 'KAFKA_BROKERS'
    | 'KAFKA_CLIENT_ID'
    | 'SCHEMA_REGISTRY_URL'
    | 'REDIS_URL'
    | 'DATABASE_URL'
    | 'NEXURAL_DATA_DIR'
    | 'NEXURAL_PARTITIONS'
    | 'API_HOST'
    | 'API_PORT'
    | 'API_JWT_SECRET'
  > &
  Partial<Pick<Env, 'NEXURAL_PUBLIC_URL' | 'SMTP_URL' | 'MAIL_FROM'>> &
  BillingEnv;

/**
 * The store, a SQL client and the embedded jobs' database, all on the same database (PGlite allows one
 * instance per data folder). `jobsDatabase.close()` is the caller's only for PostgreSQL (PGlite closes with the store).
 */
export async function openDatabase(env: ServeEnv): Promise<{
  store: Store;
  sql: SqlClient;
  jobsDatabase: SqlDatabase;
  closeJobsDatabase: () => Promise<void>;
}> {
  if (env.DATABASE_URL !== undefined) {
    const jobsDatabase = await openPgDatabase({ connectionString: env.DATABASE_URL, maxConnections: 2 });
    return {
      store: await openPostgresStore({ connectionString: env.DATABASE_URL }),
      sql: pgSqlClient({ connectionString: env.DATABASE_URL }),
      jobsDatabase,
      closeJobsDatabase: () => jobsDatabase.close(),
    };
  }
  const dataDir = pgliteDataDir(env);
  await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir });
  return {
    store: await openPgliteStore({ db: pglite }),
    sql: pgliteSqlClient(pglite),
    jobsDatabase: pgliteDatabase(pglite),
    closeJobsDatabase: async () => {},
  };
}

/** A readiness check passes once the call answers at all. */
const answers = async (call: Promise<unknown>): Promise<{ ok: true }> => {
  await call;
  return { ok: true };
};

/** The processor's counters on /metrics, read at scrape time. */
function processorMetrics(stats: Readonly<ProcessorStats>): PipelineMetric[] {
  const counter = (name: keyof ProcessorStats, help: string): PipelineMetric => ({
    name: `nexural_processor_${name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}_total`,
    help,
    kind: 'counter',
    read: () => stats[name],
  });
  return [
    {
      name: 'nexural_processor_lag_records',
      help: 'records behind the end of the assigned partitions',
      kind: 'gauge',
      read: () => stats.lag,
    },
    counter('ticks', 'trades applied'),
    counter('deadLetters', 'records refused to the dead-letter topic'),
    counter('bars', 'bar updates emitted'),
    counter('alerts', 'alert events emitted'),
    counter('fanoutFailures', 'alert publishes the fan-out refused'),
  ];
}

/**
 * The API and dashboard on the adapters the environment selects, optionally with the pipeline (processor +
 * store sink) and the demo feed in the same process: with the embedded defaults this is the whole main job.
 */
export async function startServer(
  options: ServeOptions,
  env: ServeEnv,
  output: Writable,
  /** the raw environment, for the variables read beside `env` (DISCORD_*, OPENAI_*) */
  source: NodeJS.ProcessEnv = {},
): Promise<RunningServer> {
  const say = (line: string) => output.write(`${line}\n`);
  const discord = discordEnv(source);
  const logger = options.logger ?? silentLogger();
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse())
      await closer().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  const health =
    options.health ?? createRoleHealthRegistry((role, state) => logRoleState(logger, role, state));
  try {
    const runPipeline =
      options.pipeline ?? (options.builtPipeline === undefined && env.KAFKA_BROKERS === undefined);
    const pipeline =
      options.builtPipeline ??
      (await buildPipeline({
        env,
        processor: {
          groupId: 'nexural-processor',
          engine: {
            bars: { intervals: ['1m', '5m', '1h'] },
            indicators: ['sma(20)', 'ema(50)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)'],
            liveBarThrottleMs: 1_000,
          },
        },
        health,
        onWarning: (message) => logger.warn(message),
      }));
    if (!options.builtPipeline) closers.push(() => pipeline.close());
    await pipeline.createTopics(env.NEXURAL_PARTITIONS);
    const { store, sql, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
    closers.push(
      () => store.close(),
      () => sql.close(),
      closeJobsDatabase,
    );
    await store.migrate();
    const jobs = openJobs({
      redisUrl: env.REDIS_URL,
      database: jobsDatabase,
      onError: (error) => logger.error({ err: error }, `jobs: ${error.message}`),
    });
    closers.push(() => jobs.close());
    // The whole platform in one process runs the jobs here; an API-only process only lists them.
    if (runPipeline) {
      // ideas are scored from final bars on the jobs port (pipeline/research/idea-scorer.ts)
      await scheduleIdeaScoring(jobs, { store, research: store });
      await jobs.start();
    }
    const { topics, log, serdes } = pipeline;
    const rules = createRulePublisher({ log, topic: topics.alertRules });
    closers.push(() => rules.close());
    // The embedded log starts empty at every start: announce the stored rules before the processor reads them.
    if (env.KAFKA_BROKERS === undefined) {
      for (const rule of await allStoredRules(sql)) await rules.publish({ kind: 'upsert', rule });
    }
    if (runPipeline) {
      const sink = await startStoreSink({
        pipeline,
        store,
        health,
        onWarning: (message) => logger.warn({ role: 'sink' }, message),
        onError: (error) =>
          logger.error({ err: error, role: 'sink' }, `sink stopped for good: ${error.message}`),
      });
      closers.push(() => sink.close());
      if (!options.builtPipeline) await pipeline.processor.start();
    }
    const live = await openLiveMarketFeed({ log, bars: serdes.bars, indicators: serdes.indicators });
    closers.push(() => live.close());
    const redis = env.REDIS_URL === undefined ? null : new Redis(env.REDIS_URL);
    if (redis)
      reportRedisErrors(redis, { name: 'API rate limit', warn: (message) => say(`warning: ${message}`) });
    if (redis) closers.push(() => redis.quit());
    const accounts = sqlAccountRepository(sql);
    const billing = await openBilling({ env, sql, log, jobs, runJobs: runPipeline });
    closers.push(() => billing.close());
    const mailer =
      env.SMTP_URL === undefined
        ? null
        : smtpPasswordResets({
            smtpUrl: env.SMTP_URL,
            from: env.MAIL_FROM ?? 'Nexural <no-reply@localhost>',
          });
    if (mailer) closers.push(async () => mailer.close());
    const newsletter = wireNewsletter(env, { reader: store, database: jobsDatabase });
    closers.push(async () => newsletter.close());
    // the step jobs run wherever the jobs port is started (here with the pipeline, else `nexural consumers run`)
    const automations = wireAutomations(env, {
      reader: store,
      database: jobsDatabase,
      jobs,
      sendNewsletter: async () => {
        await newsletter.service.send();
      },
      signals: backtestSignalHistory({ strategies: sqlStrategyStore(sql), log }),
    });
    closers.push(async () => automations.close());
    const app = await buildApp({
      newsletter: newsletter.api,
      automations: automations.service,
      store,
      accounts,
      credentials: sqlCredentialRepository(sql),
      passwordResets: mailer ?? printedPasswordResets(say),
      billing: billing.billing,
      publicUrl: env.NEXURAL_PUBLIC_URL ?? `http://${env.API_HOST}:${env.API_PORT}`,
      extras: sqlMarketExtras(sql),
      replays: catalogReplayRuns(log),
      jobs,
      fanout: pipeline.fanout,
      live,
      rules,
      ruleTester: createHistoryRuleTester({ store }),
      strategies: sqlStrategyStore(sql),
      roles: health,
      jwtSecret: env.API_JWT_SECRET ?? randomBytes(32).toString('base64url'),
      logger: logger.child({ role: 'api' }),
      ...(redis ? { rateLimit: { redis } } : {}),
      pipelineMetrics: runPipeline ? processorMetrics(pipeline.processor.stats) : [],
      readiness: [
        { name: 'stream-log', check: () => answers(log.admin.listTopics()) },
        ...(redis ? [{ name: 'redis', check: () => answers(redis.ping()) }] : []),
      ],
    });
    closers.push(() => app.close());
    // the registered consumers (consumers/index.ts) run wherever the pipeline runs; closers run in reverse,
    // so they drain before the app, the store and the log close
    const consumersHere = runPipeline && options.consumers !== false && consumerRegistry.length > 0;
    if (consumersHere) {
      const host = await startConsumerHost(
        [...withLinkedDms(consumerRegistry, jobsDatabase), automations.triggers],
        {
          pipeline,
          store,
          sql,
          jobs,
          metrics: app.metrics,
          logger: {
            info: () => {},
            warn: (message) => say(`warning: ${message}`),
            error: (message) => say(`error: ${message}`),
          },
        },
        {
          health,
          ...(discord ? { configs: { discord: discordConsumerConfig(discord) } } : {}),
          restart: keepRunning,
        },
      );
      closers.push(() => host.close());
      // the edition schedule runs where the consumers run (this process, or `nexural consumers run`)
      await newsletter.schedule(jobs);
    }
    if (discord) {
      const planRoles = await startPlanRoles(discord, {
        log,
        jobs,
        links: sqlDiscordState(jobsDatabase).links,
        entitlements: billing.billing.entitlements,
        warn: (message) => say(`warning: ${message}`),
        onError: (error) => say(`error: discord roles stopped: ${error.message}`),
      });
      if (planRoles) closers.push(() => planRoles.close());
      const bot = discordBotFromEnv(discord, source, {
        store,
        sql,
        database: jobsDatabase,
        entitlements: billing.billing.entitlements,
        roles: planRoles?.roles ?? null,
        logger: {
          error: (message, fields) => logger.error(fields ?? {}, message),
          warn: (message) => say(`warning: ${message}`),
        },
      });
      closers.push(() => bot.close());
      await bot.start();
    }
    const user = options.issueKeyFor ?? (options.demo ? 'demo' : undefined);
    let apiKey: string | null = null;
    if (user !== undefined) {
      await accounts.ensureUser({ id: user });
      const minted = mintApiKey(user, `nexural serve ${new Date().toISOString()}`, ['read', 'write']);
      await accounts.insertApiKey(minted.row);
      apiKey = minted.key;
    }
    if (options.demo) {
      const trades = await loadDemoTrades();
      for (const input of demoRules(trades)) {
        const rule = alertRuleSchema.parse(input);
        await store.putAlertRule(rule);
        await rules.publish({ kind: 'upsert', rule });
      }
      const producer = await log.createProducer();
      const stop = new AbortController();
      const feed = produceDemoTrades({
        producer,
        topic: topics.trades,
        trades,
        speed: options.speed ?? 20,
        signal: stop.signal,
      });
      closers.push(async () => {
        stop.abort();
        await feed.catch(() => 0);
        await producer.close();
      });
    }
    const address = await app.listen({ host: env.API_HOST, port: env.API_PORT });
    const url = address.replace('[::1]', 'localhost');
    const dashboardUrl = apiKey === null ? null : `${url}/#key=${apiKey}`;
    const { adapters } = pipeline;
    say(
      `nexural serve: ${adapters.log} · ${adapters.fanout} · ${store.adapter} store${runPipeline ? ` · processor (${pipeline.processor.transactions} transactions) + sink` : ''}${consumersHere ? ` · consumers ${[...consumerRegistry, automations.triggers].map((entry) => entry.name).join(', ')}` : ''}`,
    );
    say(`  API ${url}/v1 · docs ${url}/docs · metrics ${url}/metrics`);
    say(`  ${billing.summary}`);
    say(`  ${discord ? discordSummary(discord) : 'discord bot: skipped (no DISCORD_TOKEN)'}`);
    say(`  dashboard ${dashboardUrl ?? `${url}/ (sign in with an API key)`}`);
    if (apiKey) say(`  API key of "${user}" (shown once): ${apiKey}`);
    return { url, dashboardUrl, apiKey, app, pipeline, store, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'the API and live dashboard (with the embedded defaults also the pipeline: the whole main job)',
    )
    .option(
      '--demo',
      'feed the bundled real Binance trades (looped) and create demo rules and a demo key',
      false,
    )
    .option('--speed <n|max>', 'demo pace: 1 = recorded, max = as fast as possible', '20')
    .option('--no-pipeline', 'API only: the processors and the sink run elsewhere (Kafka mode)')
    .option('--no-consumers', 'leave the registered consumers to `nexural consumers run` processes')
    .option('--issue-key <user>', 'create this user if missing and print a new API key for it')
    .action(
      async (options: {
        demo: boolean;
        speed: string;
        pipeline: boolean;
        consumers: boolean;
        issueKey?: string;
      }) => {
        const env = parseEnv(process.env);
        const logger = commandLogger('serve', env);
        const server = await startServer(
          {
            logger,
            demo: options.demo,
            speed: options.speed === 'max' ? Number.POSITIVE_INFINITY : Number(options.speed),
            pipeline: options.pipeline || env.KAFKA_BROKERS === undefined,
            consumers: options.consumers,
            ...(options.issueKey ? { issueKeyFor: options.issueKey } : {}),
          },
          env,
          process.stdout,
          process.env,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        process.stdout.write('nexural serve: stopping (draining the pipeline)\n');
        logger.info('stopping: draining the pipeline');
        await server.close();
        logger.info('stopped');
      },
    );
}
