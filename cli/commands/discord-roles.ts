import type { DiscordEnv } from '../../consumers/discord/discord-env.js';
import { createPlanRoles, type PlanRoles } from '../../consumers/discord/plan-roles.js';
import { billingTopicSpec } from '../../pipeline/runtime/plan-change-publisher.js';
import { planChangeSchema } from '../../schemas/billing.js';
import type { EntitlementsReader } from '../../schemas/ports/billing.js';
import type { DiscordLinks } from '../../schemas/ports/discord.js';
import type { Jobs } from '../../schemas/ports/jobs.js';
import type { LogConsumer, StreamLog } from '../../schemas/ports/stream-log.js';
import { BILLING_TOPIC } from '../../schemas/topics.js';

export const ROLES_RECONCILE_JOB = 'discord.roles.reconcile';
export const ROLES_GROUP = 'nexural.discord-roles';

export interface RunningPlanRoles {
  readonly roles: PlanRoles;
  close(): Promise<void>;
}

/**
 * Roles from plans (DISCORD_ROLES): every plan change on the billing topic (group `nexural.discord-roles`, so
 * a restart resumes after the last handled change) is applied to the owner's linked Discord users, and the
 * reconcile job (jobs port, DISCORD_ROLES_RECONCILE_CRON) fixes drift. Null when no guild roles are configured.
 */
export async function startPlanRoles(
  env: DiscordEnv,
  ports: {
    readonly log: StreamLog;
    readonly jobs: Jobs;
    readonly links: DiscordLinks;
    readonly entitlements: EntitlementsReader;
    readonly groupId?: string;
    /** the consumer stopped for good */
    readonly onError: (error: Error) => void;
    /** a change Discord refused (the reconcile job applies it later) or a record that does not parse */
    readonly warn: (message: string) => void;
  },
): Promise<RunningPlanRoles | null> {
  if (!env.DISCORD_ROLES || env.DISCORD_ROLES.length === 0) return null;
  const roles = createPlanRoles({
    token: env.DISCORD_TOKEN,
    ...(env.DISCORD_API_URL ? { restApi: env.DISCORD_API_URL } : {}),
    guilds: env.DISCORD_ROLES,
    links: ports.links,
    entitlements: ports.entitlements,
  });
  ports.jobs.register(ROLES_RECONCILE_JOB, async () => {
    await roles.reconcile();
  });
  await ports.jobs.upsertSchedule({
    id: ROLES_RECONCILE_JOB,
    name: ROLES_RECONCILE_JOB,
    owner: 'system',
    schedule: { kind: 'cron', pattern: env.DISCORD_ROLES_RECONCILE_CRON, timeZone: 'UTC' },
    retry: { attempts: 5, backoffMs: 30_000 },
  });
  await ports.log.admin.createTopics([billingTopicSpec]);
  const consumer: LogConsumer = await ports.log.consume({
    groupId: ports.groupId ?? ROLES_GROUP,
    topics: [BILLING_TOPIC],
    start: 'earliest',
    onError: ports.onError,
    handler: async (batch) => {
      const owners = new Set<string>();
      for (const record of batch.records) {
        const change = planChangeSchema.safeParse(safeJson(record.value?.toString('utf8') ?? 'null'));
        if (change.success) owners.add(change.data.owner);
        else ports.warn(`discord roles: billing record at offset ${record.offset} is not a plan change`);
      }
      for (const owner of owners) {
        await roles.syncOwner(owner).catch((error: Error) => {
          ports.warn(
            `discord roles: plan change of "${owner}" not applied (reconcile will): ${error.message}`,
          );
        });
      }
    },
  });
  return { roles, close: () => consumer.close() };
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** Links that give a newly linked (or unlinked) Discord user the roles of their plan at once. */
export function linksWithRoles(
  links: DiscordLinks,
  roles: PlanRoles | null,
  warn: (message: string) => void,
): DiscordLinks {
  if (roles === null) return links;
  const sync = (discordUserId: string) =>
    roles.syncUser(discordUserId).catch((error: Error) => {
      warn(`discord roles: roles of ${discordUserId} not applied (reconcile will): ${error.message}`);
    });
  return {
    ...links,
    async link(discordUserId, owner) {
      await links.link(discordUserId, owner);
      await sync(discordUserId);
    },
    async unlink(discordUserId) {
      const removed = await links.unlink(discordUserId);
      if (removed) await sync(discordUserId);
      return removed;
    },
  };
}
