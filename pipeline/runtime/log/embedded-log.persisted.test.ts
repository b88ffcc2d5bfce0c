import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isNexuralError } from '../../../schemas/errors.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { LogDirectory } from './embedded/log-directory.js';
import { createEmbeddedLog } from './embedded-log.js';
import { streamLogContract } from './stream-log.contract.js';
import { collect, until } from './testing/stream-log-test-kit.js';

const scratch = mkdtempSync(join(tmpdir(), 'nexural-log-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(join(scratch, 'log-'));
const text = (value: string) => Buffer.from(value, 'utf8');

streamLogContract('embedded, persisted', async () => createEmbeddedLog({ dataDir: freshDir() }), {
  timeoutMs: 2000,
});

// tiny segments and cache: most reads of the contract go to segment files on disk
streamLogContract(
  'embedded, persisted, 4 KiB segments and 1 KiB cache',
  async () => createEmbeddedLog({ dataDir: freshDir(), segmentBytes: 4096, cacheBytesPerPartition: 1024 }),
  { timeoutMs: 2000 },
);

async function readAll(log: StreamLog, topic: string, count: number): Promise<string[]> {
  const reader = await collect(log, { groupId: `reader-${Math.random()}`, topics: [topic] });
  await until(() => reader.records.length >= count, `${count} records`, 1000);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await reader.consumer.close();
  return reader.records.map((record) => `${record.offset}:${record.key}=${record.value?.toString() ?? '∅'}`);
}

describe('embedded log persisted to a data directory', () => {
  it('reopens with the same topics, records, offsets, commits and transaction outcomes', async () => {
    const dataDir = freshDir();
    const first = createEmbeddedLog({ dataDir });
    await first.admin.createTopics([
      { name: 'in', partitions: 2, compacted: false },
      { name: 'rules', partitions: 1, compacted: true },
    ]);
    const producer = await first.createProducer();
    await producer.send(['a', 'b', 'c', 'd'].map((key) => ({ topic: 'in', key, value: text(`v-${key}`) })));
    await producer.send([
      { topic: 'rules', key: 'r1', value: text('1') },
      { topic: 'rules', key: 'r1', value: text('2') },
      { topic: 'rules', key: 'r2', value: null },
    ]);
    const transactional = await first.createTransactionalProducer('tx');
    const kept = await transactional.transaction();
    await kept.send([{ topic: 'in', key: 'a', value: text('in-transaction') }]);
    await kept.sendOffsets('g', [{ topic: 'in', partition: 0, offset: '1' }]);
    await kept.commit();
    const dropped = await transactional.transaction();
    await dropped.send([{ topic: 'in', key: 'a', value: text('aborted') }]);
    await dropped.abort();
    const before = await readAll(first, 'in', 5);
    const rulesBefore = await readAll(first, 'rules', 2);
    await first.close();

    const second = createEmbeddedLog({ dataDir });
    expect(await second.admin.listTopics()).toEqual([
      { name: 'in', partitions: 2, compacted: false },
      { name: 'rules', partitions: 1, compacted: true },
    ]);
    expect(await readAll(second, 'in', 5)).toEqual(before);
    expect(before).not.toContainEqual(expect.stringContaining('aborted'));
    expect(await readAll(second, 'rules', 2)).toEqual(rulesBefore);
    expect(rulesBefore).toEqual(['1:r1=2', '2:r2=∅']);
    expect(await second.admin.committedOffsets('g', 'in')).toEqual([
      { topic: 'in', partition: 0, offset: '1' },
      { topic: 'in', partition: 1, offset: null },
    ]);
    expect(await second.admin.partitionRanges('in')).toEqual(await first.admin.partitionRanges('in'));
    await second.close();
  });

  it('refuses a second log on a data directory that is in use', () => {
    const dataDir = freshDir();
    const first = createEmbeddedLog({ dataDir });
    let error: unknown;
    try {
      createEmbeddedLog({ dataDir });
    } catch (caught) {
      error = caught;
    }
    expect(isNexuralError(error) && error.code).toBe('NXR_CONFIG_INVALID');
    return first.close();
  });

  it('completes a transaction whose commit was decided but whose markers were not written before a crash', async () => {
    const dataDir = freshDir();
    const setup = createEmbeddedLog({ dataDir });
    await setup.admin.createTopics([{ name: 't', partitions: 2, compacted: false }]);
    await setup.close();
    const directory = new LogDirectory(dataDir);
    const input = (key: string, value: string) => ({ key, value: text(value), timestamp: 1, headers: {} });
    directory
      .segments('t', 0)
      .append({ kind: 'data', offset: 0, transactionId: 7, input: input('a', 'half') });
    directory
      .segments('t', 1)
      .append({ kind: 'data', offset: 0, transactionId: 7, input: input('b', 'done') });
    directory.flush();
    directory.recordDecision(7, true, new Map([['g', [{ topic: 't', partition: 1, offset: '2' }]]]));
    directory.segments('t', 1).append({ kind: 'control', offset: 1, transactionId: 7, committed: true });
    directory.close();

    const reopened = createEmbeddedLog({ dataDir });
    expect((await readAll(reopened, 't', 2)).sort()).toEqual(['0:a=half', '0:b=done']);
    expect(await reopened.admin.committedOffsets('g', 't')).toEqual([
      { topic: 't', partition: 0, offset: null },
      { topic: 't', partition: 1, offset: '2' },
    ]);
    await reopened.close();
  });

  it('after kill -9, keeps what was acknowledged and drops the open transaction', async () => {
    const dataDir = freshDir();
    const moduleUrl = new URL('./embedded-log.ts', import.meta.url).href;
    const script = join(scratch, 'crash.mts');
    writeFileSync(
      script,
      `import { createEmbeddedLog } from ${JSON.stringify(moduleUrl)};
const log = createEmbeddedLog({ dataDir: ${JSON.stringify(dataDir)} });
await log.admin.createTopics([{ name: 't', partitions: 1, compacted: false }]);
const producer = await log.createProducer();
await producer.send(Array.from({ length: 100 }, (_, i) => ({ topic: 't', key: 'k', value: Buffer.from('r' + i) })));
const consumer = await log.consume({ groupId: 'g', topics: ['t'], handler: async () => {} });
while ((await log.admin.committedOffsets('g', 't'))[0].offset !== '100') await new Promise((r) => setTimeout(r, 5));
const transactional = await log.createTransactionalProducer('tx');
const open = await transactional.transaction();
await open.send([{ topic: 't', key: 'k', value: Buffer.from('never') }]);
process.kill(process.pid, 'SIGKILL');
`,
    );
    const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');

    const reopened = createEmbeddedLog({ dataDir });
    expect(await reopened.admin.committedOffsets('g', 't')).toEqual([
      { topic: 't', partition: 0, offset: '100' },
    ]);
    await (await reopened.createProducer()).send([{ topic: 't', key: 'k', value: text('after restart') }]);
    const values = await readAll(reopened, 't', 101);
    expect(values).toHaveLength(101);
    expect(values.at(-1)).toBe('102:k=after restart');
    expect(values).not.toContainEqual(expect.stringContaining('never'));
    await reopened.close();
  });
});
