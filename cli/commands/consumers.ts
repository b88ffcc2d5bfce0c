import { createServer } from 'node:http';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import pino from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { automationTriggerConsumer } from '../../consumers/automation/trigger-consumer.js';
import {
  type AnyConsumerDefinition,
  type ConsumerInput,
  consumerGroupId,
  isChannelInput,
} from '../../consumers/define-consumer.js';
import { consumerRegistry, findConsumer } from '../../consumers/index.js';
import { openJobs } from '../../pipeline/jobs/open-jobs.js';
import { buildPipeline } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import { parseEnv } from '../../schemas/env.js';
import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';
import { strategySignalsTopic } from '../../schemas/strategy-signal.js';
import { LIVE_NAMESPACE, topicNames } from '../../schemas/topics.js';
import { logRoleState } from '../command-logger.js';
import { startRoleHealth } from '../role-health.js';
import { untilSignal } from '../until-signal.js';
import { automationTriggersName, wireAutomations } from './automation-wiring.js';
import { type ConsumerConfigs, startConsumerHost } from './consumer-host.js';
import { withLinkedDms } from './discord-wiring.js';
import { wireNewsletter } from './newsletter-wiring.js';
import { openDatabase } from './serve.js';
import { backtestSignalHistory } from './signal-history.js';

interface JsonSchemaProperty {
  readonly type?: string;
  readonly items?: { readonly type?: string };
  readonly default?: unknown;
  readonly description?: string;
}

/** One line per setting: name, type, default and the `.describe()` text of the consumer's config schema. */
export function describeConfig(definition: AnyConsumerDefinition): string[] {
  const schema = z.toJSONSchema(definition.configSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return ['    (no settings)'];
  return properties.map(([name, property]) => {
    const type = property.type === 'array' ? `${property.items?.type ?? 'any'}[]` : (property.type ?? 'any');
    const presence =
      property.default !== undefined
        ? `default ${JSON.stringify(property.default)}`
        : schema.required?.includes(name)
          ? 'required'
          : 'optional';
    return `    ${name} (${type}, ${presence}): ${property.description ?? ''}`;
  });
}

/** `nexural consumers list`: every registered consumer with its inputs, group and documented config. */
export function listConsumers(output: Writable, definitions = consumerRegistry): void {
  const topics = topicNames();
  const say = (line: string) => output.write(`${line}\n`);
  if (definitions.length === 0) say('no consumers registered (consumers/index.ts)');
  for (const definition of definitions) {
    say(`${definition.name} — ${definition.description}`);
    const where = (input: ConsumerInput) =>
      isChannelInput(input)
        ? 'alert fan-out channel, resumed from its saved position'
        : input === 'strategySignals'
          ? strategySignalsTopic()
          : topics[input];
    say(`  inputs: ${definition.inputs.map((input) => `${input} (${where(input)})`).join(', ')}`);
    say(`  group:  ${consumerGroupId(definition.name)}`);
    say('  config:');
    for (const line of describeConfig(definition)) say(line);
  }
}

const notWired = () =>
  Promise.reject(
    new NexuralError('NXR_CONFIG_INVALID', 'automation-triggers runs only with wireAutomations'),
  );

/**
 * automation-triggers as `nexural consumers list` shows it (inputs, group, config): it is not in the registry
 * because it runs only with the automation wiring (its repository and runner), which `consumers run` adds.
 */
export const automationTriggersListing = (): AnyConsumerDefinition =>
  automationTriggerConsumer({ repository: { withTrigger: notWired }, runner: { trigger: notWired } });

/** `--config NAME=JSON`, repeatable: each consumer's config input. */
export function parseConfigOptions(values: readonly string[]): ConsumerConfigs {
  const configs: Record<string, unknown> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    const name = value.slice(0, at);
    try {
      if (at < 1) throw new Error('expected NAME=JSON');
      configs[name] = JSON.parse(value.slice(at + 1));
    } catch (error) {
      throw new NexuralError('NXR_CONFIG_INVALID', `--config "${value}": ${(error as Error).message}`, {
        option: 'config',
      });
    }
  }
  return configs;
}

/** Serves the consumers' /metrics (Prometheus text) on 127.0.0.1:port. */
function serveMetrics(registry: Registry, port: number) {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    void registry.metrics().then((text) => {
      response.writeHead(200, { 'content-type': registry.contentType }).end(text);
    });
  });
  return new Promise<{ close(): Promise<void> }>((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({ close: () => new Promise<void>((done) => server.close(() => done())) }),
    ),
  );
}

/**
 * On the embedded defaults the log and PGlite in NEXURAL_DATA_DIR belong to one process; a consumers process
 * beside a running `nexural serve` (which runs the consumers itself) or `nexural run` cannot share them.
 */
export function explainEmbeddedConflict(
  error: unknown,
  kafkaBrokers: readonly string[] | undefined,
): unknown {
  if (kafkaBrokers !== undefined || !isNexuralError(error) || error.details.dataDir === undefined)
    return error;
  return new NexuralError(
    'NXR_CONFIG_INVALID',
    `${error.message}: on the embedded defaults only one process may use the data folder. ` +
      '`nexural serve` already runs the registered consumers; to run them as their own processes set ' +
      'KAFKA_BROKERS and DATABASE_URL (shared by every role), or give this process its own NEXURAL_DATA_DIR',
    { ...error.details, option: 'NEXURAL_DATA_DIR' },
    { cause: error },
  );
}

