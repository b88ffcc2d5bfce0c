import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import {
  draftEdition,
  prepareEdition,
  sendPrepared,
  writePreview,
} from '../../consumers/newsletter/studio.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { intervalSchema } from '../../schemas/interval.js';
import { openDatabase } from './serve.js';

const newsletterEnvSchema = z.object({
  SMTP_URL: z.url().optional().describe('smtp(s)://user:pass@host:port of the mail relay'),
  NEWSLETTER_FROM: z.string().min(3).default('Nexural <newsletter@localhost>').describe('From address'),
  NEWSLETTER_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:8080')
    .describe('base URL of the unsubscribe links'),
  NEWSLETTER_SECRET: z.string().min(16).optional().describe('HMAC secret of the unsubscribe tokens'),
  NEWSLETTER_INTERVAL: intervalSchema.default('1h').describe('bar interval the sections are computed on'),
});

function newsletterEnv(source: NodeJS.ProcessEnv) {
  const parsed = newsletterEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    throw new NexuralError('NXR_CONFIG_INVALID', problems.join('; '), { problems });
  }
  return parsed.data;
}

/** `nexural newsletter preview --out DIR`: writes the next edition (not archived, not sent) as .md/.html/.png. */
export async function runNewsletterPreview(env: Env, source: NodeJS.ProcessEnv, dir: string, out: Writable) {
  const settings = newsletterEnv(source);
  const { store, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
  try {
    await store.migrate();
    const draft = await draftEdition(
      store,
      sqlNewsletterArchive(jobsDatabase),
      Date.now(),
      settings.NEWSLETTER_INTERVAL,
    );
    if (!draft) {
      out.write('nothing new since the last edition\n');
      return [];
    }
    const files = await writePreview(draft, dir, {
      from: settings.NEWSLETTER_FROM,
      publicUrl: settings.NEWSLETTER_PUBLIC_URL,
      unsubscribeSecret: settings.NEWSLETTER_SECRET ?? 'preview-only',
    });
    for (const file of files) out.write(`wrote ${file}\n`);
    return files;
  } finally {
    await closeJobsDatabase();
    await store.close();
  }
}

/** `nexural newsletter send --now`: archives the edition up to now and sends it to every confirmed subscriber. */
export async function runNewsletterSend(env: Env, source: NodeJS.ProcessEnv, out: Writable): Promise<void> {
  const settings = newsletterEnv(source);
  const { SMTP_URL: smtpUrl, NEWSLETTER_SECRET: secret } = settings;
  if (smtpUrl === undefined || secret === undefined) {
    throw new NexuralError('NXR_CONFIG_INVALID', 'newsletter send needs SMTP_URL and NEWSLETTER_SECRET');
  }
  const { store, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
  const transport = createTransport(smtpUrl);
  try {
    await store.migrate();
    const archive = sqlNewsletterArchive(jobsDatabase);
    const prepared = await prepareEdition(store, archive, Date.now(), settings.NEWSLETTER_INTERVAL);
    if (!prepared) {
      out.write('nothing new since the last edition\n');
      return;
    }
    const ports = {
      archive,
      subscribers: sqlNewsletterSubscribers(jobsDatabase),
      ledger: sqlEffectLedgerStore(jobsDatabase).forConsumer('newsletter'),
      sender: transport,
    };
    const outcomes = await sendPrepared(prepared, ports, {
      from: settings.NEWSLETTER_FROM,
      publicUrl: settings.NEWSLETTER_PUBLIC_URL,
      unsubscribeSecret: secret,
    });
    const sent = outcomes.filter((outcome) => outcome.kind === 'sent').length;
    out.write(`${prepared.stored.id}: sent ${sent}, already sent ${outcomes.length - sent}\n`);
  } finally {
    transport.close();
    await closeJobsDatabase();
    await store.close();
  }
}

export function registerNewsletterCommand(program: Command): void {
  const newsletter = program.command('newsletter').description('the market newsletter (issue 16)');
  newsletter
    .command('preview')
    .description(
      'write the next edition as Markdown, HTML and PNG charts to a folder (nothing archived or sent)',
    )
    .requiredOption('--out <dir>', 'folder to write to')
    .action(async (options: { out: string }) => {
      await runNewsletterPreview(parseEnv(process.env), process.env, options.out, process.stdout);
    });
  newsletter
    .command('send')
    .description(
      'archive the edition covering the stream since the last one and mail it to confirmed subscribers',
    )
    .option('--now', 'send now (the Mon/Wed/Fri schedule is not wired yet, so this flag is required)')
    .action(async (options: { now?: boolean }) => {
      if (options.now !== true) {
        throw new NexuralError('NXR_CONFIG_INVALID', 'scheduled sends are not wired yet: use --now');
      }
      await runNewsletterSend(parseEnv(process.env), process.env, process.stdout);
    });
}
