import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { gatewayGuild, type InteractionInput, interactionPayload } from './fake-payloads.js';

/** A file the bot attached to a message (parsed from the multipart body discord.js sends). */
export interface FakeAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** A message as the fake stored it: JSON body fields plus the attached files. */
export interface FakeMessage {
  readonly id: string;
  readonly channelId: string;
  readonly content: string;
  readonly embeds: readonly Record<string, unknown>[];
  readonly attachments: readonly FakeAttachment[];
  readonly nonce: string | null;
  readonly flags: number;
  /** the channel Discord shows it in (an interaction's reply: the channel the command was used in) */
  readonly postedIn?: string;
}

/** What the bot answered an interaction with: the callback type and the final message (after edits). */
export interface FakeInteractionReply {
  readonly interactionId: string;
  readonly callbackType: number;
  readonly deferredAfterMs: number;
  readonly message: FakeMessage | null;
  /** the bot deleted its original response (DELETE …/messages/@original), e.g. to answer privately instead */
  readonly deleted: boolean;
  readonly followUps: readonly FakeMessage[];
  readonly choices: readonly { name: string; value: string | number }[];
}

export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly channelIds: readonly string[];
  readonly roles: readonly { id: string; name: string }[];
}

interface InteractionState {
  readonly token: string;
  readonly sentAt: number;
  /** the id of the original response (the same through defer and edits, as on Discord) */
  readonly originalId: string;
  readonly channelId: string;
  callbackType: number | null;
  deferredAfterMs: number;
  message: FakeMessage | null;
  deleted: boolean;
  followUps: FakeMessage[];
  choices: { name: string; value: string | number }[];
  done: boolean;
  waiters: (() => void)[];
}

