import {
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  Routes,
} from 'discord.js';
import type { BotDeps, CommandRequest, OptionValue } from './bot-types.js';
import { commandDefinitions } from './commands/definitions.js';
import { autocomplete, runCommand, slowCommands } from './commands/dispatch.js';
import { discordMessages } from './discord-payload.js';

export interface DiscordBotOptions {
  readonly token: string;
  /** Discord's REST base (`https://discord.com/api` by default; a local fake in tests) */
  readonly restApi?: string;
  /** register the commands in these guilds (development); empty = globally (production) */
  readonly guildIds: readonly string[];
  /** the application the commands are registered for; default: the one READY names */
  readonly applicationId?: string;
  /** answer a command still running after this many ms with deferReply (Discord's limit is 3 s) */
  readonly deferAfterMs?: number;
  readonly logger?: { error(message: string, fields?: Record<string, unknown>): void };
}

export interface DiscordBot {
  readonly client: Client;
  start(): Promise<void>;
  close(): Promise<void>;
}

function requestOf(interaction: ChatInputCommandInteraction): CommandRequest {
  const options: Record<string, OptionValue> = {};
  for (const option of interaction.options.data) {
    const list = option.options ?? [option];
    for (const leaf of list) if (leaf.value !== undefined) options[leaf.name] = leaf.value;
  }
  return {
    name: interaction.commandName,
    subcommand: interaction.options.getSubcommand(false),
    options,
    user: { id: interaction.user.id, name: interaction.user.username },
    guildId: interaction.guildId,
    channelId: interaction.channelId,
  };
}

/** The slash-command bot: the real discord.js Client, its commands registered over REST, each answered in time. */
export function createDiscordBot(options: DiscordBotOptions, deps: BotDeps): DiscordBot {
  const client = new Client({
    // guild messages with their content: follow-ups in the bot's /ask threads (MessageContent is privileged:
    // enable it for the application in the developer portal)
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    ...(options.restApi ? { rest: { api: options.restApi } } : {}),
  });
  const inFlight = new Set<Promise<void>>();

  async function answer(interaction: ChatInputCommandInteraction): Promise<void> {
    let deferred = false;
    if (slowCommands.has(interaction.commandName)) {
      await interaction.deferReply();
      deferred = true;
    }
    // /ask in a guild text channel: the thread will hang on the reply message, and a thread started on a message
    // has the message's id, so the reply's id (it exists once deferred) is the conversation from the start
    const threaded =
      interaction.commandName === 'ask' &&
      deps.analyst !== null &&
      deferred &&
      interaction.channel?.type === ChannelType.GuildText;
    const original = threaded ? await interaction.fetchReply().catch(() => null) : null;
    const request = requestOf(interaction);
    const running = runCommand(original ? { ...request, conversation: original.id } : request, deps);
    const deferAfter = deferred ? 0 : (options.deferAfterMs ?? 2_000);
    const early = await Promise.race([
      running.then((reply) => ({ reply })),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), deferAfter)),
    ]);
    if (early === null && !deferred) {
      await interaction.deferReply();
      deferred = true;
    }
    const reply = early?.reply ?? (await running);
    const [first, ...rest] = discordMessages(reply);
    const flags = reply.ephemeral ? MessageFlags.Ephemeral : undefined;
    if (first) {
      if (deferred && reply.ephemeral) {
        // a deferred reply is public: a private answer (a quota refusal) replaces it with an ephemeral follow-up
        await interaction.deleteReply();
        await interaction.followUp({ ...first, flags: MessageFlags.Ephemeral });
      } else if (deferred) {
        const posted = await interaction.editReply(first);
        if (original) await askThread(posted, String(request.options.question ?? ''));
      } else await interaction.reply({ ...first, ...(flags ? { flags } : {}) });
    }
    for (const message of rest) await interaction.followUp({ ...message, ...(flags ? { flags } : {}) });
  }

  /**
   * A public thread on the /ask reply (POST /channels/:id/messages/:id/threads): its id is the reply's, the
   * conversation's, so the asker's follow-ups there continue it. Without the permission the answer stands alone.
   */
  async function askThread(reply: Message, question: string): Promise<void> {
    try {
      await reply.startThread({ name: `ask: ${question}`.slice(0, 100), autoArchiveDuration: 1440 });
    } catch (error) {
      options.logger?.error('discord: no /ask thread', { error: (error as Error).message });
    }
  }

  /** A message in one of the bot's /ask threads continues that conversation (quota and grounding as /ask). */
  async function onMessage(message: Message): Promise<void> {
    const channel = message.channel;
    if (message.author.bot || !channel.isThread() || channel.ownerId !== client.user?.id) return;
    if (message.content.trim() === '') return;
    await channel.sendTyping().catch(() => undefined);
    const reply = await runCommand(
      {
        name: 'ask',
        subcommand: null,
        options: { question: message.content },
        user: { id: message.author.id, name: message.author.username },
        guildId: message.guildId,
        channelId: channel.id,
        conversation: channel.id,
      },
      deps,
    );
    for (const part of discordMessages(reply)) await channel.send(part);
  }

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) {
      const focused = interaction.options.getFocused(true);
      await interaction.respond(
        await autocomplete({ name: focused.name, value: String(focused.value) }, deps, interaction.user.id),
      );
      return;
    }
    if (interaction.isChatInputCommand()) await answer(interaction);
  }

  client.on(Events.InteractionCreate, (interaction) => {
    const task = onInteraction(interaction)
      .catch((error: Error) => options.logger?.error('discord interaction failed', { error: error.message }))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  });

  client.on(Events.MessageCreate, (message) => {
    const task = onMessage(message)
      .catch((error: Error) => options.logger?.error('discord message failed', { error: error.message }))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  });

  return {
    client,
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(options.token);
      await ready;
      const applicationId = options.applicationId ?? client.application?.id ?? client.user?.id ?? '';
      const body = commandDefinitions;
      if (options.guildIds.length === 0)
        await client.rest.put(Routes.applicationCommands(applicationId), { body });
      for (const guildId of options.guildIds) {
        await client.rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body });
      }
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      await client.destroy();
    },
  };
}
