import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { sqlBillingRepository } from '../../api/adapters/sql-billing.js';
import { discordConsumer } from '../../consumers/discord/discord-consumer.js';
import { discordEnv } from '../../consumers/discord/discord-env.js';
import { openJobs } from '../../pipeline/jobs/open-jobs.js';
import { type Logger, silentLogger } from '../../pipeline/runtime/logging/logger.js';
import { buildPipeline } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { commandLogger } from '../command-logger.js';
import { untilSignal } from '../until-signal.js';
import { keepRunning, startConsumerHost } from './consumer-host.js';
import { explainEmbeddedConflict } from './consumers.js';
import { startPlanRoles } from './discord-roles.js';
import { discordBotFromEnv, discordConsumerConfig, discordSummary, withLinkedDms } from './discord-wiring.js';
import { openDatabase } from './serve.js';
import { planSettings } from './serve-billing.js';

export interface RunningDiscord {
  /** Drains: answers the interactions in flight, finishes the alert batch, then closes the ports. */
  close(): Promise<void>;
}

/**
 * `nexural discord run`: the slash-command bot (discord.js gateway) and its alert delivery (the `discord`
 * consumer in its own group) on the adapters the environment selects.
 */
export async function startDiscordProcess(
  env: Env,
  source: NodeJS.ProcessEnv,
  output: Writable,
  logger: Logger = silentLogger(),
): Promise<RunningDiscord> {
  const settings = discordEnv(source);
  if (settings === null) {
    throw new NexuralError('NXR_CONFIG_INVALID', 'DISCORD_TOKEN is not set: the bot needs its token', {
      option: 'DISCORD_TOKEN',
    });
  }
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse())
      await closer().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    const pipeline = await buildPipeline({
      env,
      processor: { groupId: 'nexural-processor', engine: { bars: { intervals: ['1m'] } } },
      persistEmbeddedLog: true,
    }).catch((error: unknown) => Promise.reject(explainEmbeddedConflict(error, env.KAFKA_BROKERS)));
    closers.push(() => pipeline.close());
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
    const { plans, defaultPlan } = planSettings(env);
    const entitlements = sqlBillingRepository(sql, { plans, defaultPlan });
    const warn = (message: string) => logger.warn(message);
    const planRoles = await startPlanRoles(settings, {
      log: pipeline.log,
      jobs,
      links: sqlDiscordState(jobsDatabase).links,
      entitlements,
      warn,
      onError: (error) => logger.error({ err: error }, `discord roles stopped: ${error.message}`),
    });
    if (planRoles) closers.push(() => planRoles.close());
    const ports = {
      store,
      sql,
      database: jobsDatabase,
      entitlements,
      roles: planRoles?.roles ?? null,
      logger: {
        error: (message: string, fields?: Record<string, unknown>) => logger.error(fields ?? {}, message),
        warn,
      },
    };
    const host = await startConsumerHost(
      withLinkedDms([discordConsumer], jobsDatabase),
      {
        pipeline,
        store,
        sql,
        jobs,
        metrics: new Registry(),
        logger: {
          info: (message, fields) => logger.info(fields ?? {}, message),
          warn: (message, fields) => logger.warn(fields ?? {}, message),
          error: (message, fields) => logger.error(fields ?? {}, message),
        },
      },
      {
        configs: { discord: discordConsumerConfig(settings) },
        restart: keepRunning,
      },
    );
    closers.push(() => host.close());
    await jobs.start();
    const bot = discordBotFromEnv(settings, source, ports);
    closers.push(() => bot.close());
    await bot.start();
    output.write(
      `nexural discord: ${discordSummary(settings)} · ${pipeline.adapters.log} · ${store.adapter} store · ${jobs.adapter} jobs\n`,
    );
    return { close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function registerDiscordRunCommand(discord: Command): void {
  discord
    .command('run')
    .description(
      'the bot: slash commands over the gateway and alert delivery (DISCORD_TOKEN, DISCORD_APPLICATION_ID)',
    )
    .action(async () => {
      const env = parseEnv(process.env);
      const logger = commandLogger('discord', env);
      await untilSignal(async (signal) => {
        const running = await startDiscordProcess(env, process.env, process.stdout, logger);
        if (!signal.aborted)
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
        process.stdout.write('nexural discord: stopping (draining)\n');
        await running.close();
        process.stdout.write('nexural discord: stopped\n');
      });
    });
}