export interface FakeDiscord {
  /** base for discord.js `rest.api` */
  readonly restApi: string;
  readonly applicationId: string;
  readonly botToken: string;
  /** application commands as registered, by scope (`global` or the guild id) */
  readonly commands: Map<string, readonly Record<string, unknown>[]>;
  readonly channelMessages: Map<string, FakeMessage[]>;
  /** threads the bot created (POST /channels/:id/threads, or on a message: …/messages/:id/threads, id = the message's), by id: their channel JSON (name, parent_id, owner_id) */
  readonly threads: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** member roles by `guild/user` (a key here is a guild member: listed by GET /guilds/:id/members) */
  readonly memberRoles: Map<string, Set<string>>;
  readonly identifies: number;
  readonly heartbeats: number;
  addGuild(guild: FakeGuild): void;
  /** Sends an INTERACTION_CREATE over the gateway and resolves with the bot's finished reply. */
  interact(input: InteractionInput, options?: { readonly timeoutMs?: number }): Promise<FakeInteractionReply>;
  /** Sends a MESSAGE_CREATE over the gateway. */
  message(channelId: string, guildId: string | null, content: string, userId: string): void;
  /** Resolves once `count` messages were posted to the channel. */
  waitForMessages(channelId: string, count: number, timeoutMs?: number): Promise<readonly FakeMessage[]>;
  /** Polls `condition` until it holds; fails naming `what` after `timeoutMs` (default 30 s). */
  waitFor(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Makes the next `count` REST calls matching the path answer 429 (retry_after `retryAfter` s). */
  rateLimitNext(pathPart: string, count: number, retryAfter?: number): void;
  /** Alert ids in the embeds' footers (`alert <id> · …`) of the channel's messages, in order. */
  alertIdsIn(channelId: string): string[];
  /** Lets the process exit while the fake still listens (a fake shared by a whole test file). */
  unref(): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON or multipart (payload_json + files[n]) bodies, as discord.js sends them. */
async function parsePayload(
  req: IncomingMessage,
  raw: Buffer,
): Promise<{ body: Record<string, unknown>; files: FakeAttachment[] }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: raw,
    }).formData();
    const files: FakeAttachment[] = [];
    let body: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json' && typeof value === 'string') body = JSON.parse(value);
      else if (typeof value !== 'string') {
        files.push({
          name: value.name,
          contentType: value.type,
          data: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { body, files };
  }
  return { body: raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {}, files: [] };
}

let snowflake = 1_300_000_000_000_000_000n;
export const nextSnowflake = (): string => String(++snowflake);

/**
 * A local Discord for tests: the REST API discord.js calls (gateway info, commands, interaction callbacks,
 * webhook edits, channel messages with attachments and nonce de-duplication, DMs, member roles, the member list
 * paged by `after`) and a gateway
 * WebSocket (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeat ACKs, dispatches). The real discord.js Client
 * connects to it with `rest: { api: fake.restApi }`. Binds 127.0.0.1 on a free port.
 */
export async function startFakeDiscord(
  options: { readonly heartbeatMs?: number } = {},
): Promise<FakeDiscord> {
  const applicationId = nextSnowflake();
  const botUserId = applicationId;
  const botToken = `fake.${randomUUID()}`;
  const guilds = new Map<string, FakeGuild>();
  const commands = new Map<string, readonly Record<string, unknown>[]>();
  const channelMessages = new Map<string, FakeMessage[]>();
  const memberRoles = new Map<string, Set<string>>();
  const interactions = new Map<string, InteractionState>();
  const dmChannels = new Map<string, string>();
  /** threads created over REST: id → channel JSON */
  const threads = new Map<string, Record<string, unknown>>();
  const messageWaiters: (() => void)[] = [];
  const rateLimits: { pathPart: string; left: number; retryAfter: number }[] = [];
  const sockets = new Set<WebSocket>();
  let sequence = 0;
  let identifies = 0;
  let heartbeats = 0;

  const settle = (state: InteractionState) => {
    state.done = true;
    for (const waiter of state.waiters.splice(0)) waiter();
  };
  const storeMessage = (
    channelId: string,
    body: Record<string, unknown>,
    files: FakeAttachment[],
    fixed: { readonly id?: string; readonly postedIn?: string } = {},
  ): FakeMessage => {
    const list = channelMessages.get(channelId) ?? [];
    const nonce = body.nonce === undefined ? null : String(body.nonce);
    if (nonce !== null && body.enforce_nonce === true) {
      const earlier = list.find((message) => message.nonce === nonce);
      if (earlier) return earlier;
    }
    const message: FakeMessage = {
      id: fixed.id ?? nextSnowflake(),
      channelId,
      ...(fixed.postedIn ? { postedIn: fixed.postedIn } : {}),
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? (body.embeds as Record<string, unknown>[]) : [],
      attachments: files,
      nonce,
      flags: typeof body.flags === 'number' ? body.flags : 0,
    };
    list.push(message);
    channelMessages.set(channelId, list);
    for (const waiter of messageWaiters.splice(0)) waiter();
    return message;
  };
  const messageJson = (message: FakeMessage) => ({
    id: message.id,
    channel_id: message.postedIn ?? message.channelId,
    content: message.content,
    embeds: message.embeds,
    nonce: message.nonce,
    attachments: message.attachments.map((file, index) => ({
      id: String(index),
      filename: file.name,
      size: file.data.length,
      url: `http://127.0.0.1/attachments/${file.name}`,
      proxy_url: `http://127.0.0.1/attachments/${file.name}`,
    })),
    author: {
      id: botUserId,
      username: 'nexural',
      discriminator: '0',
      bot: true,
      avatar: null,
      global_name: null,
    },
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    pinned: false,
    type: 0,
    flags: message.flags,
    components: [],
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname).replace(/^\/api(\/v\d+)?/, '');
    const method = req.method ?? 'GET';
    const limit = rateLimits.find((entry) => entry.left > 0 && path.includes(entry.pathPart));
    if (limit) {
      limit.left -= 1;
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(limit.retryAfter),
        'x-ratelimit-scope': 'user',
      });
      res.end(
        JSON.stringify({
          message: 'You are being rate limited.',
          retry_after: limit.retryAfter,
          global: false,
        }),
      );
      return;
    }
    if (req.headers.authorization !== undefined && req.headers.authorization !== `Bot ${botToken}`) {
      json(res, 401, { message: '401: Unauthorized', code: 0 });
      return;
    }
    const raw = await readBody(req);
    const { body, files } = await parsePayload(req, raw);
    let match: RegExpMatchArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      const address = server.address() as AddressInfo;
      return json(res, 200, {
        url: `ws://127.0.0.1:${address.port}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    match = path.match(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/);
    if (match && method === 'PUT') {
      const scope = match[2] ?? 'global';
      const list = (body as unknown as Record<string, unknown>[]).map((command) => ({
        ...command,
        id: nextSnowflake(),
        application_id: applicationId,
        version: nextSnowflake(),
        ...(match?.[2] ? { guild_id: match[2] } : {}),
      }));
      commands.set(scope, list);
      return json(res, 200, list);
    }
    match = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/);
    if (match && method === 'POST') {
      const state = interactions.get(match[1] ?? '');
      if (!state || state.token !== match[2])
        return json(res, 404, { message: 'Unknown interaction', code: 10062 });
      if (state.callbackType !== null) {
        return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      }
      const type = Number(body.type);
      const data = (body.data ?? {}) as Record<string, unknown>;
      state.callbackType = type;
      state.deferredAfterMs = Date.now() - state.sentAt;
      if (type === 4) {
        state.message = storeMessage(`interaction:${match[1]}`, data, files, {
          id: state.originalId,
          postedIn: state.channelId,
        });
        settle(state);
      } else if (type === 8) {
        state.choices = (data.choices ?? []) as { name: string; value: string | number }[];
        settle(state);
      }
      if (url.searchParams.get('with_response') === 'true') {
        return json(res, 200, {
          interaction: { id: match[1], type: 2, response_message_id: state.message?.id ?? null },
          resource: state.message ? { type, message: messageJson(state.message) } : { type },
        });
      }
      res.writeHead(204);
      res.end();
      return;
    }
    match = path.match(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/);
    if (match) {
      const state = [...interactions.entries()].find(([, entry]) => entry.token === match?.[2]);
      if (!state) return json(res, 404, { message: 'Unknown Webhook', code: 10015 });
      const [id, entry] = state;
      if (method === 'PATCH' && match[3] === '@original') {
        const previous = entry.message;
        const merged = { content: previous?.content, embeds: previous?.embeds, ...body };
        entry.message = storeMessage(
          `interaction:${id}`,
          merged,
          files.length > 0 ? files : [...(previous?.attachments ?? [])],
          { id: entry.originalId, postedIn: entry.channelId },
        );
        settle(entry);
        return json(res, 200, messageJson(entry.message));
      }
      if (method === 'DELETE' && match[3] === '@original') {
        entry.message = null;
        entry.deleted = true;
        res.writeHead(204);
        res.end();
        return;
      }
      if (method === 'POST' && match[3] === undefined) {
        const message = storeMessage(`interaction:${id}`, body, files);
        entry.followUps.push(message);
        // a deleted original: the follow-up is the whole answer
        if (entry.deleted) settle(entry);
        return json(res, 200, messageJson(message));
      }
      if (method === 'GET' && entry.message) return json(res, 200, messageJson(entry.message));
      // a deferred reply exists (the "thinking…" message) before its first edit
      if (method === 'GET' && entry.callbackType === 5)
        return json(
          res,
          200,
          messageJson({
            id: entry.originalId,
            channelId: `interaction:${id}`,
            postedIn: entry.channelId,
            content: '',
            embeds: [],
            attachments: [],
            nonce: null,
            flags: 128,
          }),
        );
    }
    match = path.match(/^\/channels\/(\d+)\/messages$/);
    if (match && method === 'POST') {
      return json(res, 200, messageJson(storeMessage(match[1] ?? '', body, files)));
    }
    match = path.match(/^\/channels\/(\d+)(?:\/messages\/(\d+))?\/threads$/);
    if (match && method === 'POST') {
      const parentId = match[1] ?? '';
      const starterId = match[2];
      const guild = [...guilds.values()].find((entry) => entry.channelIds.includes(parentId));
      if (!guild) return json(res, 404, { message: 'Unknown Channel', code: 10003 });
      if (starterId !== undefined && threads.has(starterId))
        return json(res, 400, {
          message: 'A thread has already been created for this message',
          code: 160004,
        });
      const thread = {
        id: starterId ?? nextSnowflake(),
        type: Number(body.type ?? 11),
        guild_id: guild.id,
        parent_id: parentId,
        owner_id: botUserId,
        name: String(body.name ?? ''),
        last_message_id: null,
        rate_limit_per_user: 0,
        message_count: 0,
        member_count: 1,
        flags: 0,
        thread_metadata: {
          archived: false,
          auto_archive_duration: Number(body.auto_archive_duration ?? 1440),
          archive_timestamp: new Date().toISOString(),
          locked: false,
        },
      };
      threads.set(thread.id, thread);
      dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return json(res, 201, thread);
    }
    match = path.match(/^\/channels\/(\d+)$/);
    if (match && method === 'GET') {
      const channelId = match[1] ?? '';
      const thread = threads.get(channelId);
      if (thread) return json(res, 200, thread);
      const guild = [...guilds.values()].find((entry) => entry.channelIds.includes(channelId));
      const dmUser = [...dmChannels.entries()].find(([, channel]) => channel === channelId)?.[0];
      if (guild)
        return json(res, 200, {
          id: channelId,
          type: 0,
          guild_id: guild.id,
          name: `c${channelId}`,
          position: 0,
          permission_overwrites: [],
        });
      if (dmUser) return json(res, 200, { id: channelId, type: 1, recipients: [fakeUser(dmUser)] });
      return json(res, 404, { message: 'Unknown Channel', code: 10003 });
    }
    if (path === '/users/@me/channels' && method === 'POST') {
      const userId = String(body.recipient_id);
      const channelId = dmChannels.get(userId) ?? nextSnowflake();
      dmChannels.set(userId, channelId);
      return json(res, 200, { id: channelId, type: 1, recipients: [fakeUser(userId)] });
    }
    match = path.match(/^\/users\/(\d+)$/);
    if (match && method === 'GET') return json(res, 200, fakeUser(match[1] ?? ''));
    match = path.match(/^\/guilds\/(\d+)\/members\/(\d+)\/roles\/(\d+)$/);
    if (match) {
      const key = `${match[1]}/${match[2]}`;
      const roles = memberRoles.get(key) ?? new Set<string>();
      if (method === 'PUT') roles.add(match[3] ?? '');
      if (method === 'DELETE') roles.delete(match[3] ?? '');
      memberRoles.set(key, roles);
      res.writeHead(204);
      res.end();
      return;
    }
    match = path.match(/^\/guilds\/(\d+)\/members$/);
    if (match && method === 'GET') {
      const prefix = `${match[1]}/`;
      const after = BigInt(url.searchParams.get('after') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? '1');
      const members = [...memberRoles.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, roles]) => ({ userId: key.slice(prefix.length), roles: [...roles] }))
        .filter((member) => BigInt(member.userId) > after)
        .sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1))
        .slice(0, limit);
      return json(
        res,
        200,
        members.map((member) => ({
          user: fakeUser(member.userId),
          roles: member.roles,
          joined_at: new Date(0).toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
        })),
      );
    }
    match = path.match(/^\/guilds\/(\d+)\/members\/(\d+)$/);
    if (match && method === 'GET') {
      const roles = [...(memberRoles.get(`${match[1]}/${match[2]}`) ?? [])];
      return json(res, 200, {
        user: fakeUser(match[2] ?? ''),
        roles,
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      });
    }
    json(res, 404, { message: `fake Discord has no route ${method} ${path}`, code: 0 });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: Error) => json(res, 500, { message: error.message, code: 0 }));
  });
  const gateway = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    gateway.handleUpgrade(req, socket, head, (ws) => gateway.emit('connection', ws, req));
  });
  const send = (ws: WebSocket, payload: Record<string, unknown>) => ws.send(JSON.stringify(payload));
  const dispatch = (t: string, d: unknown) => {
    sequence += 1;
    for (const ws of sockets) send(ws, { op: 0, t, s: sequence, d });
  };
  gateway.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    send(ws, { op: 10, d: { heartbeat_interval: options.heartbeatMs ?? 41_250 }, s: null, t: null });
    ws.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (packet.op === 1) {
        heartbeats += 1;
        send(ws, { op: 11, d: null, s: null, t: null });
      } else if (packet.op === 6) {
        sequence += 1;
        send(ws, { op: 0, t: 'RESUMED', s: sequence, d: {} });
      } else if (packet.op === 2) {
        identifies += 1;
        const address = server.address() as AddressInfo;
        sequence += 1;
        send(ws, {
          op: 0,
          t: 'READY',
          s: sequence,
          d: {
            v: 10,
            user: {
              id: botUserId,
              username: 'nexural',
              discriminator: '0',
              bot: true,
              avatar: null,
              global_name: null,
            },
            guilds: [...guilds.keys()].map((id) => ({ id, unavailable: true })),
            session_id: randomUUID(),
            resume_gateway_url: `ws://127.0.0.1:${address.port}/gateway`,
            application: { id: applicationId, flags: 0 },
          },
        });
        for (const guild of guilds.values()) {
          sequence += 1;
          send(ws, {
            op: 0,
            t: 'GUILD_CREATE',
            s: sequence,
            d: gatewayGuild(guild, botUserId, [...threads.values()]),
          });
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;

  return {
    restApi: `http://127.0.0.1:${address.port}/api`,
    applicationId,
    botToken,
    commands,
    channelMessages,
    threads,
    memberRoles,
    get identifies() {
      return identifies;
    },
    get heartbeats() {
      return heartbeats;
    },
    addGuild(guild) {
      guilds.set(guild.id, guild);
    },
    async interact(input, { timeoutMs = 10_000 } = {}) {
      const id = nextSnowflake();
      const token = `itok-${randomUUID()}`;
      const state: InteractionState = {
        token,
        originalId: nextSnowflake(),
        channelId: input.channelId,
        sentAt: Date.now(),
        callbackType: null,
        deferredAfterMs: -1,
        message: null,
        deleted: false,
        followUps: [],
        choices: [],
        done: false,
        waiters: [],
      };
      interactions.set(id, state);
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no reply to /${input.name} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        state.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      dispatch('INTERACTION_CREATE', interactionPayload(input, { id, token, applicationId }));
      await done;
      return {
        interactionId: id,
        callbackType: state.callbackType ?? 0,
        deferredAfterMs: state.deferredAfterMs,
        message: state.message,
        deleted: state.deleted,
        followUps: state.followUps,
        choices: state.choices,
      };
    },
    message(channelId, guildId, content, userId) {
      dispatch('MESSAGE_CREATE', {
        id: nextSnowflake(),
        channel_id: channelId,
        ...(guildId ? { guild_id: guildId } : {}),
        author: fakeUser(userId),
        content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 0,
      });
    },
    async waitFor(condition, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async waitForMessages(channelId, count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while ((channelMessages.get(channelId)?.length ?? 0) < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `channel ${channelId}: ${channelMessages.get(channelId)?.length ?? 0} of ${count} messages`,
          );
        }
        await new Promise<void>((resolve) => {
          messageWaiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return channelMessages.get(channelId) ?? [];
    },
    rateLimitNext(pathPart, count, retryAfter = 0.05) {
      rateLimits.push({ pathPart, left: count, retryAfter });
    },
    alertIdsIn(channelId) {
      return (channelMessages.get(channelId) ?? []).flatMap((message) =>
        message.embeds.map((embed) => {
          const footer = (embed.footer as { text?: string } | undefined)?.text ?? '';
          return footer.match(/^alert (\S+)/)?.[1] ?? '';
        }),
      );
    },
    unref() {
      server.unref();
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const fakeUser = (id: string) => ({
  id,
  username: `user${id.slice(-4)}`,
  discriminator: '0',
  global_name: null,
  avatar: null,
  bot: false,
});
