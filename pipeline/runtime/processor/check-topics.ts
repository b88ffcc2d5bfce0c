import { NexuralError } from '../../../schemas/errors.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import type { DerivedSerdes } from './encode-outputs.js';
import type { ProcessorTopics } from './processor.js';

/** Every topic the processor reads and writes exists, and the derived and state ones are co-partitioned. */
export async function checkTopics(
  log: StreamLog,
  topics: ProcessorTopics,
  serdes: DerivedSerdes,
): Promise<void> {
  const existing = new Map((await log.admin.listTopics()).map((topic) => [topic.name, topic]));
  const needed = [topics.trades, topics.alertRules, topics.processorState];
  const derived = [serdes.bars, serdes.barsFinal, serdes.indicators, serdes.alerts, serdes.deadLetters];
  const missing = [...needed, ...derived.map((serde) => serde.topic)].filter((name) => !existing.has(name));
  if (missing.length > 0) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `missing topics: ${missing.join(', ')}; create them first (\`nexural topics --create\`)`,
      { missing },
    );
  }
  const partitions = existing.get(topics.trades)?.partitions ?? 0;
  for (const name of [topics.processorState, ...derived.map((serde) => serde.topic)]) {
    const count = existing.get(name)?.partitions;
    if (count !== partitions) {
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        `topic "${name}" has ${count} partitions but "${topics.trades}" has ${partitions}: derived and state topics must be co-partitioned with the raw trades topic`,
        { topic: name },
      );
    }
  }
}
