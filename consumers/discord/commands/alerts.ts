import { createHash } from 'node:crypto';
import { alertRuleSchema } from '../../../schemas/alert-rule.js';
import { NexuralError } from '../../../schemas/errors.js';
import { describeIssues } from '../../../schemas/validate.js';
import type { BotDeps, BotReply, CommandRequest } from '../bot-types.js';
import { textReply } from '../bot-types.js';
import { formatPrice, isoTime, resolveSymbol } from '../market-data.js';
import { parseRuleText } from '../rule-text.js';

/** The Nexural owner of the asking Discord user; refuses with how to link. */
export async function linkedOwner(request: CommandRequest, deps: BotDeps): Promise<string> {
  const owner = await deps.links.ownerOf(request.user.id);
  if (owner) return owner;
  throw new NexuralError(
    'NXR_UNAUTHENTICATED',
    'link your Nexural account first: /link key:<your API key> (only you see it)',
  );
}

const rulesOf = (deps: BotDeps) => {
  if (deps.rules) return deps.rules;
  throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'alert rules are not available in this process');
};

export const option = (request: CommandRequest, name: string): string => {
  const value = request.options[name];
  if (typeof value === 'string' && value.trim().length > 0) return value.trim();
  throw new NexuralError('NXR_BAD_VALUE', `option "${name}" is required`);
};

export async function alertsCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const owner = await linkedOwner(request, deps);
  const rules = rulesOf(deps);
  if (request.subcommand === 'list') {
    const list = await rules.listAlertRules(owner);
    if (list.length === 0)
      return textReply(
        'You have no alert rules. Add one: /alerts add symbol:BTCUSDT rule:price crossing_up 65000',
        true,
      );
    const lines = list.map(
      (rule) =>
        `\`${rule.id}\` ${rule.symbol ?? rule.symbols?.join(',')} ${rule.interval} ${JSON.stringify(rule.source)} ${rule.condition.operator} ${'value' in rule.condition ? JSON.stringify(rule.condition.value) : ''}${rule.enabled ? '' : ' (disabled)'}`,
    );
    return textReply(`**Your alert rules** (${list.length})\n${lines.join('\n')}`, true);
  }
  if (request.subcommand === 'remove') {
    const id = option(request, 'id');
    const removed = await rules.deleteAlertRule(owner, id);
    return textReply(removed ? `Removed rule \`${id}\`.` : `You have no rule \`${id}\`.`, true);
  }
  const ref = await resolveSymbol(deps.store, option(request, 'symbol'));
  const text = option(request, 'rule');
  const quota = (await deps.entitlements.entitlementsFor(owner)).maxAlertRules;
  const existing = await rules.listAlertRules(owner);
  if (existing.length >= quota) {
    throw new NexuralError(
      'NXR_FORBIDDEN',
      `your plan allows ${quota} alert rules; remove one first (/alerts remove)`,
    );
  }
  const id = `dc-${createHash('sha256').update(`${owner}\n${ref.symbol}\n${text}`).digest('hex').slice(0, 10)}`;
  const parsed = alertRuleSchema.safeParse(parseRuleText(text, owner, ref.symbol, id));
  if (!parsed.success)
    throw new NexuralError('NXR_RULE_INVALID', `rule "${text}": ${describeIssues(parsed.error)}`);
  await rules.putAlertRule(parsed.data);
  return textReply(`Added rule \`${id}\` on ${ref.symbol} ${parsed.data.interval}: ${text}`, true);
}

