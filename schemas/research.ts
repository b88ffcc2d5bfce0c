import { z } from 'zod';
import { barSchema } from './bar.js';
import { indicatorValueSchema } from './indicator-value.js';
import { intervalSchema } from './interval.js';
import { epochMsSchema, symbolSchema, venueSchema } from './market.js';

/** Research workspace records: watchlists, notes and ideas (sql/0016). */

export const watchlistIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'watchlist id: 1–64 letters, digits, _ or -' })
  .describe('watchlist id, unique per user');

const itemKey = (item: { venue: string; symbol: string }) => `${item.venue}:${item.symbol}`;

export const watchlistItemInputSchema = z.object({
  venue: venueSchema,
  symbol: symbolSchema,
  note: z.string().max(2_000).default('').describe('your note on this symbol'),
});

export const watchlistSectionInputSchema = z.object({
  name: z.string().max(100).default('').describe('section name; "" = unnamed'),
  items: z.array(watchlistItemInputSchema).max(500).describe('symbols of the section, in order'),
});

export const watchlistBodySchema = z
  .object({
    name: z.string().min(1).max(100),
    position: z.number().int().min(0).max(10_000).default(0).describe('order among your watchlists'),
    sections: z.array(watchlistSectionInputSchema).max(50).describe('sections in display order'),
  })
  .superRefine((body, ctx) => {
    const names = new Set<string>();
    const symbols = new Set<string>();
    body.sections.forEach((section, index) => {
      if (names.has(section.name))
        ctx.addIssue({
          code: 'custom',
          message: 'section names must not repeat',
          path: ['sections', index, 'name'],
        });
      names.add(section.name);
      section.items.forEach((item, position) => {
        if (symbols.has(itemKey(item)))
          ctx.addIssue({
            code: 'custom',
            message: `${itemKey(item)} is listed twice`,
            path: ['sections', index, 'items', position, 'symbol'],
          });
        symbols.add(itemKey(item));
      });
    });
  })
  .describe('a watchlist: its name, position and sections of symbols');
export type WatchlistBody = z.output<typeof watchlistBodySchema>;

export const watchlistSchema = z.object({
  id: watchlistIdSchema,
  name: z.string(),
  position: z.number().int(),
  sections: z.array(
    z.object({
      name: z.string(),
      items: z.array(
        watchlistItemInputSchema.extend({ addedAt: epochMsSchema.describe('when it entered the watchlist') }),
      ),
    }),
  ),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type Watchlist = z.output<typeof watchlistSchema>;

export const watchlistChangeSchema = z.object({
  venue: venueSchema,
  symbol: symbolSchema,
  change: z.enum(['entered', 'left']),
  at: epochMsSchema,
});
export type WatchlistChange = z.output<typeof watchlistChangeSchema>;

export const tagSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, { error: 'tag: lower case letters, digits, _ . - (≤ 40)' });

export const noteAnchorSchema = z
  .object({
    venue: venueSchema,
    symbol: symbolSchema,
    interval: intervalSchema,
    eventTime: epochMsSchema.describe('the moment the note speaks of (ms)'),
    sourceOffset: z
      .string()
      .max(200)
      .nullable()
      .default(null)
      .describe('position in the source stream, e.g. nexural.bars/2/1841 (null: unknown)'),
  })
  .describe('where and when the note is anchored');
export type NoteAnchor = z.output<typeof noteAnchorSchema>;

export const ideaSchema = z
  .object({
    direction: z.enum(['long', 'short']),
    horizonBars: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .describe('bars after the anchor bar the idea is scored on'),
  })
  .describe('makes the note an idea, scored once its horizon is final');
export type Idea = z.output<typeof ideaSchema>;

export const noteSnapshotSchema = z.object({
  bars: z.array(barSchema).describe('bars of the anchor series up to the event time, oldest first'),
  indicators: z.array(indicatorValueSchema).describe('indicator values of those bars'),
  takenAt: epochMsSchema.describe('when the snapshot was taken'),
});
export type NoteSnapshot = z.output<typeof noteSnapshotSchema>;

export const ideaScoreSchema = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('pending').describe('the horizon has no final bars yet (or not all)') }),
    z.object({
      status: z.literal('scored'),
      entryTime: epochMsSchema.describe('open time of the anchor bar'),
      entryPrice: z.number().describe('close of the anchor bar'),
      exitTime: epochMsSchema.describe('open time of the last bar of the horizon'),
      exitPrice: z.number().describe('close of the last bar of the horizon'),
      return: z.number().describe('(exit − entry) / entry, sign flipped for short'),
      mfe: z.number().describe('maximum favourable excursion over the horizon, fraction of entry (≥ 0)'),
      mae: z.number().describe('maximum adverse excursion over the horizon, fraction of entry (≥ 0)'),
      bars: z.number().int().describe('bars in the horizon'),
    }),
  ])
  .describe('the score of an idea');
