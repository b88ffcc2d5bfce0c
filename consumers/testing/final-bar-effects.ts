import { appendFile, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { EffectCall } from '../../schemas/ports/effect-ledger.js';
import { defineConsumer } from '../define-consumer.js';

/**
 * The contract's own small consumer: one effect per final bar — a ledger entry with the bar's close, and a line
 * in a file (the external effect), a batch's effects claimed and recorded together. Like any real consumer it checks the file when an earlier call's outcome
 * was never recorded (attempt > 1), so the file holds each effect once.
 */
export const finalBarEffectsConsumer = defineConsumer({
  name: 'final-bar-effects',
  description: 'records one effect per final bar (the consumer contract test consumer)',
  inputs: ['barsFinal'],
  configSchema: z.object({
    path: z.string().min(1).describe('file the effects are appended to'),
    failOnClose: z.number().optional().describe('a close price whose bar fails every time (a poison bar)'),
  }),
  create({ config, ledger }) {
    return {
      async handle(batch) {
        const items = batch.records.map((record) => {
          const bar = record.value;
          if (config.failOnClose !== undefined && bar.close === config.failOnClose) {
            throw new Error(`refusing the bar closing at ${bar.close}`);
          }
          const effectKey = `${bar.venue}:${bar.symbol}:${bar.interval}:${bar.openTime}`;
          const effect = async ({ attempt }: EffectCall) => {
            const line = `${effectKey} ${bar.close}\n`;
            const text = attempt > 1 ? await readFile(config.path, 'utf8').catch(() => '') : '';
            if (!text.split('\n').includes(line.trimEnd())) await appendFile(config.path, line);
            return bar.close;
          };
          return { effectKey, effect, source: record.source };
        });
        await ledger.performBatch(items);
      },
      async close() {},
    };
  },
});
