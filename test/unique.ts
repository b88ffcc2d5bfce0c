import { randomBytes } from 'node:crypto';
import { expect, onTestFinished } from 'vitest';

/**
 * A resource name no other test (or earlier run) uses: `itest-<kind>-<test name slug>-<random>`, e.g.
 * `itest-topic-round-trips-keyed-records-3f9a1c`. Kafka, the registry, Redis and PostgreSQL all accept it
 * (PostgreSQL identifiers: use `uniqueIdentifier`).
 */
export function uniqueName(kind: string): string {
  const slug = (expect.getState().currentTestName ?? 'test')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40)
    .replace(/-$/, '');
  return `itest-${kind}-${slug}-${randomBytes(4).toString('hex')}`;
}

/** Like `uniqueName`, as a lower-case SQL identifier (schemas, tables) that needs no quoting. */
export function uniqueIdentifier(kind: string): string {
  return uniqueName(kind).replace(/-/g, '_');
}

/**
 * Registers cleanup for a resource the test just created; it runs when the test finishes, pass or fail,
 * in reverse order of registration (later resources may depend on earlier ones).
 */
export function onCleanup(cleanup: () => unknown): void {
  onTestFinished(async () => {
    await cleanup();
  });
}
