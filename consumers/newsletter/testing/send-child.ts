// A newsletter send in its own process, for the kill -9 test: node --import tsx send-child.ts DATA_DIR SMTP_URL a@x,b@x
import { PGlite } from '@electric-sql/pglite';
import { createTransport } from 'nodemailer';
import { loadMigrations } from '../../../pipeline/store/migration-files.js';
import { migrate } from '../../../pipeline/store/migrator.js';
import { pgliteDatabase } from '../../../pipeline/store/pglite-database.js';
import { sqlEffectLedgerStore } from '../../../pipeline/store/sql-effect-ledger.js';
import { deliverEdition } from '../deliver.js';

const [dataDir = '', smtpUrl = '', recipients = ''] = process.argv.slice(2);
const db = pgliteDatabase(await PGlite.create(dataDir));
await migrate(db, await loadMigrations());
const ledger = sqlEffectLedgerStore(db).forConsumer('newsletter');
const transport = createTransport(smtpUrl);
const outcomes = await deliverEdition(
  ledger,
  transport,
  'ed-crash',
  recipients.split(','),
  (to, messageId) => ({
    from: 'letters@nexural.test',
    to,
    messageId,
    subject: 'crash test edition',
    text: `hello ${to}`,
  }),
);
transport.close();
await db.close();
process.stdout.write(JSON.stringify(outcomes));
