import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { nexuralTopicSpecs, runTopics, topicsCommand } from './topics.js';

function sink(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trimEnd().split('\n') };
}

describe('nexural topics', () => {
  it('knows every live topic, compacting only alert rules and processor state', () => {
    const specs = nexuralTopicSpecs(6);
    expect(specs.filter((spec) => spec.compacted).map((spec) => spec.name)).toEqual([
      'nexural.alert-rules',
      'nexural.processor-state',
    ]);
    expect(specs.map((spec) => spec.name)).toContain('nexural.trades.raw');
    // the alert fan-out's delivery journal: one partition whatever the others have
    expect(specs.find((spec) => spec.name === 'nexural.alerts.deliveries')).toMatchObject({
      partitions: 1,
      compacted: false,
    });
    expect(
      new Set(specs.filter((spec) => !spec.name.endsWith('.deliveries')).map((spec) => spec.partitions)),
    ).toEqual(new Set([6]));
  });

  it('puts a replay namespace on derived topics only', () => {
    const names = nexuralTopicSpecs(2, 'replay-1').map((spec) => spec.name);
    expect(names).toContain('nexural.run.replay-1.bars');
    expect(names).toContain('nexural.trades.raw');
  });

  it('reports missing topics, creates them with --create, then reports them as existing', async () => {
    const log = createEmbeddedLog();
    const specs = nexuralTopicSpecs(3, 'unit-test');
    const before = sink();
    await runTopics(log, specs, false, before.stream);
    expect(
      before
        .lines()
        .slice(1)
        .every((line) => line.endsWith('missing')),
    ).toBe(true);
    const create = sink();
    await runTopics(log, specs, true, create.stream);
    expect(create.lines()).toContainEqual(
      expect.stringMatching(/^nexural\.alert-rules\s+3 {2}compact {2}created$/),
    );
    expect(create.lines()).toContainEqual(
      expect.stringMatching(/^nexural\.trades\.raw\s+3 {2}delete {3}created$/),
    );
    const after = sink();
    await runTopics(log, nexuralTopicSpecs(4, 'unit-test'), false, after.stream);
    expect(after.lines()).toContainEqual(
      expect.stringMatching(
        /^nexural\.run\.unit-test\.bars\s+3 {2}delete {3}exists \(spec says 4 partitions\)$/,
      ),
    );
    await log.close();
  });

  it('explains the embedded log when KAFKA_BROKERS is unset, listing what a stored one holds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nexural-topics-'));
    try {
      const env = { NEXURAL_DATA_DIR: dataDir, NEXURAL_PARTITIONS: '2' };
      const cli = async () => {
        const output = sink();
        await topicsCommand({}, env, output.stream);
        return output.lines().join('\n');
      };
      const empty = await cli();
      expect(empty).toContain('embedded log');
      expect(empty).toContain('nexural.processor-state (compacted)');

      const stored = createEmbeddedLog({ dataDir: join(dataDir, 'log') });
      await stored.admin.createTopics([{ name: 'nexural.trades.raw', partitions: 2, compacted: false }]);
      await stored.close();
      const listed = await cli();
      expect(listed).toMatch(/nexural\.trades\.raw\s+2 {2}delete {3}exists/);
      expect(listed).toMatch(/nexural\.alert-rules\s+2 {2}compact {2}missing/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
