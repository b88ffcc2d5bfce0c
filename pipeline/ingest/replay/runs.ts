import { NexuralError } from '../../../schemas/errors.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { replayGroup, runPrefix, SHARED_PREFIX } from './replay-topics.js';
import { type RunManifest, readCatalog, runKey, sharedKey, writeCatalog } from './run-catalog.js';

export interface RunListing {
  readonly run: string;
  /** null: topics of a run without a manifest (written by hand, or by another tool) */
  readonly manifest: RunManifest | null;
  readonly topics: readonly string[];
}

const RUN_TOPIC = /^nexural\.run\.([a-z0-9][a-z0-9_-]{0,62})\./;

/** Every replay run: its manifest from the catalog and the derived topics it has in the log. */
export async function listRuns(log: StreamLog): Promise<RunListing[]> {
  const catalog = await readCatalog(log);
  const topics = (await log.admin.listTopics()).map((topic) => topic.name);
  const names = new Set(catalog.runs.keys());
  for (const name of topics) {
    const run = RUN_TOPIC.exec(name)?.[1];
    if (run !== undefined) names.add(run);
  }
  return [...names].sort().map((run) => ({
    run,
    manifest: catalog.runs.get(run) ?? null,
    topics: topics.filter((name) => name.startsWith(runPrefix(run))).sort(),
  }));
}

export interface DeletedRun {
  readonly topics: readonly string[];
  /** input slices and rule snapshots no other run reads any more */
  readonly shared: readonly string[];
}

/**
 * Deletes a run: its derived topics, its consumer groups and its manifest, then the shared input topics
 * (slices, rules snapshots) that no remaining run refers to. Live topics are never touched.
 */
export async function deleteRun(log: StreamLog, run: string): Promise<DeletedRun> {
  const catalog = await readCatalog(log);
  const all = (await log.admin.listTopics()).map((topic) => topic.name);
  const topics = all.filter((name) => name.startsWith(runPrefix(run)));
  if (topics.length === 0 && !catalog.runs.has(run)) {
    const known = [...catalog.runs.keys()].join(', ') || 'none';
    throw new NexuralError('NXR_CONFIG_INVALID', `no run "${run}"; runs: ${known}`, { run });
  }
  if (topics.length > 0) await log.admin.deleteTopics(topics);
  await log.admin.deleteGroups([replayGroup(run), `${replayGroup(run)}.copy`]).catch(() => {});
  await writeCatalog(log, runKey(run), null);
  const stillRead = new Set(
    [...catalog.runs.values()]
      .filter((other) => other.run !== run)
      .flatMap((other) => [other.slice, other.rules]),
  );
  const shared = [
    ...new Set([...catalog.shared.keys(), ...all.filter((name) => name.startsWith(SHARED_PREFIX))]),
  ]
    .filter((name) => !stillRead.has(name))
    .sort();
  const present = shared.filter((name) => all.includes(name));
  if (present.length > 0) await log.admin.deleteTopics(present);
  for (const name of shared) if (catalog.shared.has(name)) await writeCatalog(log, sharedKey(name), null);
  return { topics, shared: present };
}