interface ConsumersRunOptions {
  readonly config: string[];
  readonly metricsPort: string;
  readonly healthPort?: string;
  readonly namespace: string;
}

export function registerConsumersCommand(program: Command): void {
  const consumers = program
    .command('consumers')
    .description('consumer workers that read the derived streams, each in its own consumer group');
  consumers
    .command('list')
    .description('the registered consumers and automation-triggers: inputs, group and config settings')
    .action(() => listConsumers(process.stdout, [...consumerRegistry, automationTriggersListing()]));
  consumers
    .command('run')
    .description('run one or more consumers; instances of the same consumer share its partitions')
    .argument(
      '<names...>',
      'registered consumer names (see `nexural consumers list`), or automation-triggers (live alert/signal triggers)',
    )
    .option(
      '--config <name=json>',
      "a consumer's config as JSON (repeatable)",
      (value, all: string[]) => [...all, value],
      [],
    )
    .option('--metrics-port <port>', 'serve /metrics on 127.0.0.1:<port> (0 = off)', '0')
    .option('--health-port <n>', 'serve GET /health and /ready on this port (0 = any free port)')
    .option(
      '--namespace <name>',
      'namespace of the derived topics (not live: each group gets the namespace as suffix)',
      LIVE_NAMESPACE,
    )
    .action(async (names: string[], options: ConsumersRunOptions) => {
      const env = parseEnv(process.env);
      // the automation triggers need the automation wiring (its repository and runner): added below when named
      const withTriggers = names.includes(automationTriggersName);
      const registered = names.filter((name) => name !== automationTriggersName).map(findConsumer);
      const configs = parseConfigOptions(options.config);
      const logger = pino({ name: 'nexural-consumers' });
      const roles = createRoleHealthRegistry((role, state) => logRoleState(logger, role, state));
      await untilSignal(async (signal) => {
        // with the embedded log a consumer process reads the log `nexural run --persist` left in the data dir
        const pipeline = await buildPipeline({
          env,
          namespace: options.namespace,
          processor: { groupId: 'nexural-processor', engine: { bars: { intervals: ['1m'] } } },
          persistEmbeddedLog: true,
        }).catch((error: unknown) => Promise.reject(explainEmbeddedConflict(error, env.KAFKA_BROKERS)));
        // every role creates the topics it reads (idempotent), so the roles can start in any order
        await pipeline.createTopics(env.NEXURAL_PARTITIONS);
        const { store, sql, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
        await store.migrate();
        // same jobs port as serve: BullMQ when REDIS_URL is set (shared by every process), embedded otherwise
        const jobs = openJobs({
          redisUrl: env.REDIS_URL,
          database: jobsDatabase,
          onError: (error) => logger.error({ err: error }, `jobs: ${error.message}`),
        });
        await jobs.start();
        // the newsletter's Mon/Wed/Fri edition schedule runs with the consumers (upserted by id: one per deployment)
        const newsletter = wireNewsletter(env, { reader: store, database: jobsDatabase });
        await newsletter.schedule(jobs);
        // automation step and schedule jobs run here too
        const automations = wireAutomations(env, {
          reader: store,
          database: jobsDatabase,
          jobs,
          sendNewsletter: async () => {
            await newsletter.service.send();
          },
          signals: backtestSignalHistory({ strategies: sqlStrategyStore(sql), log: pipeline.log }),
        });
        const withDms = withLinkedDms(registered, jobsDatabase);
        const definitions = withTriggers ? [...withDms, automations.triggers] : withDms;
        const registry = new Registry();
        const metrics =
          Number(options.metricsPort) > 0 ? await serveMetrics(registry, Number(options.metricsPort)) : null;
        const stopped = new AbortController();
        const host = await startConsumerHost(
          definitions,
          {
            pipeline,
            store,
            sql,
            // the strategy consumer writes, and automation-triggers reads, this namespace's strategy-signals topic
            namespace: options.namespace,
            jobs,
            metrics: registry,
            logger: {
              info: (message, fields) => logger.info(fields ?? {}, message),
              warn: (message, fields) => logger.warn(fields ?? {}, message),
              error: (message, fields) => logger.error(fields ?? {}, message),
            },
          },
          {
            configs,
            health: roles,
            ...(options.namespace === LIVE_NAMESPACE ? {} : { groupSuffix: options.namespace }),
            onError: (name, error) => {
              logger.error({ consumer: name }, `consumer stopped: ${error.message}`);
              process.exitCode = 1;
              stopped.abort();
            },
          },
        );
        const health =
          options.healthPort === undefined
            ? null
            : await startRoleHealth({
                role: 'consumers',
                host: env.API_HOST,
                port: Number(options.healthPort),
                roles,
                checks: [{ name: 'stream-log', check: () => pipeline.log.admin.listTopics() }],
              });
        process.stdout.write(
          `nexural consumers: ${definitions.map((entry) => entry.name).join(', ')} on ${pipeline.adapters.log} · ${store.adapter} store · ${jobs.adapter} jobs${health ? ` · health ${health.url}/ready` : ''}\n`,
        );
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => resolve(), { once: true });
          stopped.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        process.stdout.write('nexural consumers: draining\n');
        health?.draining();
        await host.close();
        await health?.close();
        await metrics?.close();
        await jobs.close();
        newsletter.close();
        automations.close();
        await store.close();
        await sql.close();
        await closeJobsDatabase();
        await pipeline.close();
      });
    });
}
