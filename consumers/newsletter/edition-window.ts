/** The stream an edition covers: [from, to) in ms. */
export interface EditionWindow {
  readonly from: number;
  readonly to: number;
}

export const firstEditionSpanMs = 7 * 24 * 60 * 60 * 1000;

/**
 * The next edition starts exactly where the previous one ended, so consecutive editions neither overlap nor
 * leave a gap; the first covers the 7 days before `now`. Null when nothing new happened since the last one.
 */
export function nextEditionWindow(previousEnd: number | null, now: number): EditionWindow | null {
  const from = previousEnd ?? now - firstEditionSpanMs;
  return now > from ? { from, to: now } : null;
}
