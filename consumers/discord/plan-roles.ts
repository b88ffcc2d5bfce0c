import { REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { NexuralError } from '../../schemas/errors.js';
import type { UserEntitlements } from '../../schemas/plans.js';
import type { EntitlementsReader } from '../../schemas/ports/billing.js';
import type { DiscordLinks } from '../../schemas/ports/discord.js';
import type { GuildRoles } from './discord-env.js';

/** The roles of a guild's configuration a member should hold with these entitlements. */
export function desiredRoles(guild: GuildRoles, entitlements: UserEntitlements | null): Set<string> {
  const roles = new Set<string>();
  if (entitlements === null) return roles;
  const planRole = guild.plans[entitlements.plan];
  if (planRole) roles.add(planRole);
  const has = {
    strategies: entitlements.strategies,
    premiumNewsletter: entitlements.premiumNewsletter,
    ask: entitlements.askPerDay > 0,
    realTimeData: entitlements.dataDelayMs === 0,
  };
  for (const [feature, role] of Object.entries(guild.features)) {
    if (role && has[feature as keyof typeof has]) roles.add(role);
  }
  return roles;
}

/** Every role the configuration manages in a guild (roles outside it are never touched). */
export const managedRoles = (guild: GuildRoles): Set<string> =>
  new Set([
    ...Object.values(guild.plans),
    ...Object.values(guild.features).filter((role) => role !== undefined),
  ]);

export interface RoleChanges {
  added: number;
  removed: number;
}

interface Member {
  readonly user: { readonly id: string };
  readonly roles: readonly string[];
}

const statusOf = (error: unknown) => (error as { status?: number }).status ?? 0;

/**
 * Discord roles from plans. Adding or removing a member's role is idempotent at Discord, so a change applied
 * twice (a redelivered plan change, a reconcile run beside it) changes nothing: no effect ledger is needed.
 */
export function createPlanRoles(options: {
  readonly token: string;
  readonly restApi?: string;
  readonly guilds: readonly GuildRoles[];
  readonly links: DiscordLinks;
  readonly entitlements: EntitlementsReader;
}) {
  const rest = new REST(options.restApi ? { api: options.restApi } : {}).setToken(options.token);
  const call = async <T>(what: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      // 10007 Unknown Member: the linked user is not in this guild
      if (statusOf(error) === 404) return null;
      throw new NexuralError(
        statusOf(error) >= 500 || statusOf(error) === 0 ? 'NXR_SERVICE_UNAVAILABLE' : 'NXR_BAD_VALUE',
        `Discord refused ${what}: ${(error as Error).message}`,
        { status: statusOf(error) },
        { cause: error },
      );
    }
  };

  async function apply(guild: GuildRoles, member: Member, entitlements: UserEntitlements | null) {
    const changes: RoleChanges = { added: 0, removed: 0 };
    const want = desiredRoles(guild, entitlements);
    const userId = member.user.id;
    for (const role of managedRoles(guild)) {
      const holds = member.roles.includes(role);
      if (want.has(role) && !holds) {
        await call(`role ${role} for ${userId}`, () =>
          rest.put(Routes.guildMemberRole(guild.guildId, userId, role)),
        );
        changes.added += 1;
      } else if (!want.has(role) && holds) {
        await call(`removing role ${role} from ${userId}`, () =>
          rest.delete(Routes.guildMemberRole(guild.guildId, userId, role)),
        );
        changes.removed += 1;
      }
    }
    return changes;
  }

  const sum = (into: RoleChanges, more: RoleChanges) => {
    into.added += more.added;
    into.removed += more.removed;
  };

  async function syncUser(discordUserId: string, owner: string | null): Promise<RoleChanges> {
    const total: RoleChanges = { added: 0, removed: 0 };
    const entitlements = owner === null ? null : await options.entitlements.entitlementsFor(owner);
    for (const guild of options.guilds) {
      const member = (await call(`member ${discordUserId}`, () =>
        rest.get(Routes.guildMember(guild.guildId, discordUserId)),
      )) as Member | null;
      if (member) sum(total, await apply(guild, member, entitlements));
    }
    return total;
  }

  async function* members(guildId: string): AsyncGenerator<Member> {
    let after = '0';
    for (;;) {
      const page = (await call(`the member list of ${guildId}`, () =>
        rest.get(Routes.guildMembers(guildId), { query: new URLSearchParams({ limit: '1000', after }) }),
      )) as Member[] | null;
      if (!page || page.length === 0) return;
      yield* page;
      after = page.at(-1)?.user.id ?? after;
      if (page.length < 1000) return;
    }
  }

  return {
    /** Applies an owner's current plan to every Discord user linked to it (after a plan change or a /link). */
    async syncOwner(owner: string): Promise<RoleChanges> {
      const total: RoleChanges = { added: 0, removed: 0 };
      for (const user of await options.links.discordUsersOf(owner)) sum(total, await syncUser(user, owner));
      return total;
    },
    /** A Discord user's roles from the owner it is linked to now (none when unlinked). */
    async syncUser(discordUserId: string): Promise<RoleChanges> {
      return syncUser(discordUserId, await options.links.ownerOf(discordUserId));
    },
    /**
     * Fixes drift: every member of each configured guild gets exactly the managed roles their linked owner's
     * plan grants (an unlinked member none of them); roles outside the configuration stay as they are.
     */
    async reconcile(): Promise<RoleChanges & { members: number }> {
      const total = { added: 0, removed: 0, members: 0 };
      const ownerOf = new Map((await options.links.all()).map((link) => [link.discordUserId, link.owner]));
      const entitlementsOf = new Map<string, UserEntitlements>();
      for (const guild of options.guilds) {
        for await (const member of members(guild.guildId)) {
          total.members += 1;
          const owner = ownerOf.get(member.user.id);
          let entitlements: UserEntitlements | null = null;
          if (owner !== undefined) {
            entitlements = entitlementsOf.get(owner) ?? (await options.entitlements.entitlementsFor(owner));
            entitlementsOf.set(owner, entitlements);
          }
          sum(total, await apply(guild, member, entitlements));
        }
      }
      return total;
    },
  };
}
export type PlanRoles = ReturnType<typeof createPlanRoles>;
