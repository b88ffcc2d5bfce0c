import type { Note, NoteSummary } from '../../schemas/research.js';

const iso = (ms: number) => new Date(ms).toISOString();
const percent = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;

function ideaLine(note: NoteSummary): string | null {
  if (!note.idea) return null;
  const head = `Idea: ${note.idea.direction} over ${note.idea.horizonBars} bars`;
  if (note.score?.status !== 'scored') return `${head} — pending`;
  const { score } = note;
  return `${head} — return ${percent(score.return)}, MFE ${percent(score.mfe)}, MAE ${percent(score.mae)} (entry ${score.entryPrice} at ${iso(score.entryTime)}, exit ${score.exitPrice} at ${iso(score.exitTime)})`;
}

/** Notes as one Markdown document: a section per note, its anchor and score as a list, then its body. */
export function notesAsMarkdown(notes: readonly NoteSummary[], exportedAt: number): string {
  const sections = notes.map((note) => {
    const { anchor } = note;
    const facts = [
      `- ${anchor.venue} ${anchor.symbol} ${anchor.interval} at ${iso(anchor.eventTime)}${anchor.sourceOffset ? ` (source ${anchor.sourceOffset})` : ''}`,
      ...(note.tags.length > 0 ? [`- Tags: ${note.tags.map((tag) => `#${tag}`).join(' ')}`] : []),
      ...[ideaLine(note)].flatMap((line) => (line ? [`- ${line}`] : [])),
      `- Saved ${iso(note.createdAt)}${note.updatedAt !== note.createdAt ? `, edited ${iso(note.updatedAt)}` : ''}`,
    ];
    return [`## ${note.title}`, '', ...facts, '', note.body.trim()].join('\n').trimEnd();
  });
  return [
    `# Research notes`,
    '',
    `Exported ${iso(exportedAt)}: ${notes.length} note(s).`,
    '',
    sections.join('\n\n'),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');
}

/** Notes with their snapshots as JSON (what GET /v1/notes/:id returns, one per note). */
export const notesAsJson = (notes: readonly Note[], exportedAt: number) => ({
  exportedAt,
  items: notes,
});
