import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { draftEdition, writePreview } from '../../consumers/newsletter/studio.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { wireNewsletter } from './newsletter-wiring.js';
import { openDatabase } from './serve.js';

/** The environment with `overrides` applied (the newsletter variables are validated by schemas/env.ts). */
const withOverrides = (env: Env, overrides: NodeJS.ProcessEnv): Env =>
  Object.keys(overrides).length === 0
    ? env
    : {
        ...env,
        ...parseEnv({ ...overrides }),
        NEXURAL_DATA_DIR: env.NEXURAL_DATA_DIR,
        DATABASE_URL: env.DATABASE_URL,
      };

/**
 * `nexural newsletter preview --out DIR`: writes the next edition (not archived, not sent) as .md/.html/.png,
 * with every shared section, premium ones included (no reader's watchlist or strategies).
 */
export async function runNewsletterPreview(env: Env, source: NodeJS.ProcessEnv, dir: string, out: Writable) {
  const settings = withOverrides(env, source === process.env ? {} : source);
  const { store, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
  const newsletter = wireNewsletter(settings, { reader: store, database: jobsDatabase });
  try {
    await store.migrate();
    const draft = await draftEdition(store, sqlNewsletterArchive(jobsDatabase), Date.now(), {
      interval: settings.NEWSLETTER_INTERVAL,
      selectedNotes: (window) => newsletter.readers.selectedNotes(window),
    });
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
    newsletter.close();
    await closeJobsDatabase();
    await store.close();
  }
}

/** `nexural newsletter send --now`: archives the edition up to now and delivers it (e-mail, Discord, webhook). */
export async function runNewsletterSend(env: Env, source: NodeJS.ProcessEnv, out: Writable): Promise<void> {
  const settings = withOverrides(env, source === process.env ? {} : source);
  if (settings.SMTP_URL === undefined || settings.NEWSLETTER_SECRET === undefined) {
    throw new NexuralError('NXR_CONFIG_INVALID', 'newsletter send needs SMTP_URL and NEWSLETTER_SECRET');
  }
  const { store, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
  const newsletter = wireNewsletter(settings, { reader: store, database: jobsDatabase });
  try {
    await store.migrate();
    const sent = await newsletter.service.send();
    if (!sent) {
      out.write('nothing new since the last edition\n');
      return;
    }
    const fresh = sent.outcomes.filter((outcome) => outcome.kind === 'sent').length;
    out.write(`${sent.editionId}: sent ${fresh}, already sent ${sent.outcomes.length - fresh}\n`);
  } finally {
    newsletter.close();
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
      'archive the edition covering the stream since the last one and deliver it (e-mail, Discord, webhook)',
    )
    .option(
      '--now',
      'send now; without it the Mon/Wed/Fri schedule sends (run by serve and the consumers role)',
    )
    .action(async (options: { now?: boolean }) => {
      if (options.now !== true) {
        throw new NexuralError(
          'NXR_CONFIG_INVALID',
          'scheduled sends run in `nexural serve` / `nexural consumers run` (NEWSLETTER_TZ); use --now to send at once',
        );
      }
      await runNewsletterSend(parseEnv(process.env), process.env, process.stdout);
    });
}
