import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextSnowflake, startFakeDiscord } from '../discord/testing/fake-discord.js';
import type { ContractSubject } from './contract.js';

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

/** One local fake Discord for the contract's runs; each run posts to a channel of its own. */
const contractDiscord = await startFakeDiscord();
contractDiscord.unref();
const discordChannels = new Map<string, string>();
const discordChannelOf = (workDir: string) => {
  const known = discordChannels.get(workDir) ?? nextSnowflake();
  discordChannels.set(workDir, known);
  return known;
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
  discord: {
    name: 'discord',
    module: fileURLToPath(new URL('../discord/discord-consumer.ts', import.meta.url)),
    exportName: 'discordConsumer',
    inputs: ['alerts'],
    // One alert per message: batch boundaries differ between a killed and a clean run, so grouped messages
    // (and their ledger keys) would too; grouping is tested on its own (alert-delivery.test.ts).
    config: (workDir) => ({
      token: contractDiscord.botToken,
      restApi: contractDiscord.restApi,
      routes: [{ channelId: discordChannelOf(workDir) }],
      maxAlertsPerMessage: 1,
      minIntervalMs: 0,
    }),
    externalEffects: async (workDir) => contractDiscord.alertIdsIn(discordChannelOf(workDir)),
  },
};
