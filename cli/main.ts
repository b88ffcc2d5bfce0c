#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';

type Register = (program: Command) => void;

// One line per command, in help order. Each module adds its own subcommand; it is imported only when needed.
const commands: Readonly<Record<string, () => Promise<Register>>> = {
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  compute: async () => (await import('./commands/compute.js')).registerComputeCommand,
  bars: async () => (await import('./commands/bars.js')).registerBarsCommand,
  alerts: async () => (await import('./commands/alerts.js')).registerAlertsCommand,
  migrate: async () => (await import('./commands/migrate.js')).registerMigrateCommand,
  newsletter: async () => (await import('./commands/newsletter.js')).registerNewsletterCommand,
  discord: async () => (await import('./commands/discord.js')).registerDiscordCommand,
  'sql-server': async () => (await import('./commands/sql-server.js')).registerSqlServerCommand,
  topics: async () => (await import('./commands/topics.js')).registerTopicsCommand,
  run: async () => (await import('./commands/run.js')).registerRunCommand,
  ingest: async () => (await import('./commands/ingest.js')).registerIngestCommand,
  replay: async () => (await import('./commands/replay.js')).registerReplayCommand,
  runs: async () => (await import('./commands/runs.js')).registerRunsCommand,
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  sink: async () => (await import('./commands/sink.js')).registerSinkCommand,
  consumers: async () => (await import('./commands/consumers.js')).registerConsumersCommand,
  backtest: async () => (await import('./commands/backtest.js')).registerBacktestCommand,
  automations: async () => (await import('./commands/automations.js')).registerAutomationsCommand,
};

/**
 * The command this invocation runs (`nexural bars …`, `nexural help bars`), so only its module is loaded;
 * undefined for top-level help, an unknown command or none, which need every command declared.
 */
function requestedCommand(argv: readonly string[]): string | undefined {
  const [first, second] = argv.slice(2);
  const name = first === 'help' ? second : first;
  return name !== undefined && Object.hasOwn(commands, name) ? name : undefined;
}

const program = new Command('nexural')
  .description('Nexural: streaming market data — ticks → bars → indicators → alerts')
  .showHelpAfterError();

const requested = requestedCommand(process.argv);
const loaders = requested === undefined ? Object.values(commands) : [commands[requested]];
for (const load of loaders) if (load) (await load())(program);

await runCli(program, process.argv);