export async function whyCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const owner = await linkedOwner(request, deps);
  const id = option(request, 'alert_id');
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages += 1) {
    const page = await deps.store.alertEvents({
      owner,
      from: 0,
      to: 7_258_118_400_000,
      limit: 1_000,
      order: 'desc',
      cursor,
    });
    const event = page.items.find((item) => item.id === id);
    if (event) {
      if (event.kind !== 'fired')
        return textReply(
          `\`${id}\`: rule \`${event.ruleId}\` stopped (${event.reason}): ${event.message}`,
          true,
        );
      const trigger =
        event.trigger.kind === 'tick'
          ? `trade ${event.trigger.tradeId} at ${formatPrice(event.trigger.price)} (${isoTime(Math.floor(event.trigger.timeUs / 1000))})`
          : `${event.trigger.final ? 'final' : 'forming'} ${event.interval} bar opened ${isoTime(event.trigger.openTime)} (revision ${event.trigger.revision})`;
      const position = event.sourcePosition ? JSON.stringify(event.sourcePosition) : 'not recorded';
      return {
        content: '',
        embeds: [
          {
            title: `Why ${event.symbol} alert fired`,
            description: event.message,
            fields: [
              {
                name: 'rule',
                value: `\`${event.ruleId}\` on ${event.venue}:${event.symbol} ${event.interval}`,
              },
              {
                name: 'condition',
                value: `\`${JSON.stringify(event.source)}\` ${event.condition.operator} \`${JSON.stringify('value' in event.condition ? event.condition.value : event.condition)}\``,
              },
              {
                name: 'value before',
                value: event.previous === null ? 'none yet' : formatPrice(event.previous),
                inline: true,
              },
              { name: 'value after', value: formatPrice(event.current), inline: true },
              { name: 'trigger', value: trigger },
              { name: 'stream position', value: position },
            ],
            footer: `alert ${event.id}`,
            timestamp: event.time,
          },
        ],
        files: [],
        ephemeral: true,
      };
    }
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return textReply(`No alert \`${id}\` of yours.`, true);
}

export async function linkCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const key = option(request, 'key');
  if (!deps.ownerOfKeyHash)
    throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'account linking is not available in this process');
  const owner = await deps.ownerOfKeyHash(createHash('sha256').update(key).digest('hex'));
  if (!owner)
    return textReply(
      'That API key is not valid (or revoked). Make one in the dashboard, then /link key:<key>.',
      true,
    );
  await deps.links.link(request.user.id, owner);
  return textReply(`Linked to Nexural account \`${owner}\`. The key itself is not stored.`, true);
}

export async function planCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const owner = await linkedOwner(request, deps);
  const plan = await deps.entitlements.entitlementsFor(owner);
  return {
    content: '',
    embeds: [
      {
        title: `Plan: ${plan.plan}`,
        fields: [
          { name: 'account', value: owner, inline: true },
          { name: 'alert rules', value: String(plan.maxAlertRules), inline: true },
          { name: '/ask per day', value: String(plan.askPerDay), inline: true },
          {
            name: 'market data',
            value:
              plan.dataDelayMs === 0 ? 'real time' : `delayed ${Math.round(plan.dataDelayMs / 60_000)} min`,
            inline: true,
          },
          { name: 'from', value: plan.source, inline: true },
        ],
      },
    ],
    files: [],
    ephemeral: true,
  };
}

export async function askCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  if (!deps.analyst) return textReply('The analyst is not configured (set OPENAI_API_KEY).', true);
  const owner = await deps.links.ownerOf(request.user.id);
  const plan = await deps.entitlements.entitlementsFor(owner ?? `discord:${request.user.id}`);
  const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
  const account = owner ?? `discord:${request.user.id}`;
  const quota = await deps.askQuota.take(account, day, plan.askPerDay, owner);
  if (!quota.allowed) {
    return textReply(
      plan.askPerDay === 0
        ? `Your plan (${plan.plan}) has no /ask. ${owner ? 'Upgrade to use the analyst.' : 'Link your account: /link'}`
        : `You asked ${quota.used} of ${plan.askPerDay} questions today (plan ${plan.plan}); more tomorrow (UTC).`,
      true,
    );
  }
  const question = option(request, 'question');
  const answer = await deps.analyst.ask({
    conversation: request.conversation ?? `${request.channelId}:${request.user.id}`,
    owner,
    text: question,
  });
  return textReply(answer);
}
