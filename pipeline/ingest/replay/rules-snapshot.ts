import { createHash } from 'node:crypto';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { openTableReader } from '../../runtime/processor/table-reader.js';
import { ensureShared, rulesTopic } from './replay-topics.js';
import { type Catalog, sharedKey, writeCatalog } from './run-catalog.js';

/**
 * Freezes the alert rules as they are now into a topic named by their content, so a replay is not
 * changed by rule edits made while it runs, and two replays under the same rules read the same topic
 * (rules that fail validation reach the dead-letter topic citing it, identically). Returns its name.
 */
export async function snapshotRules(log: StreamLog, liveRules: string, catalog: Catalog): Promise<string> {
  const entries: [string, Buffer][] = [];
  if ((await log.admin.listTopics()).some((topic) => topic.name === liveRules)) {
    const reader = await openTableReader({ log, topics: [liveRules], groupPrefix: 'nexural-replay.rules' });
    try {
      await reader.readToEnd(liveRules, 30_000);
      entries.push(...reader.entries(liveRules));
    } finally {
      await reader.close();
    }
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [key, value] of entries) hash.update(`${key.length}:${key}${value.length}:`).update(value);
  const name = rulesTopic(hash.digest('hex').slice(0, 16));
  if (catalog.shared.get(name)?.complete === true) return name;
  await ensureShared(log, name, 1);
  if (entries.length > 0) {
    const producer = await log.createProducer();
    try {
      await producer.send(entries.map(([key, value]) => ({ topic: name, key, value, partition: 0 })));
    } finally {
      await producer.close();
    }
  }
  await writeCatalog(log, sharedKey(name), { topic: name, complete: true, records: entries.length });
  return name;
}
