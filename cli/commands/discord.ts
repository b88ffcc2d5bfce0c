import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import OpenAI from 'openai';
import { z } from 'zod';
import { createAnalyst } from '../../consumers/discord/analyst/analyst.js';
import { type BotDeps, fallbackEntitlements } from '../../consumers/discord/bot-types.js';
import { parseCommandLine } from '../../consumers/discord/command-line.js';
import { runCommand } from '../../consumers/discord/commands/dispatch.js';
import { renderReply } from '../../consumers/discord/render-reply.js';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import type { DiscordLinks } from '../../schemas/ports/discord.js';
import { registerDiscordRunCommand } from './discord-run.js';
import { openDatabase } from './serve.js';

const analystEnvSchema = z.object({
  OPENAI_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('OpenAI key; unset = /ask says the analyst is not configured'),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o').describe('chat model of the analyst'),
  OPENAI_BASE_URL: z.url().optional().describe('OpenAI-compatible endpoint (default api.openai.com)'),
  DISCORD_STALE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000)
    .describe('data older than this is stale'),
});

export function analystEnv(source: NodeJS.ProcessEnv) {
  const parsed = analystEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    throw new NexuralError('NXR_CONFIG_INVALID', problems.join('; '), { problems });
  }
  return parsed.data;
}

export interface TryOptions {
  readonly out?: string;
  /** act as this Nexural owner (as if the Discord user had run /link; nothing is written) */
  readonly as?: string;
  /** act as this Discord user, linked as the store's discord_links say (default `0`) */
  readonly user?: string;
}

/** The store's links (as the running bot reads them), with `--as` standing in for the trying user's link. */
function linksFor(stored: DiscordLinks, userId: string, as: string | null): DiscordLinks {
  if (as === null) return stored;
  return { ...stored, ownerOf: async (id) => (id === userId ? as : stored.ownerOf(id)) };
}

/** `nexural discord try "/price BTCUSDT"`: one command through the real handlers on the configured adapters. */
export async function runDiscordTry(
  env: Env,
  source: NodeJS.ProcessEnv,
  line: string,
  options: TryOptions,
  out: Writable,
) {
  const settings = analystEnv(source);
  const { store, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
  try {
    await store.migrate();
    const user = { id: options.user ?? '0', name: 'you' };
    const links = linksFor(sqlDiscordState(jobsDatabase).links, user.id, options.as ?? null);
    const clock = { now: () => Date.now() };
    const deps: BotDeps = {
      store,
      rules: store,
      research: store,
      strategies: sqlStrategyStore(jobsDatabase),
      links,
      ownerOfKeyHash: null,
      entitlements: fallbackEntitlements(),
      askQuota: sqlDiscordState(jobsDatabase).askQuota,
      analyst: settings.OPENAI_API_KEY
        ? createAnalyst({
            client: new OpenAI({
              apiKey: settings.OPENAI_API_KEY,
              ...(settings.OPENAI_BASE_URL ? { baseURL: settings.OPENAI_BASE_URL } : {}),
            }),
            model: settings.OPENAI_MODEL,
            store,
            conversations: sqlDiscordState(jobsDatabase).conversations,
            research: store,
            strategies: sqlStrategyStore(jobsDatabase),
            clock,
            staleAfterMs: settings.DISCORD_STALE_AFTER_MS,
          })
        : null,
      clock,
      staleAfterMs: settings.DISCORD_STALE_AFTER_MS,
    };
    const reply = await runCommand(parseCommandLine(line, user), deps);
    out.write(renderReply(reply));
    if (options.out && reply.files.length > 0) {
      await mkdir(options.out, { recursive: true });
      for (const file of reply.files) {
        await writeFile(join(options.out, file.name), file.data);
        out.write(`wrote ${join(options.out, file.name)}\n`);
      }
    } else if (reply.files.length > 0) out.write('(attachments not saved: add --out DIR)\n');
    return reply;
  } finally {
    await closeJobsDatabase();
    await store.close();
  }
}

export function registerDiscordCommand(program: Command): void {
  const discord = program.command('discord').description('the Discord bot (issue 15)');
  discord
    .command('try')
    .description('run one slash command through the bot’s handlers and print the reply as Discord shows it')
    .argument('<command>', 'e.g. "/price BTCUSDT", "/chart BTCUSDT 1m indicators:sma(20)"')
    .option('--out <dir>', 'write attachments (e.g. the /chart PNG) to this folder')
    .option('--as <owner>', 'act as this Nexural user (as if linked with /link; writes no link)')
    .option('--user <discordUserId>', "act as this Discord user, linked as the store's discord_links say")
    .action(async (line: string, options: TryOptions) => {
      await runDiscordTry(parseEnv(process.env), process.env, line, options, process.stdout);
    });
  registerDiscordRunCommand(discord);
}
