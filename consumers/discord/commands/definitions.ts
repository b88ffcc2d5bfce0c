import { type RESTPostAPIChatInputApplicationCommandsJSONBody, SlashCommandBuilder } from 'discord.js';

const symbol =
  (required = true) =>
  (option: import('discord.js').SlashCommandStringOption) =>
    option
      .setName('symbol')
      .setDescription('symbol, e.g. BTCUSDT or binance:BTCUSDT')
      .setRequired(required)
      .setAutocomplete(true);
const watchlist = (option: import('discord.js').SlashCommandStringOption) =>
  option.setName('watchlist').setDescription('watchlist id (default: your first)').setRequired(false);
const interval = (option: import('discord.js').SlashCommandStringOption) =>
  option.setName('interval').setDescription('bar interval (default 1m)').setRequired(false);
const strategyName = (option: import('discord.js').SlashCommandStringOption) =>
  option.setName('name').setDescription('strategy id or name').setRequired(true).setAutocomplete(true);

/** Every slash command the bot registers, as Discord's JSON (positional order = `nexural discord try` order). */
export const commandDefinitions: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  new SlashCommandBuilder()
    .setName('price')
    .setDescription('latest price of a symbol')
    .addStringOption(symbol()),
  new SlashCommandBuilder()
    .setName('bars')
    .setDescription('latest bars of a symbol')
    .addStringOption(symbol())
    .addStringOption(interval)
    .addIntegerOption((o) =>
      o.setName('count').setDescription('bars (1–50, default 10)').setMinValue(1).setMaxValue(50),
    ),
  new SlashCommandBuilder()
    .setName('indicator')
    .setDescription('latest value of an indicator')
    .addStringOption(symbol())
    .addStringOption((o) =>
      o.setName('spec').setDescription('e.g. rsi(14), macd(12,26,9)').setRequired(true).setAutocomplete(true),
    )
    .addStringOption(interval),
  new SlashCommandBuilder()
    .setName('chart')
    .setDescription('candlestick chart with volume and indicators (PNG)')
    .addStringOption(symbol())
    .addStringOption(interval)
    .addStringOption((o) =>
      o.setName('indicators').setDescription('e.g. "sma(20);bbands(20,2)"').setAutocomplete(true),
    )
    .addIntegerOption((o) =>
      o.setName('count').setDescription('bars (1–300, default 60)').setMinValue(1).setMaxValue(300),
    ),
  new SlashCommandBuilder()
    .setName('alerts')
    .setDescription('your alert rules')
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('add a rule: SOURCE OP THRESHOLD [on INTERVAL]')
        .addStringOption(symbol())
        .addStringOption((o) =>
          o.setName('rule').setDescription('e.g. price crossing_up 65000 on 1m').setRequired(true),
        ),
    )
    .addSubcommand((s) => s.setName('list').setDescription('list your rules'))
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('remove a rule')
        .addStringOption((o) => o.setName('id').setDescription('rule id').setRequired(true)),
    ),
  new SlashCommandBuilder()
    .setName('why')
    .setDescription('why an alert fired: rule, trigger, values, stream position')
    .addStringOption((o) => o.setName('alert_id').setDescription('alert event id').setRequired(true)),
  new SlashCommandBuilder()
    .setName('replay')
    .setDescription('bars as they were streamed')
    .addStringOption(symbol())
    .addStringOption((o) => o.setName('from').setDescription('ISO time').setRequired(true))
    .addStringOption((o) => o.setName('to').setDescription('ISO time').setRequired(true))
    .addStringOption(interval),
  new SlashCommandBuilder()
    .setName('link')
    .setDescription('link your Nexural account (the reply is only shown to you)')
    .addStringOption((o) => o.setName('key').setDescription('a Nexural API key').setRequired(true)),
  new SlashCommandBuilder().setName('plan').setDescription('your plan and its limits'),
  new SlashCommandBuilder()
    .setName('ask')
    .setDescription('ask the market analyst (answers from Nexural data only)')
    .addStringOption((o) => o.setName('question').setDescription('your question').setRequired(true)),
  new SlashCommandBuilder()
    .setName('watchlist')
    .setDescription('your watchlists')
    .addSubcommand((s) => s.setName('show').setDescription('show your watchlists').addStringOption(watchlist))
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('add a symbol to a watchlist')
        .addStringOption(symbol())
        .addStringOption(watchlist),
    )
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('remove a symbol from a watchlist')
        .addStringOption(symbol())
        .addStringOption(watchlist),
    ),
  new SlashCommandBuilder()
    .setName('note')
    .setDescription('your research notes')
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('save a note with a snapshot of the market (#tags become tags)')
        .addStringOption((o) =>
          o
            .setName('text')
            .setDescription('the note (first line = title)')
            .setRequired(true)
            .setMaxLength(4000),
        )
        .addStringOption(symbol(false)),
    )
    .addSubcommand((s) =>
      s
        .setName('search')
        .setDescription('full-text search over your notes')
        .addStringOption((o) =>
          o.setName('query').setDescription('words, "a phrase", -excluded, or').setRequired(true),
        ),
    ),
  new SlashCommandBuilder()
    .setName('strategy')
    .setDescription('your paper-trading strategies')
    .addSubcommand((s) =>
      s.setName('status').setDescription('open positions and the last signal').addStringOption(strategyName),
    )
    .addSubcommand((s) =>
      s
        .setName('performance')
        .setDescription('total return, drawdown, win rate, trades… with their as-of time')
        .addStringOption(strategyName),
    ),
].map((builder) => builder.toJSON());
