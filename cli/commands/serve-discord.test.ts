import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeDiscord } from '../../consumers/discord/testing/fake-discord.js';
import { parseEnv } from '../../schemas/env.js';
import { type RunningServer, startServer } from './serve.js';

describe('nexural serve and the Discord bot', () => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });
  const serve = async (source: Record<string, string>) => {
    const lines: string[] = [];
    const output = new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-serve-discord-'));
    folders.push(dataDir);
    const env = parseEnv({ NEXURAL_DATA_DIR: dataDir, API_PORT: '0' });
    const server: RunningServer = await startServer(
      { pipeline: false, consumers: false },
      env,
      output,
      source,
    );
    return { server, text: () => lines.join('') };
  };

  it('says the bot is skipped without DISCORD_TOKEN', async () => {
    const { server, text } = await serve({});
    await server.close();
    expect(text()).toContain('  discord bot: skipped (no DISCORD_TOKEN)\n');
  });

  it('starts the bot with DISCORD_TOKEN: commands registered globally without DISCORD_GUILD_ID', async () => {
    const discord = await startFakeDiscord();
    try {
      const { server, text } = await serve({
        DISCORD_TOKEN: discord.botToken,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.restApi,
      });
      expect(discord.identifies).toBe(1);
      expect((discord.commands.get('global') ?? []).map((command) => command.name)).toContain('price');
      await server.close();
      expect(text()).toContain(`  discord bot: application ${discord.applicationId} · commands global`);
    } finally {
      await discord.close();
    }
  });
});
