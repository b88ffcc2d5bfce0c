import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { EffectCall } from '../../schemas/ports/effect-ledger.js';
import { defineConsumer } from '../define-consumer.js';

const configSchema = z.object({
  path: z
    .string()
    .min(1)
    .default('.data/alert-log.jsonl')
    .describe(
      'file the fired alerts are appended to, one JSON object per line (default .data/alert-log.jsonl)',
    ),
  owners: z
    .array(z.string().min(1))
    .default([])
    .describe('only alerts of these rule owners; empty (default) = every owner'),
});

/** Whether a line with this effect key is already in the file (the check after an unrecorded earlier call). */
async function alreadyAppended(path: string, effectKey: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.includes(`"effectKey":${JSON.stringify(effectKey)}`);
}

/**
 * The smallest real consumer: appends every fired alert to a file, once. The alert event id is
 * deterministic, so it is the effect key; the alerts of a batch are claimed and recorded in the ledger together
 * (`performBatch`), and a redelivered alert finds its key done. If the process died between an append and the
 * batch's ledger write, the next attempt (attempt > 1) looks in the file first, and says 'appended' either way.
 */
export const alertLogConsumer = defineConsumer({
  name: 'alert-log',
  description: 'appends every fired alert to a JSON-lines file, exactly once per alert event',
  inputs: ['alerts'],
  configSchema,
  create({ config, ledger, metrics }) {
    const wanted = new Set(config.owners);
    return {
      async handle(batch) {
        const items = batch.records.flatMap((record) => {
          const event = record.value;
          if (event.kind !== 'fired' || (wanted.size > 0 && !wanted.has(event.owner))) return [];
          const effectKey = `alert:${event.id}`;
          const effect = async ({ attempt }: EffectCall) => {
            if (attempt > 1 && (await alreadyAppended(config.path, effectKey))) return 'appended';
            await mkdir(dirname(config.path), { recursive: true });
            const line = {
              effectKey,
              time: event.time,
              owner: event.owner,
              ruleId: event.ruleId,
              symbol: `${event.venue}:${event.symbol}`,
              message: event.message,
            };
            await appendFile(config.path, `${JSON.stringify(line)}\n`);
            return 'appended';
          };
          return [{ effectKey, effect, source: record.source }];
        });
        const outcomes = await ledger.performBatch(items);
        metrics.count('alerts_appended', outcomes.filter((outcome) => outcome.kind === 'performed').length);
      },
      async close() {},
    };
  },
});
