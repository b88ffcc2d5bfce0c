import type { ReaderProfile } from '../../schemas/ports/newsletter.js';
import type { Edition } from './edition.js';

/**
 * Sections only readers whose plan has `premiumNewsletter` (schemas/plans.ts) receive: indicator signals, strategy
 * P&L and the selected notes. Everyone gets the summary, top movers (with charts), volume leaders, the alerts that
 * fired and their own watchlist.
 */
export const premiumSections = ['Indicator signals', 'Strategy P&L', 'Selected notes'] as const;

/** The edition without the premium sections: what free readers, the public archive, Discord and webhooks get. */
export function withoutPremium(edition: Edition): Edition {
  return { ...edition, signals: [], strategies: [], notes: [] };
}

/**
 * One reader's edition: the shared sections, their watchlist with each symbol's movement over the window,
 * their strategies — then the premium sections removed unless their plan has them. Runs before the message is
 * built, so what a reader's plan lacks is never rendered into their mail.
 */
export function editionFor(edition: Edition, profile: ReaderProfile): Edition {
  const personal: Edition = {
    ...edition,
    watchlist: profile.watchlist.map(({ venue, symbol }) => ({
      venue,
      symbol,
      mover: edition.movements.get(`${venue}:${symbol}`) ?? null,
    })),
    strategies: profile.strategies,
  };
  return profile.premium ? personal : withoutPremium(personal);
}
