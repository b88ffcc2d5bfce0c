import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertFilter } from '../../schemas/ports/alert-fanout.js';

export function matchesFilter(filter: AlertFilter, event: AlertEvent): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'owner':
      return event.owner === filter.owner;
    case 'symbol':
      return event.venue === filter.venue && event.symbol === filter.symbol;
  }
}
