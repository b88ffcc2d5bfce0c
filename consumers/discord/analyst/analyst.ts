import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ConversationStore, ConversationTurn } from '../../../schemas/ports/discord.js';
import type { ResearchReader } from '../../../schemas/ports/research.js';
import type { StoreReader } from '../../../schemas/ports/store.js';
import type { StrategyStore } from '../../../schemas/ports/strategies.js';
import type { AnalystPort } from '../bot-types.js';
import { numbersIn, ungroundedNumbers } from './grounding.js';
import { runTool, type ToolContext, toolList } from './tools.js';

export interface AnalystOptions {
  readonly client: OpenAI;
  readonly model: string;
  readonly store: StoreReader;
  readonly conversations: ConversationStore;
  /** the linked user's notes for search_notes (the store's research part); absent = the tool says so */
  readonly research?: ResearchReader | null;
  /** the linked user's strategies for get_strategy_performance; absent = the tool says so */
  readonly strategies?: StrategyStore | null;
  readonly clock: { now(): number };
  readonly staleAfterMs: number;
  /** conversation context kept, in approximate tokens (4 characters each); older turns are summarised */
  readonly tokenBudget?: number;
  readonly maxToolRounds?: number;
}

export const REFUSAL = "I can't answer that from Nexural's data without guessing a number, so I won't.";

const systemPrompt = `You are Nexural's market analyst in a Discord server.
Answer ONLY from the results of your tools (quote, bars, indicators, alerts, market movers, the user's strategy performance and notes). Never state a number that no tool returned.
Give every figure with its as-of time. If a tool result says "stale": true, say the data is stale and how old it is instead of presenting it as current.
If the tools cannot answer, say so. No investment advice. Be brief.`;

const SUMMARY_PREFIX = 'Earlier in this conversation the user asked: ';

const tokens = (text: string) => Math.ceil(text.length / 4);

/** Keeps the newest turns within the budget; the older ones become one short summary turn. */
export function fitToBudget(
  turns: readonly ConversationTurn[],
  budget: number,
  now: number,
): ConversationTurn[] {
  const kept: ConversationTurn[] = [];
  let used = 0;
  for (const turn of [...turns].reverse()) {
    if (used + tokens(turn.content) > budget * 0.75) break;
    kept.unshift(turn);
    used += tokens(turn.content);
  }
  const dropped = turns.slice(0, turns.length - kept.length);
  if (dropped.length === 0) return kept;
  // a summary dropped again is carried whole (its questions), not cut to its first sentence
  const asked = dropped.flatMap((turn) =>
    turn.role === 'summary'
      ? turn.content.replace(SUMMARY_PREFIX, '').split(' | ')
      : turn.role === 'user'
        ? [turn.content.split(/(?<=[.?!])\s/)[0] ?? '']
        : [],
  );
  // the rest of the budget (a quarter, in characters ≈ tokens × 4 / 4), at least room for a few questions;
  // when the questions do not fit, the newest are kept
  const room = Math.max(budget, 160) - SUMMARY_PREFIX.length;
  const gist = asked.join(' | ');
  const summary = `${SUMMARY_PREFIX}${gist.length > room ? `…${gist.slice(gist.length - room + 1)}` : gist}`;
  return [{ role: 'summary', content: summary, at: now }, ...kept];
}

const asMessage = (turn: ConversationTurn): ChatCompletionMessageParam =>
  turn.role === 'summary'
    ? { role: 'system', content: turn.content }
    : { role: turn.role, content: turn.content };

/**
 * The grounded analyst: a tool-calling loop over the OpenAI chat API; an answer stating a number that no tool
 * returned (nor the question) is rejected and asked again once, then refused; a stale tool result the answer
 * does not call stale gets the staleness appended.
 */
export function createAnalyst(options: AnalystOptions): AnalystPort {
  const budget = options.tokenBudget ?? 3_000;
  return {
    async ask({ conversation, owner, text }) {
      const now = options.clock.now();
      const context: ToolContext = {
        store: options.store,
        owner,
        now,
        staleAfterMs: options.staleAfterMs,
        research: options.research ?? null,
        strategies: options.strategies ?? null,
      };
      const history = await options.conversations.turns(conversation);
      const messages: ChatCompletionMessageParam[] = [
        { role: 'system', content: systemPrompt },
        ...history.map(asMessage),
        { role: 'user', content: text },
      ];
      const sources: number[] = numbersIn(text);
      const stale: { asOf: string; ageMinutes: number }[] = [];
      let answer: string | null = null;
      for (let attempt = 1; attempt <= 2 && answer === null; attempt += 1) {
        let content = '';
        for (let round = 0; round < (options.maxToolRounds ?? 5); round += 1) {
          const completion = await options.client.chat.completions.parse({
            model: options.model,
            messages,
            tools: toolList,
          });
          const message = completion.choices[0]?.message;
          if (!message) break;
          const calls = message.tool_calls ?? [];
          if (calls.length === 0) {
            content = message.content ?? '';
            messages.push({ role: 'assistant', content });
            break;
          }
          messages.push({ role: 'assistant', content: message.content ?? null, tool_calls: calls });
          for (const call of calls) {
            if (call.type !== 'function') continue;
            const result = await runTool(
              call.function.name,
              call.function.parsed_arguments ?? JSON.parse(call.function.arguments),
              context,
            );
            numbersIn(result, sources);
            if (result.stale === true)
              stale.push({ asOf: String(result.asOf), ageMinutes: Number(result.ageMinutes) });
            messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
          }
        }
        const invented = ungroundedNumbers(content, sources);
        if (content !== '' && invented.length === 0) answer = content;
        else if (attempt === 1) {
          messages.push({
            role: 'user',
            content: `Your answer stated ${invented.join(', ')}, which no tool returned. Answer again using only numbers from the tool results.`,
          });
        }
      }
      let reply = answer ?? REFUSAL;
      const oldest = stale.sort((a, b) => b.ageMinutes - a.ageMinutes)[0];
      if (answer !== null && oldest && !/stale/i.test(answer)) {
        reply = `${answer}\n\n⚠️ Stale data: the newest data is ${oldest.ageMinutes} min old (as of ${oldest.asOf}).`;
      }
      const turns = fitToBudget(
        [
          ...history,
          { role: 'user', content: text, at: now },
          { role: 'assistant', content: reply, at: now },
        ],
        budget,
        now,
      );
      await options.conversations.save(conversation, turns, owner);
      return reply;
    },
  };
}
