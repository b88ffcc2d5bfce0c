import { z } from 'zod';
import type { DiscordLinks } from '../../schemas/ports/discord.js';
import { defineConsumer } from '../define-consumer.js';
import { type AlertToDeliver, createAlertDelivery, type DeliveryTarget } from './alert-delivery.js';
import { discordRestSender } from './discord-sender.js';

const routeSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/)
    .default('main')
    .describe('route name, part of each delivery key (moving a route to another channel re-sends nothing)'),
  channelId: z.string().regex(/^\d+$/).describe('guild text channel id the alerts are posted to'),
  symbols: z
    .array(z.string().min(1))
    .default([])
    .describe('only alerts on these symbols; empty = every symbol'),
  owners: z
    .array(z.string().min(1))
    .default([])
    .describe('only alerts of these rule owners; empty = every owner'),
});

const configSchema = z.object({
  token: z.string().default('').describe('bot token; empty (default) = alert delivery off'),
  restApi: z.url().optional().describe("Discord's REST base (default https://discord.com/api)"),
  routes: z
    .array(routeSchema)
    .default([])
    .describe('per-guild configuration: which alerts go to which channel'),
  dms: z
    .record(z.string(), z.string().regex(/^\d+$/))
    .default({})
    .describe('rule owner → Discord user id whose DMs get the owner’s alerts (linked accounts)'),
  maxAlertsPerMessage: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(10)
    .describe('alerts of one target in one batch sent as one message (burst batching; ≤ 10 embeds)'),
  minIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(1_000)
    .describe('least time between two messages to one target'),
});

export type DiscordConsumerConfig = z.output<typeof configSchema>;

/** The targets of one fired alert under the config, plus the DMs of the Discord users linked to its owner. */
export function targetsOf(
  config: DiscordConsumerConfig,
  event: AlertToDeliver['event'],
  linkedUsers: readonly string[] = [],
): DeliveryTarget[] {
  const targets: DeliveryTarget[] = config.routes
    .filter(
      (route) =>
        (route.symbols.length === 0 || route.symbols.includes(event.symbol)) &&
        (route.owners.length === 0 || route.owners.includes(event.owner)),
    )
    .map((route) => ({ kind: 'channel', channelId: route.channelId, route: route.name }));
  const dmUsers = new Set([...(config.dms[event.owner] ? [config.dms[event.owner]] : []), ...linkedUsers]);
  for (const userId of dmUsers) if (userId) targets.push({ kind: 'dm', userId });
  return targets;
}

/**
 * Alert delivery to Discord: fired alerts to guild channels (per-route filters) and owners' DMs, each alert
 * once per target (effect keys, Discord nonces), bursts to one target batched into one message.
 */
export function createDiscordConsumer(options: {
  /** the linked accounts (sql/0021 discord_links): each linked user gets their owner's alerts by DM; null = config `dms` only */
  readonly links: Pick<DiscordLinks, 'discordUsersOf'> | null;
}) {
  return defineConsumer({
    name: 'discord',
    description: 'posts fired alerts to Discord guild channels and DMs, each once per target, bursts batched',
    inputs: ['alerts'],
    configSchema,
    create({ config, ledger, logger, metrics }) {
      if (config.token === '') {
        logger.info('discord: no token configured, alert delivery is off');
        return { async handle() {}, async close() {} };
      }
      const delivery = createAlertDelivery(
        ledger,
        discordRestSender({ token: config.token, ...(config.restApi ? { restApi: config.restApi } : {}) }),
        config,
      );
      return {
        async handle(batch) {
          const alerts: AlertToDeliver[] = [];
          const linked = new Map<string, readonly string[]>();
          for (const record of batch.records) {
            const event = record.value;
            if (event.kind !== 'fired') continue;
            if (options.links && !linked.has(event.owner))
              linked.set(event.owner, await options.links.discordUsersOf(event.owner));
            const targets = targetsOf(config, event, linked.get(event.owner));
            if (targets.length > 0) alerts.push({ event, targets, source: record.source });
          }
          if (alerts.length === 0) return;
          metrics.count('discord_messages', await delivery.deliver(alerts));
        },
        async close() {},
      };
    },
  });
}

/** The registered consumer: DMs from the config's `dms` (processes with a database use `createDiscordConsumer`). */
export const discordConsumer = createDiscordConsumer({ links: null });
