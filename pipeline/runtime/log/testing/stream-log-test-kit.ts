import { randomUUID } from 'node:crypto';
import type {
  ConsumerOptions,
  LogConsumer,
  LogRecord,
  StreamLog,
} from '../../../../schemas/ports/stream-log.js';

/** Waits until `condition` holds, polling; fails naming what it waited for. */
export async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A consumer that keeps every record it is handed, in order. */
export interface Collector {
  readonly consumer: LogConsumer;
  readonly records: LogRecord[];
  readonly errors: Error[];
  readonly values: () => string[];
}

export async function collect(
  log: StreamLog,
  options: Omit<ConsumerOptions, 'handler'> & { readonly handler?: ConsumerOptions['handler'] },
): Promise<Collector> {
  const records: LogRecord[] = [];
  const errors: Error[] = [];
  const consumer = await log.consume({
    ...options,
    handler: async (batch, control) => {
      await options.handler?.(batch, control);
      records.push(...batch.records);
    },
    onError: (error) => {
      errors.push(error);
      options.onError?.(error);
    },
  });
  return {
    consumer,
    records,
    errors,
    values: () => records.map((record) => record.value?.toString() ?? '∅'),
  };
}

/**
 * Names unique to one test (topics, groups, transactional ids) and the cleanup that deletes them, so runs
 * against a shared broker never meet and leave nothing behind.
 */
export class TestResources {
  private readonly topics: string[] = [];
  private readonly groups: string[] = [];
  private readonly consumers: LogConsumer[] = [];
  private readonly run = randomUUID().slice(0, 8);

  constructor(readonly log: StreamLog) {}

  name(prefix: string): string {
    return `test.${prefix}.${this.run}.${randomUUID().slice(0, 6)}`;
  }

  async topic(partitions: number, compacted = false, prefix = 'topic'): Promise<string> {
    const name = this.name(prefix);
    this.topics.push(name);
    await this.log.admin.createTopics([{ name, partitions, compacted }]);
    return name;
  }

  group(): string {
    const name = this.name('group');
    this.groups.push(name);
    return name;
  }

  async collect(options: Parameters<typeof collect>[1]): Promise<Collector> {
    const collector = await collect(this.log, options);
    this.consumers.push(collector.consumer);
    return collector;
  }

  /** Consumers leave their groups first: a group with members cannot be deleted. */
  async cleanup(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.close()));
    if (this.groups.length > 0) await this.log.admin.deleteGroups(this.groups);
    if (this.topics.length > 0) await this.log.admin.deleteTopics(this.topics);
    await this.log.close();
  }
}
