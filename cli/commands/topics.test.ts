import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { nexuralTopicSpecs, runTopics } from './topics.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

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
    expect(new Set(specs.map((spec) => spec.partitions))).toEqual(new Set([6]));
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

  it('says plainly that the embedded log has nothing to list when KAFKA_BROKERS is unset', () => {
    const env = { ...process.env, KAFKA_BROKERS: '' };
    const run = spawnSync('npx', ['tsx', 'cli/main.ts', 'topics'], { cwd: repoRoot, env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('embedded in-process log');
    expect(run.stdout).toContain('nexural.processor-state (compacted)');
  });
});
