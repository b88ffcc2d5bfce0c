/** Prints rows as an aligned text table (benchmarks print, tests never time). */
export function printTable(title: string, rows: readonly Record<string, string | number>[]): void {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const cell = (value: string | number | undefined) =>
    typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : (value ?? '');
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
  );
  const line = (values: string[]) => values.map((value, i) => value.padStart(widths[i] ?? 0)).join('  ');
  process.stdout.write(`\n${title}\n${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((column) => cell(row[column])))}\n`);
}

/** Sums GC pause time while `run` executes. */
export async function measureGc<T>(run: () => T | Promise<T>): Promise<{ result: T; gcMs: number }> {
  const { PerformanceObserver } = await import('node:perf_hooks');
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  const result = await run();
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  return { result, gcMs };
}

export const mib = (bytes: number): number => bytes / 1024 / 1024;

/**
 * The process's CPU seconds (all threads: GC and libuv included), GC pause ms and peak RSS (sampled every
 * 100 ms) while `run` executes: figures for comparing launch flags on a noisy machine.
 */
export async function measureProcess<T>(
  run: () => Promise<T>,
): Promise<{ result: T; cpuS: number; gcMs: number; peakRssMiB: number }> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);
  const cpuBefore = process.cpuUsage();
  try {
    const { result, gcMs } = await measureGc(run);
    const cpu = process.cpuUsage(cpuBefore);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { result, cpuS: (cpu.user + cpu.system) / 1e6, gcMs, peakRssMiB: mib(peakRss) };
  } finally {
    clearInterval(sampler);
  }
}
