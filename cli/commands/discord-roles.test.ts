import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlAccountRepository } from '../../api/adapters/sql-accounts.js';
import { sqlBillingRepository } from '../../api/adapters/sql-billing.js';
import { pgliteSqlClient } from '../../api/adapters/sql-client.js';
import { discordEnv } from '../../consumers/discord/discord-env.js';
import {
  type FakeDiscord,
  nextSnowflake,
  startFakeDiscord,
} from '../../consumers/discord/testing/fake-discord.js';
import { openJobs } from '../../pipeline/jobs/open-jobs.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { createPlanChangePublisher } from '../../pipeline/runtime/plan-change-publisher.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import type { PlanChange } from '../../schemas/billing.js';
import { planTable } from '../../schemas/plans.js';
import type { Jobs } from '../../schemas/ports/jobs.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import {
  linksWithRoles,
  ROLES_RECONCILE_JOB,
  type RunningPlanRoles,
  startPlanRoles,
} from './discord-roles.js';

const guildId = nextSnowflake();
const role = { pro: nextSnowflake(), free: nextSnowflake(), ask: nextSnowflake(), realTime: nextSnowflake() };
const other = nextSnowflake();
const user = { alice: nextSnowflake(), bob: nextSnowflake(), carol: nextSnowflake(), dave: nextSnowflake() };

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Discord roles from plans against the fake Discord', () => {
  let discord: FakeDiscord;
  let pglite: PGlite;
  let log: StreamLog;
  let jobs: Jobs;
  let running: RunningPlanRoles | null;
  let changePlan: (owner: string, plan: string) => Promise<void>;
  const rolesOf = (userId: string) => [...(discord.memberRoles.get(`${guildId}/${userId}`) ?? [])].sort();
  const links = () => sqlDiscordState(pgliteDatabase(pglite)).links;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    await store.migrate();
    const sql = pgliteSqlClient(pglite);
    const accounts = sqlAccountRepository(sql);
    for (const id of ['alice', 'bob']) await accounts.ensureUser({ id });
    const billing = sqlBillingRepository(sql, { plans: planTable(), defaultPlan: 'free' });
    log = createEmbeddedLog();
    const publisher = createPlanChangePublisher({ log });
    changePlan = async (owner, plan) => {
      const change: PlanChange = {
        owner,
        at: Date.now(),
        plan,
        source: plan === 'free' ? 'fallback' : 'subscription',
        status: plan === 'free' ? null : 'active',
        subscriptionId: plan === 'free' ? null : `sub_${owner}`,
        reason: `test: ${owner} → ${plan}`,
      };
      if (await billing.appendPlanChange(change)) await publisher.publish(change);
    };
    await links().link(user.alice, 'alice');
    await links().link(user.bob, 'bob');
    // guild members: alice and bob with no roles yet, carol (never linked) holding a managed and another role
    for (const id of [user.alice, user.bob, user.dave])
      discord.memberRoles.set(`${guildId}/${id}`, new Set());
    discord.memberRoles.set(`${guildId}/${user.carol}`, new Set([role.pro, other]));
    jobs = openJobs({ redisUrl: undefined, database: pgliteDatabase(pglite) });
    const env = discordEnv({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.restApi,
      DISCORD_ROLES: JSON.stringify([
        {
          guildId,
          plans: { pro: role.pro, free: role.free },
          features: { ask: role.ask, realTimeData: role.realTime },
        },
      ]),
    });
    if (!env) throw new Error('DISCORD_TOKEN was given');
    running = await startPlanRoles(env, {
      log,
      jobs,
      links: links(),
      entitlements: billing,
      warn: (message) => console.warn(message),
      onError: (error) => console.error(error),
    });
    await jobs.start();
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await jobs?.close();
    await log?.close();
    await pglite?.close();
    await discord?.close();
  });

  it('applies each plan change on the billing topic to the linked user: pro → plan + feature roles, free → only the free role', async () => {
    await changePlan('alice', 'pro');
    await until(() => rolesOf(user.alice).length === 3, 'alice gets the pro roles');
    expect(rolesOf(user.alice)).toEqual([role.pro, role.ask, role.realTime].sort());
    await changePlan('alice', 'free');
    await until(() => rolesOf(user.alice).length === 1, 'alice drops to free');
    expect(rolesOf(user.alice)).toEqual([role.free]);
    // bob had no plan change: untouched until the reconcile job runs
    expect(rolesOf(user.bob)).toEqual([]);
  });

  it('the reconcile job (jobs port) fixes drift: missing roles added, stray managed roles removed, other roles kept', async () => {
    discord.memberRoles.set(`${guildId}/${user.alice}`, new Set([role.pro, other]));
    const id = await jobs.enqueue({ name: ROLES_RECONCILE_JOB, owner: 'system', id: `reconcile-${guildId}` });
    await until(() => rolesOf(user.carol).length === 1, 'the reconcile job ran');
    await until(async () => (await jobs.job(id))?.state === 'completed', 'job completed');
    expect(rolesOf(user.alice)).toEqual([role.free, other].sort());
    expect(rolesOf(user.bob)).toEqual([role.free]);
    expect(rolesOf(user.carol)).toEqual([other]);
    expect(rolesOf(user.dave)).toEqual([]);
    expect(await running?.roles.reconcile()).toEqual({ added: 0, removed: 0, members: 4 });
  });

  it('a /link gives the linked plan’s roles at once, an unlink takes them away', async () => {
    const linked = linksWithRoles(links(), running?.roles ?? null, (message) => console.warn(message));
    await linked.link(user.dave, 'bob');
    expect(rolesOf(user.dave)).toEqual([role.free]);
    await changePlan('bob', 'pro');
    await until(() => rolesOf(user.dave).length === 3, 'dave follows bob to pro');
    expect(rolesOf(user.bob)).toEqual([role.pro, role.ask, role.realTime].sort());
    expect(await linked.unlink(user.dave)).toBe(true);
    expect(rolesOf(user.dave)).toEqual([]);
  });
});