export type IdeaScore = z.output<typeof ideaScoreSchema>;

export const noteBodySchema = z.object({
  title: z.string().min(1).max(200),
  body: z.string().max(100_000).default('').describe('Markdown'),
  tags: z
    .array(tagSchema)
    .max(20)
    .default([])
    .refine((tags) => new Set(tags).size === tags.length, { error: 'tags must not repeat' }),
  anchor: noteAnchorSchema,
  idea: ideaSchema.nullable().default(null),
});
export type NoteBody = z.output<typeof noteBodySchema>;

export const notePatchSchema = z
  .object({
    title: noteBodySchema.shape.title.optional(),
    body: z.string().max(100_000).optional(),
    tags: noteBodySchema.shape.tags.optional(),
  })
  .describe('fields to change; the anchor, snapshot and idea are fixed once saved');
export type NotePatch = z.output<typeof notePatchSchema>;

export const noteSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  anchor: noteAnchorSchema,
  idea: ideaSchema.nullable(),
  score: ideaScoreSchema.nullable().describe('null for a plain note'),
  snapshot: noteSnapshotSchema,
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type Note = z.output<typeof noteSchema>;

export const noteSummarySchema = noteSchema.omit({ snapshot: true });
export type NoteSummary = z.output<typeof noteSummarySchema>;

export const noteHitSchema = noteSummarySchema.extend({
  rank: z.number().describe('ts_rank of the match'),
  headline: z.string().describe('the matching passage, matches in <b>…</b>'),
});
export type NoteHit = z.output<typeof noteHitSchema>;

export const scoreStatsSchema = z.object({
  ideas: z.number().int(),
  pending: z.number().int(),
  scored: z.number().int(),
  wins: z.number().int().describe('scored ideas with a return > 0'),
  winRate: z.number().nullable().describe('wins / scored; null with none scored'),
  meanReturn: z.number().nullable(),
  meanMfe: z.number().nullable(),
  meanMae: z.number().nullable(),
});
export type ScoreStats = z.output<typeof scoreStatsSchema>;

export const scorecardSchema = z.object({
  overall: scoreStatsSchema,
  byTag: z.array(scoreStatsSchema.extend({ tag: z.string() })).describe('per tag, by tag'),
});
export type Scorecard = z.output<typeof scorecardSchema>;

export const watchlistListSchema = z.object({ items: z.array(watchlistSchema) });
export const watchlistHistorySchema = z.object({ items: z.array(watchlistChangeSchema) });
const symbolRefSchema = z.object({ venue: venueSchema, symbol: symbolSchema });
export const watchlistSavedSchema = z.object({
  watchlist: watchlistSchema,
  entered: z.array(symbolRefSchema).describe('symbols this change added'),
  left: z.array(symbolRefSchema).describe('symbols this change removed'),
  rules: z.array(z.string()).describe('rules following the watchlist, rewritten to its symbols'),
});
export const ruleWatchlistBodySchema = z.object({
  watchlist: watchlistIdSchema
    .nullable()
    .describe('the watchlist whose symbols the rule follows; null: none'),
});
export const ruleWatchlistSchema = z.object({
  rule: z.string(),
  watchlist: watchlistIdSchema.nullable(),
  symbols: z
    .array(z.string())
    .nullable()
    .describe('the rule’s symbols now (null when it names one symbol or *)'),
});
export const noteListSchema = z.object({ items: z.array(noteSummarySchema) });
export const noteHitListSchema = z.object({ items: z.array(noteHitSchema) });
