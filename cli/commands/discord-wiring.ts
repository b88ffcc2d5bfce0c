import OpenAI from 'openai';
import { sqlAccountRepository } from '../../api/adapters/sql-accounts.js';
import type { SqlClient } from '../../api/adapters/sql-client.js';
import type { AnyConsumerDefinition } from '../../consumers/define-consumer.js';
import { createAnalyst } from '../../consumers/discord/analyst/analyst.js';
import type { BotDeps } from '../../consumers/discord/bot-types.js';
import { createDiscordBot, type DiscordBot } from '../../consumers/discord/discord-bot.js';
import { createDiscordConsumer, discordConsumer } from '../../consumers/discord/discord-consumer.js';
import type { DiscordEnv } from '../../consumers/discord/discord-env.js';
import type { PlanRoles } from '../../consumers/discord/plan-roles.js';
import type { SqlDatabase } from '../../pipeline/store/sql-database.js';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import type { EntitlementsReader } from '../../schemas/ports/billing.js';
import type { Store } from '../../schemas/ports/store.js';
import { analystEnv } from './discord.js';
import { linksWithRoles } from './discord-roles.js';

export interface DiscordWiringPorts {
  readonly store: Store;
  readonly sql: SqlClient;
  /** the store's database (discord_links, discord_conversations) */
  readonly database: SqlDatabase;
  readonly entitlements: EntitlementsReader;
  /** roles from plans (DISCORD_ROLES): a /link applies the linked plan's roles at once */
  readonly roles?: PlanRoles | null;
  readonly logger: {
    error(message: string, fields?: Record<string, unknown>): void;
    warn(message: string): void;
  };
}

/** The bot's ports on the process's database: links, API-key lookup for /link, plans, the analyst from env. */
export function discordBotDeps(source: NodeJS.ProcessEnv, ports: DiscordWiringPorts): BotDeps {
  const settings = analystEnv(source);
  const state = sqlDiscordState(ports.database);
  const accounts = sqlAccountRepository(ports.sql);
  const clock = { now: () => Date.now() };
  return {
    store: ports.store,
    rules: ports.store,
    research: ports.store,
    strategies: sqlStrategyStore(ports.sql),
    links: linksWithRoles(state.links, ports.roles ?? null, (message) => ports.logger.warn(message)),
    ownerOfKeyHash: async (hash) => (await accounts.findActiveKeyByHash(hash))?.owner ?? null,
    entitlements: ports.entitlements,
    askQuota: state.askQuota,
    analyst: settings.OPENAI_API_KEY
      ? createAnalyst({
          client: new OpenAI({
            apiKey: settings.OPENAI_API_KEY,
            ...(settings.OPENAI_BASE_URL ? { baseURL: settings.OPENAI_BASE_URL } : {}),
          }),
          model: settings.OPENAI_MODEL,
          store: ports.store,
          conversations: state.conversations,
          research: ports.store,
          strategies: sqlStrategyStore(ports.database),
          clock,
          staleAfterMs: settings.DISCORD_STALE_AFTER_MS,
        })
      : null,
    clock,
    staleAfterMs: settings.DISCORD_STALE_AFTER_MS,
  };
}

/** The alert-delivery consumer's config from the bot's environment (token, REST base, guild channel routes). */
export const discordConsumerConfig = (env: DiscordEnv) => ({
  token: env.DISCORD_TOKEN,
  ...(env.DISCORD_API_URL ? { restApi: env.DISCORD_API_URL } : {}),
  routes: env.DISCORD_ALERT_ROUTES ?? [],
});

/** The slash-command bot from the environment: commands per guild (DISCORD_GUILD_ID) or global. */
export function discordBotFromEnv(
  env: DiscordEnv,
  source: NodeJS.ProcessEnv,
  ports: DiscordWiringPorts,
): DiscordBot {
  return createDiscordBot(
    {
      token: env.DISCORD_TOKEN,
      applicationId: env.DISCORD_APPLICATION_ID,
      guildIds: env.DISCORD_GUILD_ID ?? [],
      ...(env.DISCORD_API_URL ? { restApi: env.DISCORD_API_URL } : {}),
      logger: ports.logger,
    },
    discordBotDeps(source, ports),
  );
}

/** One line for the start banner. */
export const discordSummary = (env: DiscordEnv): string =>
  `discord bot: application ${env.DISCORD_APPLICATION_ID} · commands ${
    env.DISCORD_GUILD_ID ? `in guild ${env.DISCORD_GUILD_ID.join(', ')}` : 'global'
  } · alerts to ${env.DISCORD_ALERT_ROUTES?.length ?? 0} route(s) and linked users' DMs · roles from plans in ${
    env.DISCORD_ROLES?.length ?? 0
  } guild(s)${env.DISCORD_API_URL ? ` · REST ${env.DISCORD_API_URL}` : ''}`;

/** The registered consumers with the `discord` one reading DMs from the database's discord_links. */
export const withLinkedDms = (
  definitions: readonly AnyConsumerDefinition[],
  database: SqlDatabase,
): AnyConsumerDefinition[] =>
  definitions.map((definition) =>
    definition.name === discordConsumer.name
      ? createDiscordConsumer({ links: sqlDiscordState(database).links })
      : definition,
  );
