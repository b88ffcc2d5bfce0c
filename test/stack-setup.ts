import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { parseEnv } from '../schemas/env.js';
import type { StackEnv } from './stack-env.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Global setup of the integration project: brings the local stack up (scripts/stack up is idempotent and
 * returns at once when everything already runs) unless NEXURAL_EXTERNAL_SERVICES=1 says the services are
 * external. The stack stays up afterwards so the next run is fast; `scripts/stack down` (or .ci/run) stops it.
 */
export default async function setup(project: TestProject): Promise<void> {
  const external = process.env.NEXURAL_EXTERNAL_SERVICES === '1';
  const printed = external ? {} : parseEnvLines(await runStackUp());
  const missing: string[] = [];
  // A value the user set wins over the stack's, so tests can point at other services.
  const pick = (name: keyof StackEnv): string => {
    const value = process.env[name] || printed[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const env: StackEnv = {
    KAFKA_BROKERS: pick('KAFKA_BROKERS'),
    SCHEMA_REGISTRY_URL: pick('SCHEMA_REGISTRY_URL'),
    DATABASE_URL: pick('DATABASE_URL'),
    REDIS_URL: pick('REDIS_URL'),
  };
  if (missing.length > 0) {
    throw new Error(
      external
        ? `NEXURAL_EXTERNAL_SERVICES=1 but ${missing.join(', ')} not set; set them to the services' addresses`
        : `scripts/stack up did not print ${missing.join(', ')}`,
    );
  }
  parseEnv({ ...env });
  for (const [name, value] of Object.entries(env)) {
    process.env[name] = value;
    console.log(`integration tests use ${name}=${value}`);
  }
  project.provide('stackEnv', env);
  project.provide('externalServices', external);
}

function runStackUp(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/stack', 'up'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `scripts/stack up failed (exit ${code}); its output is above, service logs are in .stack/logs/. ` +
              'To use services you run yourself, set NEXURAL_EXTERNAL_SERVICES=1 and their env vars.',
          ),
        );
    });
  });
}

function parseEnvLines(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) env[match[1]] = match[2];
  }
  return env;
}
