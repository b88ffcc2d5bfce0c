import { appendFile, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { EffectCall } from '../../schemas/ports/effect-ledger.js';
import { defineConsumer } from '../define-consumer.js';

/**
 * A test consumer of the live alert fan-out: one line per delivered alert (the external effect), a batch's
 * effects claimed and recorded together; on attempt > 1 it looks in the file first.
 */
export const liveAlertEffectsConsumer = defineConsumer({
  name: 'live-alert-effects',
  description: 'appends one line per alert delivered by the fan-out (channel input test consumer)',
  inputs: ['alertsLive'],
  configSchema: z.object({ path: z.string().min(1).describe('file the lines are appended to') }),
  create({ config, ledger }) {
    return {
      async handle(batch) {
        await ledger.performBatch(
          batch.records.map((record) => {
            const line = `${record.source.offset} ${record.value.id}`;
            const effect = async ({ attempt }: EffectCall) => {
              const text = attempt > 1 ? await readFile(config.path, 'utf8').catch(() => '') : '';
              if (!text.split('\n').includes(line)) await appendFile(config.path, `${line}\n`);
              return 'appended';
            };
            return { effectKey: `alert:${record.value.id}`, effect, source: record.source };
          }),
        );
      },
      async close() {},
    };
  },
});
