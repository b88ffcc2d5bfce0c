import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { REST, Routes } from 'discord.js';
import { createTransport } from 'nodemailer';
import { type AutomationRunner, automationRunner } from '../../consumers/automation/runner.js';
import { automationService } from '../../consumers/automation/service.js';
import {
  automationTriggerConsumer,
  automationTriggersName,
} from '../../consumers/automation/trigger-consumer.js';

/** `nexural consumers run automation-triggers` runs the live triggers (serve runs them with the pipeline) */
export { automationTriggersName };

import type { AnyConsumerDefinition } from '../../consumers/define-consumer.js';
import { sqlAutomations } from '../../pipeline/store/sql-automations.js';
import type { SqlDatabase } from '../../pipeline/store/sql-database.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import type { Env } from '../../schemas/env.js';
import type { AutomationService } from '../../schemas/ports/automations.js';
import type { Jobs } from '../../schemas/ports/jobs.js';
import { type ResearchRunner, researchRunIdOf } from '../../schemas/ports/research-runner.js';
import type { SignalHistory } from '../../schemas/ports/signal-history.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { runBacktest } from './backtest.js';
import { runReplay } from './replay.js';

type ResearchEnv = Pick<
  Env,
  'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR' | 'SCHEMA_REGISTRY_URL'
>;

/**
 * Backtest and replay steps on the log the environment selects, as `nexural backtest --from/--to` and
 * `nexural replay` run them: a backtest writes its files (and the strategy it ran) under
 * `<NEXURAL_DATA_DIR>/automation/backtests/<run id>`, a replay writes the topics `nexural.run.<run id>.*`.
 */
export function researchRunner(env: ResearchEnv): ResearchRunner {
  return {
    async backtest({ key, strategy, from, to, signal }) {
      const runId = researchRunIdOf(key);
      const out = join(env.NEXURAL_DATA_DIR, 'automation', 'backtests', runId);
      await mkdir(out, { recursive: true });
      const file = join(out, 'strategy.json');
      await writeFile(file, `${JSON.stringify(strategy, null, 2)}\n`);
      let read = { scanned: 0, invalid: 0, ticks: 0 };
      const result = await runBacktest(
        {
          strategy: file,
          from,
          ...(to === undefined ? {} : { to }),
          out,
          progress: false,
          onRange: (range) => {
            read = range;
          },
          signal,
        },
        env,
      );
      return { runId, outDir: out, ticks: result.ticks, trades: result.trades, scanned: read.scanned };
    },
    async replay({ key, from, to, symbols, signal }) {
      const runId = researchRunIdOf(key);
      const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
      const summary = await runReplay(
        {
          run: runId,
          from,
          ...(to === undefined ? {} : { to }),
          symbols: symbols.join(','),
          progress: false,
        },
        env,
        quiet,
        signal,
      );
      return {
        runId,
        barsTopic: summary.topics.barsFinal,
        ticks: summary.counts.ticks,
        finalBars: summary.counts.finalBars,
      };
    },
  };
}

export interface AutomationWiring {
  readonly service: AutomationService;
  readonly runner: AutomationRunner;
  /** the live alert/strategy-signal triggers: a consumer of its own (`automation-triggers`) */
  readonly triggers: AnyConsumerDefinition;
  close(): void;
}

/**
 * The automation suite on the process's database and jobs port: e-mail steps over SMTP_URL, Discord steps with
 * DISCORD_TOKEN, newsletter steps through `sendNewsletter`, backtest and replay steps on the environment's log
 * (`researchRunner`); a step kind not set up dead-letters at once.
 */
export function wireAutomations(
  env: Partial<Pick<Env, 'SMTP_URL' | 'DISCORD_TOKEN' | 'NEWSLETTER_FROM'>> & ResearchEnv,
  ports: {
    readonly reader: StoreReader;
    readonly database: SqlDatabase;
    readonly jobs: Jobs;
    readonly sendNewsletter: (() => Promise<void>) | null;
    /** backtest/replay steps; default: `researchRunner(env)` */
    readonly research?: ResearchRunner;
    /** the dry-run of signal triggers (backtestSignalHistory); without it they are unsupported */
    readonly signals?: SignalHistory;
  },
): AutomationWiring {
  const transport = env.SMTP_URL === undefined ? null : createTransport(env.SMTP_URL);
  const rest =
    env.DISCORD_TOKEN === undefined ? null : new REST({ version: '10' }).setToken(env.DISCORD_TOKEN);
  const repository = sqlAutomations(ports.database);
  const runner = automationRunner({
    repository,
    jobs: ports.jobs,
    ledger: sqlEffectLedgerStore(ports.database).forConsumer('automation'),
    ports: {
      discord: rest
        ? async (channelId, content, nonce) => {
            await rest.post(Routes.channelMessages(channelId), {
              body: { content, nonce, enforce_nonce: true },
            });
          }
        : null,
      mailer: transport,
      mailFrom: env.NEWSLETTER_FROM ?? 'Nexural <automations@localhost>',
      newsletter: ports.sendNewsletter,
      research: ports.research ?? researchRunner(env),
      now: Date.now,
    },
  });
  return {
    runner,
    triggers: automationTriggerConsumer({ repository, runner }),
    service: automationService({
      repository,
      runner,
      reader: ports.reader,
      ...(ports.signals ? { signals: ports.signals } : {}),
    }),
    close: () => transport?.close(),
  };
}
