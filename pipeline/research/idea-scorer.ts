import { MAX_EVENT_TIME_MS } from '../../schemas/market.js';
import type { JobScheduleInfo, JobScheduleRequest, Jobs } from '../../schemas/ports/jobs.js';
import type { PendingIdea, ResearchRepository } from '../../schemas/ports/research.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { type ScoredIdea, scoreIdea } from './idea-score.js';

export const scoreIdeasJobName = 'research.score-ideas';
export const scoreIdeasScheduleId = 'research-score-ideas';

export interface IdeaScorerDeps {
  readonly store: StoreReader;
  readonly research: Pick<ResearchRepository, 'pendingIdeas' | 'recordScore'>;
  readonly now?: () => number;
}

export interface ScoringPass {
  readonly scored: number;
  /** ideas whose anchor bar or horizon bars are not all final yet */
  readonly pending: number;
}

/**
 * The anchor bar (the latest final bar opening at or before the event time) and the `horizonBars` final bars
 * after it; null while any of them is missing (the horizon is not over, or a bar is still forming).
 */
export async function scoreFromStore(store: StoreReader, idea: PendingIdea): Promise<ScoredIdea | null> {
  const series = { venue: idea.anchor.venue, symbol: idea.anchor.symbol, interval: idea.anchor.interval };
  const before = await store.bars({
    ...series,
    from: 0,
    to: idea.anchor.eventTime + 1,
    order: 'desc',
    limit: 1,
    finalOnly: true,
  });
  const [anchor] = before.items;
  if (!anchor) return null;
  const after = await store.bars({
    ...series,
    from: anchor.openTime + 1,
    to: MAX_EVENT_TIME_MS,
    limit: idea.horizonBars,
    finalOnly: true,
  });
  if (after.items.length < idea.horizonBars) return null;
  return scoreIdea(idea.direction, anchor, after.items);
}

/** One pass: scores every pending idea whose horizon is final (up to `batch` ideas, oldest first). */
export async function scorePendingIdeas(deps: IdeaScorerDeps, batch = 500): Promise<ScoringPass> {
  const now = deps.now ?? Date.now;
  let scored = 0;
  let pending = 0;
  for (const idea of await deps.research.pendingIdeas(now(), batch)) {
    const score = await scoreFromStore(deps.store, idea);
    if (score === null) pending += 1;
    else if (await deps.research.recordScore(idea.owner, idea.id, score)) scored += 1;
  }
  return { scored, pending };
}

/**
 * Scoring on the jobs port: one schedule (upserted by id) running a pass every `everyMs` (default 60 s). A pass
 * is idempotent (a scored idea keeps its first score), so at-least-once runs are harmless.
 */
export async function scheduleIdeaScoring(
  jobs: Jobs,
  deps: IdeaScorerDeps,
  everyMs = 60_000,
): Promise<JobScheduleInfo> {
  jobs.register(scoreIdeasJobName, async () => {
    await scorePendingIdeas(deps);
  });
  return jobs.upsertSchedule(ideaScoringSchedule(everyMs));
}

export const ideaScoringSchedule = (everyMs: number): JobScheduleRequest => ({
  id: scoreIdeasScheduleId,
  name: scoreIdeasJobName,
  owner: 'system',
  schedule: { kind: 'every', everyMs },
  retry: { attempts: 3, backoffMs: 5_000 },
});
