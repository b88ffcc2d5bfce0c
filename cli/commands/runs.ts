import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { deleteRun, listRuns } from '../../pipeline/ingest/replay/runs.js';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';

type RunsEnv = Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR'>;

const count = (value: number | undefined) => (value === undefined ? '-' : value.toLocaleString('en-US'));

function time(us: number | null): string {
  return us === null ? '' : new Date(us / 1000).toISOString().replace('.000Z', 'Z');
}

/** One line per replay run: name, status, range, counts (and which forming bars were written), duration. */
export async function printRuns(log: StreamLog, output: Writable): Promise<number> {
  const runs = await listRuns(log);
  if (runs.length === 0) {
    output.write('no replay runs (nexural replay --run <name> makes one)\n');
    return 0;
  }
  const rows = runs.map(({ run, manifest, topics }) => {
    if (manifest === null) return [run, 'no manifest', '', '', '', '', '', '', `${topics.length} topics`];
    const { range, counts, request } = manifest;
    const read = range.partitions.filter((p) => p.start !== p.end);
    const offsets = read.map((p) => `${p.partition}:${p.start}-${p.end}`).join(',') || 'empty';
    const times =
      range.fromUs !== null || range.toUs !== null ? ` ${time(range.fromUs)}→${time(range.toUs)}` : '';
    return [
      run,
      manifest.status,
      manifest.createdAt.slice(0, 19).replace('T', ' '),
      `${offsets}${times}${request.symbols.length > 0 ? ` ${request.symbols.join(',')}` : ''}`,
      count(counts?.ticks),
      count(counts?.bars),
      // forming-bar updates among the bars (all, none, N ms); empty for runs from before the option
      request.formingBars ?? '',
      count(counts?.alerts),
      manifest.durationMs === null ? '' : `${(manifest.durationMs / 1000).toFixed(1)} s`,
    ];
  });
  const header = [
    'run',
    'status',
    'created (UTC)',
    'range',
    'ticks',
    'bars',
    'forming',
    'alerts',
    'duration',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of [header, ...rows]) {
    output.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
  return runs.length;
}

async function withLog<T>(env: RunsEnv, work: (log: StreamLog) => Promise<T>): Promise<T> {
  const log = streamLogFromEnv(env);
  try {
    return await work(log);
  } finally {
    await log.close();
  }
}

export function registerRunsCommand(program: Command): void {
  const runs = program
    .command('runs')
    .description('replay runs: list them, or delete one with its topics (nexural runs delete <name>)');
  runs
    .command('list', { isDefault: true })
    .description('list replay runs')
    .action(async () => {
      await withLog(parseEnv(process.env), (log) => printRuns(log, process.stdout));
    });
  runs
    .command('delete <name>')
    .description("delete a run's topics, groups and manifest (and input slices no other run reads)")
    .action(async (name: string) => {
      await withLog(parseEnv(process.env), async (log) => {
        const deleted = await deleteRun(log, name);
        process.stdout.write(
          `deleted run ${name}: ${deleted.topics.length} topics${deleted.shared.length > 0 ? `, shared inputs ${deleted.shared.join(', ')}` : ''}\n`,
        );
      });
    });
}
