import { type PlanTable, planTable } from '../../schemas/plans.js';
import type { EntitlementsReader } from '../../schemas/ports/billing.js';
import type { AskQuota, DiscordLinks } from '../../schemas/ports/discord.js';
import type { ResearchRepository } from '../../schemas/ports/research.js';
import type { AlertRuleRepository, StoreReader } from '../../schemas/ports/store.js';
import type { StrategyStore } from '../../schemas/ports/strategies.js';

export type OptionValue = string | number | boolean;

/** A slash command as the handlers see it, whatever carried it (a Discord interaction, `nexural discord try`). */
export interface CommandRequest {
  readonly name: string;
  readonly subcommand: string | null;
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly user: { readonly id: string; readonly name: string };
  readonly guildId: string | null;
  readonly channelId: string;
  /** the analyst conversation this request continues (an /ask thread's id, = its reply message's); default channel + user */
  readonly conversation?: string;
}

export interface EmbedField {
  readonly name: string;
  readonly value: string;
  readonly inline?: boolean;
}

export interface BotEmbed {
  readonly title?: string;
  readonly description?: string;
  readonly fields?: readonly EmbedField[];
  readonly footer?: string;
  /** ms since epoch, shown as the embed's timestamp */
  readonly timestamp?: number;
  /** name of an attached file shown as the embed's image */
  readonly image?: string;
}

export interface BotFile {
  readonly name: string;
  readonly data: Buffer;
}

/** A reply as Discord would show it: text, embeds, files; `ephemeral` = only the asking user sees it. */
export interface BotReply {
  readonly content: string;
  readonly embeds: readonly BotEmbed[];
  readonly files: readonly BotFile[];
  readonly ephemeral: boolean;
}

export const textReply = (content: string, ephemeral = false): BotReply => ({
  content,
  embeds: [],
  files: [],
  ephemeral,
});

/** Answers `/ask`; null when no model is configured. */
export interface AnalystPort {
  ask(question: {
    readonly conversation: string;
    readonly owner: string | null;
    readonly text: string;
  }): Promise<string>;
}

/** A plan and what it allows; the accounts/plans work provides the real lookup (seam until it lands). */
export interface PlanLookup {
  planOf(
    owner: string,
  ): Promise<{ readonly plan: string; readonly alertRules: number; readonly askPerDay: number }>;
}

/** The ports the command handlers use. */
export interface BotDeps {
  readonly store: StoreReader;
  readonly rules: AlertRuleRepository | null;
  /** watchlists and notes (sql/0016) for /watchlist and /note; null where the process has none */
  readonly research: ResearchRepository | null;
  /** the linked account's strategies (the API's strategy store) for /strategy; null where the process has none */
  readonly strategies: StrategyStore | null;
  readonly links: DiscordLinks;
  /** resolves an API key's SHA-256 hash to its owner (for /link); null where the process has no accounts */
  readonly ownerOfKeyHash: ((hash: string) => Promise<string | null>) | null;
  /** plans and quotas (the billing repository; `fallbackEntitlements` where the process has none) */
  readonly entitlements: EntitlementsReader;
  /** the /ask questions taken per account and UTC day (sql/0026) */
  readonly askQuota: AskQuota;
  readonly analyst: AnalystPort | null;
  readonly clock: { now(): number };
  /** data older than this is called stale */
  readonly staleAfterMs: number;
}

/** Everyone on the table's fallback plan: for processes without the billing repository. */
export function fallbackEntitlements(table: PlanTable = planTable()): EntitlementsReader {
  return {
    async entitlementsFor() {
      return { ...table.fallback.entitlements, plan: table.fallback.id, source: 'fallback' };
    },
  };
}
