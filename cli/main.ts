#!/usr/bin/env node
import { Command } from 'commander';
import { registerAlertsCommand } from './commands/alerts.js';
import { registerAutomationsCommand } from './commands/automations.js';
import { registerBacktestCommand } from './commands/backtest.js';
import { registerBarsCommand } from './commands/bars.js';
import { registerComputeCommand } from './commands/compute.js';
import { registerConsumersCommand } from './commands/consumers.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDiscordCommand } from './commands/discord.js';
import { registerIngestCommand } from './commands/ingest.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerNewsletterCommand } from './commands/newsletter.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerRunCommand } from './commands/run.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSinkCommand } from './commands/sink.js';
import { registerSqlServerCommand } from './commands/sql-server.js';
import { registerTopicsCommand } from './commands/topics.js';
import { runCli } from './run-cli.js';

const program = new Command('nexural')
  .description('Nexural: streaming market data — ticks → bars → indicators → alerts')
  .showHelpAfterError();

// One line per command; each module adds its own subcommand.
const commands: ReadonlyArray<(program: Command) => void> = [
  registerDemoCommand,
  registerComputeCommand,
  registerBarsCommand,
  registerAlertsCommand,
  registerMigrateCommand,
  registerNewsletterCommand,
  registerDiscordCommand,
  registerSqlServerCommand,
  registerTopicsCommand,
  registerRunCommand,
  registerIngestCommand,
  registerReplayCommand,
  registerRunsCommand,
  registerServeCommand,
  registerSinkCommand,
  registerConsumersCommand,
  registerBacktestCommand,
  registerAutomationsCommand,
];
for (const register of commands) register(program);

await runCli(program, process.argv);
