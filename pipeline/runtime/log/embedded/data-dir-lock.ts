import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NexuralError } from '../../../../schemas/errors.js';

const heldHere = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One writer per data directory: two logs appending to the same files would interleave frames. A lock left
 * by a process that died (kill -9) is taken over, since its pid is gone.
 */
export function lockDataDir(directory: string): { release(): void } {
  const root = resolve(directory);
  const path = join(root, 'LOCK');
  mkdirSync(root, { recursive: true });
  let holder: number | null = null;
  try {
    holder = Number(readFileSync(path, 'utf8'));
  } catch {
    holder = null;
  }
  if (heldHere.has(root) || (holder !== null && holder !== process.pid && alive(holder))) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `the embedded log in ${root} is in use by process ${heldHere.has(root) ? process.pid : holder}`,
      { dataDir: root },
    );
  }
  writeFileSync(path, String(process.pid));
  heldHere.add(root);
  return {
    release() {
      heldHere.delete(root);
      rmSync(path, { force: true });
    },
  };
}
