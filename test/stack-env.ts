import { inject } from 'vitest';

/** Connection settings of the services integration tests run against: exactly the env vars the app reads. */
export interface StackEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  DATABASE_URL: string;
  REDIS_URL: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: StackEnv;
    /** True when the services are external (NEXURAL_EXTERNAL_SERVICES=1, e.g. docker compose). */
    externalServices: boolean;
  }
}

/** The services' settings, as provided by test/stack-setup.ts (integration project only). */
export function stackEnv(): StackEnv {
  return inject('stackEnv');
}

export function kafkaBrokers(): string[] {
  return stackEnv()
    .KAFKA_BROKERS.split(',')
    .map((broker) => broker.trim());
}

export function externalServices(): boolean {
  return inject('externalServices');
}
