import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sma5 } from '../../consumers/discord/testing/bot-fixture.js';
import {
  type FakeDiscord,
  nextSnowflake,
  startFakeDiscord,
} from '../../consumers/discord/testing/fake-discord.js';
import { readRecordedStream } from '../../consumers/testing/recorded-stream.js';
import { buildPipeline } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import { parseEnv } from '../../schemas/env.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
type Fired = Extract<AlertEvent, { kind: 'fired' }>;
const fired = readRecordedStream()
  .filter((record) => record.input === 'alerts')
  .map((record) => alertEventSchema.parse(JSON.parse(record.value)))
  .filter((event): event is Fired => event.kind === 'fired');

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const alertChannelId = nextSnowflake();
/** linked to `contract`, the owner of the recorded alerts */
const linkedUserId = nextSnowflake();

/** The embedded store and log a `nexural serve` would have left: 30 real klines, the 22 recorded alerts, a /link. */
async function seedDataDir(dataDir: string) {
  const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
  const db = await PGlite.create({ dataDir: pgliteDataDir(env) });
  const store = await openPgliteStore({ db });
  await store.migrate();
  const klines = binanceKlines();
  await store.write({ bars: klines, indicatorValues: sma5(klines) });
  await sqlDiscordState(pgliteDatabase(db)).links.link(linkedUserId, 'contract');
  await store.close();
  const pipeline = await buildPipeline({
    env,
    processor: { groupId: 'nexural-processor', engine: { bars: { intervals: ['1m'] } } },
    persistEmbeddedLog: true,
  });
  await pipeline.createTopics(2);
  const producer = await pipeline.log.createProducer();
  const { alerts } = pipeline.serdes;
  await producer.send(
    await Promise.all(
      fired.map(async (event) => ({
        topic: alerts.topic,
        key: `${event.venue}:${event.symbol}`,
        value: await alerts.serialize(event),
      })),
    ),
  );
  await producer.close();
  await pipeline.close();
  return klines;
}

function startBotProcess(env: Record<string, string>): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'discord', 'run'], {
    cwd: repoRoot,
    // the embedded defaults whatever the surrounding stack exports (CI sets SCHEMA_REGISTRY_URL: the seeded
    // records are plain JSON, a registry serde dead-letters them all)
    env: {
      ...process.env,
      KAFKA_BROKERS: '',
      DATABASE_URL: '',
      REDIS_URL: '',
      SCHEMA_REGISTRY_URL: '',
      ...env,
    },
  });
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    text += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor(check: () => boolean, what: () => string, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('nexural discord run as a process against the fake Discord', () => {
  let discord: FakeDiscord;
  let dataDir: string;
  let klines: Awaited<ReturnType<typeof seedDataDir>>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nexural-discord-run-'));
    klines = await seedDataDir(dataDir);
    discord = await startFakeDiscord({ heartbeatMs: 1_000 });
    discord.addGuild({ id: guildId, name: 'traders', channelIds: [channelId, alertChannelId], roles: [] });
  }, 120_000);
  afterAll(async () => {
    await discord?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers the commands in DISCORD_GUILD_ID, answers /price, posts the alerts to the route and the linked user’s DMs once, drains on SIGTERM', async () => {
    const bot = startBotProcess({
      NEXURAL_DATA_DIR: dataDir,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: guildId,
      DISCORD_API_URL: discord.restApi,
      DISCORD_ALERT_ROUTES: JSON.stringify([{ name: 'main', channelId: alertChannelId }]),
    });
    try {
      await waitFor(() => bot.output().includes('nexural discord: '), bot.output);
      expect(bot.output()).toContain(`application ${discord.applicationId} · commands in guild ${guildId}`);
      expect(discord.identifies).toBe(1);
      expect((discord.commands.get(guildId) ?? []).map((command) => command.name)).toContain('price');
      expect(discord.commands.get('global')).toBeUndefined();

      const reply = await discord.interact({
        userId: nextSnowflake(),
        guildId,
        channelId,
        name: 'price',
        options: { symbol: 'BTCUSDT' },
      });
      const embed = reply.message?.embeds[0] as { title: string };
      expect(embed.title).toBe(`BTCUSDT ${klines.at(-1)?.close}`);

      // 22 alerts, at most 10 per message: 3 messages, each alert once, in order (12 s idle; under the full
      // suite's load the first delivery once took over 60 s)
      await discord.waitForMessages(alertChannelId, 3, 240_000).catch((error: Error) => {
        throw new Error(`${error.message}; the bot printed:\n${bot.output().slice(-4_000)}`);
      });
      await waitFor(
        () => [...discord.channelMessages.values()].reduce((sum, list) => sum + list.length, 0) >= 7,
        () => 'the DM messages',
      );
      expect(discord.alertIdsIn(alertChannelId)).toEqual(fired.map((event) => event.id));
    } finally {
      bot.child.kill('SIGTERM');
    }
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain('nexural discord: stopping (draining)');
    expect(bot.output()).toContain('nexural discord: stopped');
    expect(discord.channelMessages.get(alertChannelId)?.length).toBe(3);
    // the user linked to the alerts' owner got each alert by DM, once, each delivery an effect key in the ledger
    const dmChannel = [...discord.channelMessages.keys()].find(
      (id) => id !== alertChannelId && !id.startsWith('interaction:'),
    );
    expect(discord.alertIdsIn(dmChannel ?? '')).toEqual(fired.map((event) => event.id));
    const db = await PGlite.create({ dataDir: pgliteDataDir(parseEnv({ NEXURAL_DATA_DIR: dataDir })) });
    const { rows } = await db.query<{ effect_key: string }>(
      "SELECT effect_key FROM consumer_effects WHERE consumer = 'discord' AND effect_key LIKE 'alert:dm:%' ORDER BY effect_key",
    );
    await db.close();
    expect(rows.map((row) => row.effect_key)).toEqual(
      fired.map((event) => `alert:dm:${linkedUserId}:${event.id}`).sort(),
    );
  }, 600_000);

  it('stops at once naming a bad variable', async () => {
    const bot = startBotProcess({
      NEXURAL_DATA_DIR: join(dataDir, 'unused'),
      DISCORD_TOKEN: discord.botToken,
      DISCORD_APPLICATION_ID: 'my-bot',
      DISCORD_API_URL: discord.restApi,
    });
    expect(await bot.exited).toBe(1);
    expect(bot.output()).toContain('NXR_CONFIG_INVALID');
    expect(bot.output()).toContain('DISCORD_APPLICATION_ID: must be a Discord id (17–20 digits)');
  }, 180_000);
});
