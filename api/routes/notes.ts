import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorEnvelopeSchema } from '../../schemas/api.js';
import { NexuralError } from '../../schemas/errors.js';
import { takeSnapshot } from '../../schemas/note-snapshot.js';
import {
  type Note,
  noteBodySchema,
  noteHitListSchema,
  noteListSchema,
  notePatchSchema,
  noteSchema,
  scorecardSchema,
  tagSchema,
} from '../../schemas/research.js';
import type { ApiStore } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { notesAsJson, notesAsMarkdown } from '../research/note-export.js';

export interface NoteRoutesOptions {
  readonly store: ApiStore;
  readonly now: () => number;
}

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
};
const params = z.object({ id: z.string().min(1).max(64) });
const limit = (most: number) => z.coerce.number().int().min(1).max(most).optional();
const listQuery = z.object({ tag: tagSchema.optional(), limit: limit(500) });
const searchQuery = listQuery.extend({
  q: z.string().max(500).describe('words, "a phrase", -excluded, or (web search syntax)'),
});
const exportQuery = z.object({
  format: z.enum(['md', 'json']).default('md'),
  tag: tagSchema.optional(),
  q: z.string().max(500).optional().describe('only notes matching this search'),
});
const notFound = (id: string) =>
  new NexuralError('NXR_NOT_FOUND', `you have no note "${id}"`, { path: ['id'] });
const options = (query: { tag?: string | undefined; limit?: number | undefined }) => ({
  ...(query.tag === undefined ? {} : { tag: query.tag }),
  ...(query.limit === undefined ? {} : { limit: query.limit }),
});

/** Research notes and ideas of the caller: saved with a snapshot of the market, searched, exported, scored. */
export async function noteRoutes(app: FastifyInstance, { store, now }: NoteRoutesOptions): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['notes'];

  routes.get(
    '/notes',
    {
      schema: {
        tags,
        summary: 'your notes, newest first (no snapshots)',
        querystring: listQuery,
        response: { 200: noteListSchema, ...errors },
      },
    },
    async (request) => ({
      items: [...(await store.listNotes(principalOf(request).owner, options(request.query)))],
    }),
  );

  routes.get(
    '/notes/search',
    {
      schema: {
        tags,
        summary: 'full-text search over your notes, best first',
        querystring: searchQuery,
        response: { 200: noteHitListSchema, ...errors },
      },
    },
    async (request) => ({
      items: [
        ...(await store.searchNotes(principalOf(request).owner, request.query.q, options(request.query))),
      ],
    }),
  );

  routes.get(
    '/notes/export',
    {
      schema: {
        tags,
        summary: 'your notes as one Markdown document or as JSON with snapshots (up to 500)',
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const owner = principalOf(request).owner;
      const { format, q, tag } = request.query;
      const filter = { ...(tag === undefined ? {} : { tag }), limit: 500 };
      const summaries =
        q === undefined ? await store.listNotes(owner, filter) : await store.searchNotes(owner, q, filter);
      const exportedAt = now();
      const name = `nexural-notes-${new Date(exportedAt).toISOString().slice(0, 10)}`;
      if (format === 'md') {
        return reply
          .type('text/markdown; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.md"`)
          .send(notesAsMarkdown(summaries, exportedAt));
      }
      const notes: Note[] = [];
      for (const summary of summaries) {
        const note = await store.getNote(owner, summary.id);
        if (note) notes.push(note);
      }
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.json"`)
        .send(JSON.stringify(notesAsJson(notes, exportedAt)));
    },
  );

  routes.get(
    '/notes/:id',
    {
      schema: {
        tags,
        summary: 'one note with the market as it was when saved',
        params,
        response: { 200: noteSchema, ...errors },
      },
    },
    async (request) => {
      const note = await store.getNote(principalOf(request).owner, request.params.id);
      if (!note) throw notFound(request.params.id);
      return note;
    },
  );

  routes.post(
    '/notes',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary:
          'save a note (an idea when it has a direction and horizon) with a snapshot of the bars and indicators up to its event time',
        body: noteBodySchema,
        response: { 201: noteSchema, ...errors },
      },
    },
    async (request, reply) => {
      const owner = principalOf(request).owner;
      const snapshot = await takeSnapshot(store, request.body.anchor, now());
      const note = await store.createNote(
        owner,
        `note_${randomUUID().replaceAll('-', '')}`,
        request.body,
        snapshot,
      );
      return reply.code(201).send(note);
    },
  );

  routes.patch(
    '/notes/:id',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary: 'edit the title, body or tags of a note',
        params,
        body: notePatchSchema,
        response: { 200: noteSchema, ...errors },
      },
    },
    async (request) => {
      const note = await store.updateNote(principalOf(request).owner, request.params.id, request.body);
      if (!note) throw notFound(request.params.id);
      return note;
    },
  );

  routes.delete(
    '/notes/:id',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary: 'delete a note',
        params,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await store.deleteNote(principalOf(request).owner, request.params.id)))
        throw notFound(request.params.id);
      return reply.code(204).send(null);
    },
  );

  routes.get(
    '/ideas/scorecard',
    {
      schema: {
        tags: ['ideas'],
        summary:
          'how your ideas did: scored and pending, win rate, mean return, MFE and MAE, overall and per tag',
        response: { 200: scorecardSchema, ...errors },
      },
    },
    async (request) => store.scorecard(principalOf(request).owner),
  );
}
