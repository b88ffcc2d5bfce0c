import { z } from 'zod';
import { NexuralError } from './errors.js';
import { intervalSchema } from './interval.js';

/**
 * The stream log's Kafka client unless NEXURAL_KAFKA_CLIENT says otherwise: transactions on @platformatic/kafka
 * (it keeps its transaction coordinator: ~5 requests a transaction instead of kafkajs's ~9), the rest kafkajs.
 */
export const DEFAULT_KAFKA_CLIENT = 'platformatic' as const;

const optionalUrl = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .pipe(z.url({ error: `must be a URL (${what})` }))
    .optional();

/**
 * Every environment variable Nexural reads. An unset service URL means "use the embedded adapter":
 * no KAFKA_BROKERS → in-process log, no DATABASE_URL → PGlite, no REDIS_URL → in-process fan-out.
 */
export const envSchema = z.object({
  NEXURAL_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  KAFKA_BROKERS: z
    .string()
    .trim()
    .min(1)
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'each broker must be host:port' })).min(1))
    .optional()
    .describe('comma-separated Kafka bootstrap brokers (host:port); unset = embedded log'),
  KAFKA_CLIENT_ID: z.string().min(1).default('nexural').describe('Kafka client id'),
  NEXURAL_KAFKA_CLIENT: z
    .enum(['kafkajs', 'librdkafka', 'platformatic'])
    .default(DEFAULT_KAFKA_CLIENT)
    .describe(
      'Kafka client behind the stream log: platformatic (transactions on @platformatic/kafka, the rest kafkajs), kafkajs (kafkajs alone), or librdkafka (optional native dependency @confluentinc/kafka-javascript)',
    ),
  SCHEMA_REGISTRY_URL: optionalUrl('Confluent-compatible Schema Registry base URL').describe(
    'Schema Registry base URL (Confluent API; Apicurio: http://host:port/apis/ccompat/v7)',
  ),
  DATABASE_URL: optionalUrl('postgres://user@host:port/db').describe(
    'PostgreSQL/TimescaleDB connection URL; unset = embedded PGlite in NEXURAL_DATA_DIR',
  ),
  REDIS_URL: optionalUrl('redis://host:port').describe(
    'Redis URL for alert fan-out and jobs; unset = in-process',
  ),
  NEXURAL_DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .describe('folder for embedded state (PGlite, embedded log)'),
  NEXURAL_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(6)
    .describe('partitions per topic when Nexural creates topics'),
  NEXURAL_MAX_FUTURE_SKEW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(300_000)
    .describe(
      "processor: a trade more than this many ms ahead of its record's log time goes to the DLQ (NXR_FUTURE_TICK)",
    ),
  NEXURAL_ALERTS_TO_FANOUT: z
    .enum(['at-once', 'after-commit'])
    .default('at-once')
    .describe(
      'processor: at-once hands an alert to the fan-out as soon as its tick is processed (milliseconds; a new owner re-computes uncommitted alerts with the same ids, dropped by the fan-out); after-commit waits until its transaction committed',
    ),
  NEXURAL_PROCESSOR_TRANSACTIONS: z
    .enum(['auto', 'per-partition', 'shared'])
    .optional()
    .describe(
      "processor: auto (default) = shared where the stream log can fence by generation (the embedded log, Kafka with the platformatic client), per-partition otherwise (kafkajs, librdkafka); per-partition commits each input partition in transactions of its own; shared commits all of a processor's partitions in one transaction a round, fenced by the consumer group's generation (KIP-447; refused where the log cannot)",
    ),
  NEXURAL_PROCESSOR_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'letters, digits, dot, underscore or dash (1–100)' })
    .optional()
    .describe(
      "processor, shared transactions: this processor's name in its transactional id, unique in its group and the same across restarts (a restart then ends its predecessor's open transaction at once); unset = random per process (a killed processor's open round then holds its partitions' outputs back until the broker aborts it, 10–20 s)",
    ),
  API_HOST: z.string().min(1).default('127.0.0.1').describe('address the API listens on'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('port the API listens on'),
  API_JWT_SECRET: z.string().min(32).optional().describe('session token key; unset = random per process'),
  NEXURAL_PUBLIC_URL: optionalUrl('https://nexural.example.com').describe(
    'public base URL of the dashboard (password-reset links, Stripe return URLs); default the listening address',
  ),
  SMTP_URL: optionalUrl('smtp(s)://user:pass@host:port').describe(
    'mail relay for password-reset links and the newsletter (editions, opt-in mails); unset = reset links printed by nexural serve, no newsletter e-mail',
  ),
  MAIL_FROM: z.string().min(3).default('Nexural <no-reply@localhost>').describe('sender of account e-mails'),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, { error: 'must be a Stripe secret key (sk_test_…, sk_live_…, rk_…)' })
    .optional()
    .describe(
      'Stripe API key; with STRIPE_WEBHOOK_SECRET enables /v1/billing (unset = 503 NXR_BILLING_NOT_CONFIGURED)',
    ),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_\w+$/, { error: 'must be a webhook signing secret (whsec_…)' })
    .optional()
    .describe('signing secret of the Stripe webhook endpoint /v1/billing/stripe/webhook'),
  STRIPE_API_URL: optionalUrl('http://127.0.0.1:12111').describe(
    "Stripe API base URL instead of Stripe's servers (a local fake or stripe-mock)",
  ),
  NEXURAL_PLANS: z
    .string()
    .min(2)
    .optional()
    .describe('plan table as JSON (schemas/plans.ts planTableSchema); unset = free + pro'),
  NEXURAL_DEFAULT_PLAN: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: 'must be a plan id' })
    .optional()
    .describe(
      "plan of users without a subscription or grant; default: the table's fallback (free) when Stripe is configured, else its highest plan",
    ),
  NEWSLETTER_FROM: z
    .string()
    .min(3)
    .default('Nexural <newsletter@localhost>')
    .describe('newsletter From address'),
  NEWSLETTER_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:8080')
    .describe('public base URL of the newsletter links (unsubscribe, confirm, archive)'),
  NEWSLETTER_SECRET: z
    .string()
    .min(16)
    .optional()
    .describe('HMAC secret of the unsubscribe tokens; unset = no scheduled sends, preview only'),
  NEWSLETTER_INTERVAL: intervalSchema.default('1h').describe('bar interval the newsletter sections use'),
  NEWSLETTER_TZ: z
    .string()
    .min(1)
    .refine((zone) => Intl.supportedValuesOf('timeZone').includes(zone) || zone === 'UTC', {
      error: 'must be an IANA time zone, e.g. Europe/Berlin',
    })
    .default('UTC')
    .describe('time zone of the Mon/Wed/Fri 07:00 edition schedule'),
  NEWSLETTER_WEBHOOK_URL: optionalUrl('https://host/path').describe(
    'also POST each edition (JSON) here, signed per Standard Webhooks with NEWSLETTER_SECRET',
  ),
  NEWSLETTER_DISCORD_CHANNEL: z
    .string()
    .regex(/^\d{5,25}$/, { error: 'must be a Discord channel id (digits)' })
    .optional()
    .describe('also post each edition to this Discord channel (needs DISCORD_TOKEN)'),
  DISCORD_TOKEN: z.string().min(10).optional().describe('Discord bot token'),
  OPENAI_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('enables the LLM summary of the newsletter; unset = no summary section'),
  OPENAI_BASE_URL: optionalUrl('https://api.openai.com/v1').describe('OpenAI-compatible API base URL'),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini').describe('model of the newsletter summary'),
  NEXURAL_EXTERNAL_SERVICES: z
    .enum(['0', '1'])
    .default('0')
    .describe('tests: 1 = services are external (docker compose), do not start the local stack'),
});

export type Env = z.infer<typeof envSchema>;

/** Parses the environment once; a bad value throws naming the variable and why. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new NexuralError('NXR_CONFIG_INVALID', `invalid environment: ${problems.join('; ')}`, { problems });
}
