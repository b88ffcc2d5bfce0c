import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { consumerRegistry } from '../../consumers/index.js';
import { lockDataDir } from '../../pipeline/runtime/log/embedded/data-dir-lock.js';
import { NexuralError } from '../../schemas/errors.js';
import { automationTriggersListing, explainEmbeddedConflict, listConsumers } from './consumers.js';

/** The error a second user of an embedded log's folder gets (here: the same folder locked twice). */
async function heldFolderError(): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'nexural-consumers-'));
  const lock = lockDataDir(dir);
  try {
    lockDataDir(dir);
    return null;
  } catch (error) {
    return error;
  } finally {
    lock.release();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('nexural consumers run on the embedded defaults', () => {
  it('explains a held data folder: serve runs the consumers, or share Kafka + PostgreSQL, or another folder', async () => {
    const held = await heldFolderError();
    const explained = explainEmbeddedConflict(held, undefined);
    expect(explained).toMatchObject({
      code: 'NXR_CONFIG_INVALID',
      retryable: false,
      details: { option: 'NEXURAL_DATA_DIR' },
      cause: held,
    });
    expect((explained as Error).message).toMatch(
      /the embedded log in .* is in use by process \d+: on the embedded/,
    );
    expect((explained as Error).message).toContain('set KAFKA_BROKERS and DATABASE_URL');
  });

  it('leaves other errors, and any error with Kafka configured, as they are', async () => {
    const other = new NexuralError('NXR_SERVICE_UNAVAILABLE', 'registry down');
    expect(explainEmbeddedConflict(other, undefined)).toBe(other);
    const held = await heldFolderError();
    expect(explainEmbeddedConflict(held, ['127.0.0.1:39092'])).toBe(held);
  });
});

describe('nexural consumers list', () => {
  it('lists automation-triggers with its inputs (alert fan-out, nexural.strategy-signals) and group', () => {
    let text = '';
    const output = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    listConsumers(output, [...consumerRegistry, automationTriggersListing()]);
    expect(text).toContain(
      'automation-triggers — starts automation runs on fired alerts (live fan-out) and strategy signals',
    );
    expect(text).toContain(
      '  inputs: alertsLive (alert fan-out channel, resumed from its saved position), strategySignals (nexural.strategy-signals)',
    );
    expect(text).toContain('  group:  nexural.consumer.automation-triggers');
  });
});
