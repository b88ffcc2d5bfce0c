import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { sqlBillingRepository } from '../../api/adapters/sql-billing.js';
import type { ApiNewsletter } from '../../api/deps.js';
import { scheduleNewsletter } from '../../consumers/newsletter/schedule.js';
import {
  type EditionChannel,
  type NewsletterService,
  newsletterService,
} from '../../consumers/newsletter/service.js';
import type { SqlDatabase } from '../../pipeline/store/sql-database.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterReaders } from '../../pipeline/store/sql-newsletter-readers.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import type { Jobs } from '../../schemas/ports/jobs.js';
import type { NewsletterReaders } from '../../schemas/ports/newsletter.js';
import type { ResearchReader } from '../../schemas/ports/research.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { editionChannelsFromEnv, summarizerFromEnv } from './newsletter-channels.js';
import { type BillingEnv, planSettings } from './serve-billing.js';

export type NewsletterEnv = Pick<
  Env,
  | 'SMTP_URL'
  | 'NEWSLETTER_FROM'
  | 'NEWSLETTER_PUBLIC_URL'
  | 'NEWSLETTER_SECRET'
  | 'NEWSLETTER_INTERVAL'
  | 'NEWSLETTER_TZ'
  | 'NEWSLETTER_WEBHOOK_URL'
  | 'NEWSLETTER_DISCORD_CHANNEL'
  | 'DISCORD_TOKEN'
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_MODEL'
> &
  BillingEnv;

export interface NewsletterWiring {
  readonly service: NewsletterService;
  /** who each subscriber is, and the notes selected for an edition */
  readonly readers: NewsletterReaders;
  /** the public routes and the preview, for buildApp */
  readonly api: ApiNewsletter;
  /** Registers the edition job and upserts the Mon/Wed/Fri schedule (the roles that run jobs call this). */
  schedule(jobs: Jobs): Promise<void>;
  close(): void;
}

/**
 * The newsletter on the process's database: e-mail over SMTP_URL (needs NEWSLETTER_SECRET for the unsubscribe
 * links), optional Discord/webhook channels and LLM summary. Without SMTP_URL editions are archived and go to
 * the other channels only.
 */
export function wireNewsletter(
  given: Partial<NewsletterEnv>,
  ports: {
    /** market data, and the readers' watchlists */
    readonly reader: StoreReader & ResearchReader;
    readonly database: SqlDatabase;
    readonly channels?: readonly EditionChannel[];
  },
): NewsletterWiring {
  // a caller that built its env by hand (tests) gets the documented defaults for what it left out
  const env: NewsletterEnv = { ...parseEnv({}), ...given };
  if (env.SMTP_URL !== undefined && env.NEWSLETTER_SECRET === undefined)
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      'SMTP_URL needs NEWSLETTER_SECRET (the unsubscribe links are signed)',
      {
        problems: ['NEWSLETTER_SECRET: required with SMTP_URL'],
      },
    );
  const transport = env.SMTP_URL === undefined ? null : createTransport(env.SMTP_URL);
  const archive = sqlNewsletterArchive(ports.database);
  const subscribers = sqlNewsletterSubscribers(ports.database);
  // the same plan table and default plan as the API's billing (serve-billing.ts)
  const { plans, defaultPlan } = planSettings(env);
  const readers = sqlNewsletterReaders(ports.database, {
    entitlements: sqlBillingRepository(ports.database, { plans, defaultPlan }),
    research: ports.reader,
  });
  const service = newsletterService({
    reader: ports.reader,
    archive,
    subscribers,
    ledger: sqlEffectLedgerStore(ports.database).forConsumer('newsletter'),
    mailer: transport,
    summarize: summarizerFromEnv(env),
    readers,
    channels: ports.channels ?? editionChannelsFromEnv(env),
    settings: {
      from: env.NEWSLETTER_FROM,
      publicUrl: env.NEWSLETTER_PUBLIC_URL,
      secret: env.NEWSLETTER_SECRET ?? null,
      interval: env.NEWSLETTER_INTERVAL,
    },
  });
  return {
    service,
    readers,
    api: {
      subscribers,
      archive,
      // without a secret nothing signed was ever sent, so no link can verify
      unsubscribeSecret: env.NEWSLETTER_SECRET ?? randomBytes(32).toString('base64url'),
      studio: service,
    },
    async schedule(jobs) {
      await scheduleNewsletter(jobs, env.NEWSLETTER_TZ, async () => {
        await service.send();
      });
    },
    close: () => transport?.close(),
  };
}
