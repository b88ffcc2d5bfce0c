import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContractSubject } from '../contract.js';

const lines = async (path: string) =>
  (await readFile(path, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0);

/** The contract's own consumer: one effect per final bar, and one bar that always fails (a poison bar). */
export const finalBarEffectsSubject: ContractSubject = {
  name: 'final-bar-effects',
  module: fileURLToPath(new URL('./final-bar-effects.ts', import.meta.url)),
  exportName: 'finalBarEffectsConsumer',
  inputs: ['barsFinal'],
  config: (workDir, recorded) => {
    const bars = recorded.filter((record) => record.input === 'barsFinal');
    const poison = JSON.parse(bars[Math.floor(bars.length / 3)]?.value ?? '{}') as { close?: number };
    return { path: join(workDir, 'effects.txt'), failOnClose: poison.close };
  },
  externalEffects: (workDir) => lines(join(workDir, 'effects.txt')),
};

/** Every registered consumer, by name, as the contract runs it. Registering a consumer means adding it here. */
export const registeredSubjects: Readonly<Record<string, ContractSubject>> = {
  'alert-log': {
    name: 'alert-log',
    module: fileURLToPath(new URL('../alert-log/alert-log.ts', import.meta.url)),
    exportName: 'alertLogConsumer',
    inputs: ['alerts'],
    config: (workDir) => ({ path: join(workDir, 'alerts.jsonl') }),
    externalEffects: (workDir) => lines(join(workDir, 'alerts.jsonl')),
  },
};
