import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const nexural = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });

// main.ts imports a command's module only when that command runs; help must still show every command.
describe('nexural CLI', () => {
  it('lists every command in --help, in order', () => {
    const result = nexural('--help');
    expect(result.status).toBe(0);
    const commandLines = result.stdout.split('Commands:\n')[1]?.split('\n') ?? [];
    const names = commandLines.map((line) => /^ {2}([a-z-]+)/.exec(line)?.[1]).filter((name) => name);
    expect(names).toEqual([
      'demo',
      'compute',
      'bars',
      'alerts',
      'migrate',
      'newsletter',
      'discord',
      'sql-server',
      'topics',
      'run',
      'ingest',
      'replay',
      'runs',
      'serve',
      'sink',
      'consumers',
      'backtest',
      'automations',
      'help',
    ]);
  });

  it("shows a command's options in `<cmd> --help` and `help <cmd>`", () => {
    const flagHelp = nexural('bars', '--help');
    expect(flagHelp.status).toBe(0);
    expect(flagHelp.stdout).toMatch(/^Usage: nexural bars \[options\]/);
    expect(flagHelp.stdout).toContain('--interval <interval>  bar interval, repeatable');
    expect(flagHelp.stdout).toContain('--first-bar <policy>');
    expect(nexural('help', 'bars').stdout).toBe(flagHelp.stdout);
  });
});
