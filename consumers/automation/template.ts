import type { TriggerEvent } from '../../schemas/automation.js';

/** Fills `{{trigger.<field>}}`, `{{event.id}}` and `{{event.time}}` (ISO) from the trigger event; unknown fields become empty. */
export function renderTemplate(text: string, event: TriggerEvent): string {
  return text.replace(/\{\{\s*(trigger|event)\.([\w.-]+)\s*\}\}/g, (_match, scope: string, field: string) => {
    if (scope === 'event') {
      if (field === 'id') return event.id;
      if (field === 'time') return new Date(event.time).toISOString();
      return '';
    }
    const value = event.fields[field];
    return value === undefined || value === null ? '' : String(value);
  });
}

/** A step's `when`: the trigger field must equal the value (no `when` = always). */
export function stepApplies(
  when: { readonly field: string; readonly equals: string | number | boolean } | undefined,
  event: TriggerEvent,
): boolean {
  return when === undefined || event.fields[when.field] === when.equals;
}
