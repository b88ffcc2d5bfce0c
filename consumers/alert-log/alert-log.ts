import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
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
 * deterministic, so it is the effect key; a redelivered alert finds its key done in the ledger. If the process
 * died between the append and the ledger write, the next attempt (attempt > 1) looks in the file first.
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
        for (const record of batch.records) {
          const event = record.value;
          if (event.kind !== 'fired' || (wanted.size > 0 && !wanted.has(event.owner))) continue;
          const effectKey = `alert:${event.id}`;
          const outcome = await ledger.perform(
            effectKey,
            async ({ attempt }) => {
              if (attempt > 1 && (await alreadyAppended(config.path, effectKey))) return 'found';
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
            },
            record.source,
          );
          if (outcome.kind === 'performed') metrics.count('alerts_appended');
        }
      },
      async close() {},
    };
  },
});
