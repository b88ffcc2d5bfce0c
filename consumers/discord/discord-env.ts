import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';

const snowflake = z.string().regex(/^\d{17,20}$/, { error: 'must be a Discord id (17–20 digits)' });

const routeSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,32}$/),
  channelId: snowflake,
  symbols: z.array(z.string().min(1)).default([]),
  owners: z.array(z.string().min(1)).default([]),
});

const jsonText = <Schema extends z.ZodType>(schema: Schema) =>
  z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        context.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** Guild roles by plan id and by entitlement: the role a linked member holds while their plan grants it. */
export const guildRolesSchema = z.object({
  guildId: snowflake,
  plans: z
    .record(z.string(), snowflake)
    .default({})
    .describe('plan id → role id: the member holds it while on that plan'),
  features: z
    .partialRecord(z.enum(['strategies', 'premiumNewsletter', 'ask', 'realTimeData']), snowflake)
    .default({})
    .describe('entitlement → role id: the member holds it while their plan has it'),
});
export type GuildRoles = z.output<typeof guildRolesSchema>;

/** What the bot process reads from the environment (beside the platform's own variables, schemas/env.ts). */
export const discordEnvSchema = z.object({
  DISCORD_TOKEN: z.string().min(10).describe('bot token'),
  DISCORD_APPLICATION_ID: snowflake.describe('the application the slash commands are registered for'),
  DISCORD_GUILD_ID: z
    .string()
    .transform((text) => text.split(',').map((id) => id.trim()))
    .pipe(z.array(snowflake))
    .optional()
    .describe('register the commands in these guilds only (development, comma-separated); unset = global'),
  DISCORD_API_URL: z
    .url()
    .optional()
    .describe("Discord's REST base, e.g. a local fake's http://127.0.0.1:PORT/api; unset = discord.com"),
  DISCORD_ALERT_ROUTES: jsonText(z.array(routeSchema))
    .optional()
    .describe('JSON: [{"name","channelId","symbols"?,"owners"?}] guild channels fired alerts go to'),
  DISCORD_ROLES: jsonText(z.array(guildRolesSchema))
    .optional()
    .describe('JSON: [{"guildId","plans":{"pro":"ROLE"},"features":{"ask":"ROLE"}}] roles from plans'),
  DISCORD_ROLES_RECONCILE_CRON: z
    .string()
    .min(9)
    .default('*/30 * * * *')
    .describe('when the roles reconcile job fixes drift (cron, UTC)'),
});
export type DiscordEnv = z.output<typeof discordEnvSchema>;

/** Validates the bot's variables; the error names each bad variable. Null when DISCORD_TOKEN is unset. */
export function discordEnv(source: Readonly<Record<string, string | undefined>>): DiscordEnv | null {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(
      ([name, value]) => name.startsWith('DISCORD_') && value !== undefined && value !== '',
    ),
  );
  if (cleaned.DISCORD_TOKEN === undefined) return null;
  const parsed = discordEnvSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(env)'}: ${issue.message}`,
  );
  throw new NexuralError('NXR_CONFIG_INVALID', `invalid environment: ${problems.join('; ')}`, {
    problems,
    option: String(parsed.error.issues[0]?.path[0] ?? ''),
  });
}
