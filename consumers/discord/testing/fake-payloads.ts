import type { FakeGuild } from './fake-discord.js';

/** An interaction as a test describes it; option values map to Discord option types (integer numbers → INTEGER). */
export interface InteractionInput {
  readonly name: string;
  readonly subcommand?: string;
  readonly options?: Readonly<Record<string, string | number | boolean>>;
  /** autocomplete: the option being typed */
  readonly focused?: string;
  readonly userId: string;
  readonly guildId: string | null;
  readonly channelId: string;
  readonly roles?: readonly string[];
}

const optionType = (value: string | number | boolean): number =>
  typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10;

export function interactionPayload(
  input: InteractionInput,
  ids: { readonly id: string; readonly token: string; readonly applicationId: string },
): Record<string, unknown> {
  const options = Object.entries(input.options ?? {}).map(([name, value]) => ({
    name,
    type: optionType(value),
    value,
    ...(input.focused === name ? { focused: true } : {}),
  }));
  const user = {
    id: input.userId,
    username: `user${input.userId.slice(-4)}`,
    discriminator: '0',
    global_name: null,
    avatar: null,
  };
  return {
    id: ids.id,
    application_id: ids.applicationId,
    type: input.focused === undefined ? 2 : 4,
    token: ids.token,
    version: 1,
    data: {
      id: '1',
      name: input.name,
      type: 1,
      options: input.subcommand ? [{ name: input.subcommand, type: 1, options }] : options,
    },
    ...(input.guildId
      ? {
          guild_id: input.guildId,
          member: {
            user,
            roles: input.roles ?? [],
            permissions: '0',
            joined_at: new Date(0).toISOString(),
            deaf: false,
            mute: false,
            flags: 0,
          },
          channel: { id: input.channelId, type: 0, guild_id: input.guildId, name: 'general' },
        }
      : { user, channel: { id: input.channelId, type: 1 } }),
    channel_id: input.channelId,
    app_permissions: '0',
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: {},
    context: input.guildId ? 0 : 1,
    attachment_size_limit: 10_485_760,
  };
}

/** GUILD_CREATE for a guild with its text channels and roles. */
/** A guild's GUILD_CREATE; `threads` are its active threads (Discord sends them so a reconnecting bot knows them). */
export function gatewayGuild(
  guild: FakeGuild,
  botUserId: string,
  threads: readonly Readonly<Record<string, unknown>>[] = [],
): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: botUserId,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    features: [],
    mfa_level: 0,
    premium_tier: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    system_channel_flags: 0,
    unavailable: false,
    member_count: 1,
    large: false,
    joined_at: new Date(0).toISOString(),
    roles: [
      {
        id: guild.id,
        name: '@everyone',
        permissions: '0',
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
      },
      ...guild.roles.map((role, index) => ({
        id: role.id,
        name: role.name,
        permissions: '0',
        position: index + 1,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
      })),
    ],
    emojis: [],
    stickers: [],
    channels: guild.channelIds.map((id, position) => ({
      id,
      type: 0,
      guild_id: guild.id,
      name: `channel-${position}`,
      position,
      permission_overwrites: [],
    })),
    threads: threads.filter((thread) => thread.guild_id === guild.id),
    members: [],
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
  };
}
