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
import type { StoreReader } from '../../schemas/ports/store.js';

export interface AutomationWiring {
  readonly service: AutomationService;
  readonly runner: AutomationRunner;
  /** the live alert/strategy-signal triggers: a consumer of its own (`automation-triggers`) */
  readonly triggers: AnyConsumerDefinition;
  close(): void;
}

/**
 * The automation suite on the process's database and jobs port: e-mail steps over SMTP_URL, Discord steps with
 * DISCORD_TOKEN, newsletter steps through `sendNewsletter`; a step kind not set up dead-letters at once.
 */
export function wireAutomations(
  env: Partial<Pick<Env, 'SMTP_URL' | 'DISCORD_TOKEN' | 'NEWSLETTER_FROM'>>,
  ports: {
    readonly reader: StoreReader;
    readonly database: SqlDatabase;
    readonly jobs: Jobs;
    readonly sendNewsletter: (() => Promise<void>) | null;
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
      now: Date.now,
    },
  });
  return {
    runner,
    triggers: automationTriggerConsumer({ repository, runner }),
    service: automationService({ repository, runner, reader: ports.reader }),
    close: () => transport?.close(),
  };
}
