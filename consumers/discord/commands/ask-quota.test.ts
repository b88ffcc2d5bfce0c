import { PGlite } from '@electric-sql/pglite';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDatabase } from '../../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../../pipeline/store/pglite-store.js';
import { sqlDiscordState } from '../../../pipeline/store/sql-discord.js';
import { planTable } from '../../../schemas/plans.js';
import { createAnalyst } from '../analyst/analyst.js';
import { type BotDeps, fallbackEntitlements } from '../bot-types.js';
import { botFixture } from '../testing/bot-fixture.js';
import { startFakeOpenAI } from '../testing/fake-openai.js';
import { runCommand } from './dispatch.js';

/** Everyone on a plan with two questions a day. */
const twoADay = fallbackEntitlements(
  planTable({
    fallback: 'starter',
    plans: [
      {
        id: 'starter',
        name: 'Starter',
        rank: 0,
        entitlements: {
          dataDelayMs: 0,
          maxAlertRules: 5,
          askPerDay: 2,
          strategies: false,
          premiumNewsletter: false,
        },
      },
    ],
  }),
);

describe('/ask quota counted in the store (sql/0026)', () => {
  let pglite: PGlite;
  let model: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  beforeAll(async () => {
    pglite = await PGlite.create();
    await (await openPgliteStore({ db: pglite })).migrate();
    model = await startFakeOpenAI(() => ({ content: 'The tape is quiet; ask me about a symbol.' }));
    fixture = await botFixture();
  }, 120_000);
  afterAll(async () => {
    await model?.close();
    await fixture?.close();
    await pglite?.close();
  });

  /** A bot process's ports on the shared database: each call is a fresh process (nothing kept in memory). */
  function botProcess(now: number): BotDeps {
    const state = sqlDiscordState(pgliteDatabase(pglite));
    return {
      ...fixture.deps,
      links: state.links,
      askQuota: state.askQuota,
      entitlements: twoADay,
      clock: { now: () => now },
      analyst: createAnalyst({
        client: new OpenAI({ apiKey: model.apiKey, baseURL: model.baseURL, maxRetries: 0 }),
        model: 'gpt-4o',
        store: fixture.store,
        conversations: state.conversations,
        clock: { now: () => now },
        staleAfterMs: 15 * 60_000,
      }),
    };
  }

  const ask = (deps: BotDeps, userId: string) =>
    runCommand(
      {
        name: 'ask',
        subcommand: null,
        options: { question: 'anything moving?' },
        user: { id: userId, name: 'trader' },
        guildId: null,
        channelId: '1300000000000000100',
      },
      deps,
    );

  it('keeps the count across a restart of the bot, per account and UTC day', async () => {
    const morning = Date.parse('2024-08-09T08:00:00Z');
    await sqlDiscordState(pgliteDatabase(pglite)).links.link('1300000000000000201', 'alice');
    expect((await ask(botProcess(morning), '1300000000000000201')).content).toBe(
      'The tape is quiet; ask me about a symbol.',
    );
    // the bot restarted: a new process, the same database
    expect((await ask(botProcess(morning + 60_000), '1300000000000000201')).content).toBe(
      'The tape is quiet; ask me about a symbol.',
    );
    const refused = await ask(botProcess(morning + 120_000), '1300000000000000201');
    expect(refused.content).toBe('You asked 2 of 2 questions today (plan starter); more tomorrow (UTC).');
    expect(refused.ephemeral).toBe(true);
    // another linked Discord user of the same account shares its quota; an unlinked user has their own
    await sqlDiscordState(pgliteDatabase(pglite)).links.link('1300000000000000202', 'alice');
    expect((await ask(botProcess(morning + 180_000), '1300000000000000202')).content).toContain('2 of 2');
    expect((await ask(botProcess(morning + 180_000), '1300000000000000203')).content).toBe(
      'The tape is quiet; ask me about a symbol.',
    );
    // the next UTC day starts at zero
    const nextDay = Date.parse('2024-08-10T00:00:01Z');
    expect((await ask(botProcess(nextDay), '1300000000000000201')).content).toBe(
      'The tape is quiet; ask me about a symbol.',
    );
    const { rows } = await pglite.query<{
      account: string;
      day: string;
      asked: number;
      owner: string | null;
    }>(
      "SELECT account, to_char(day, 'YYYY-MM-DD') AS day, asked, owner FROM discord_ask_usage ORDER BY day, account",
    );
    expect(rows).toEqual([
      { account: 'alice', day: '2024-08-09', asked: 2, owner: 'alice' },
      { account: 'discord:1300000000000000203', day: '2024-08-09', asked: 1, owner: null },
      { account: 'alice', day: '2024-08-10', asked: 1, owner: 'alice' },
    ]);
    // four questions reached the model; the two refused ones never did
    expect(model.requests).toHaveLength(4);
  }, 120_000);

  it('gives the last question to one of two processes asking at once', async () => {
    const quota = sqlDiscordState(pgliteDatabase(pglite)).askQuota;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => quota.take('bob', '2024-08-11', 3, 'bob')),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(3);
    expect(results.map((result) => result.used).sort()).toEqual([1, 2, 3, 3, 3]);
    expect(await quota.take('carol', '2024-08-11', 0, 'carol')).toEqual({ allowed: false, used: 0 });
  });
});
