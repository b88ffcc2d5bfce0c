import { z } from 'zod';
import { indicatorNames, indicatorRegistry, parseIndicatorSpec } from '../../pipeline/indicators/registry.js';

export interface IndicatorCatalogEntry {
  readonly name: string;
  readonly summary: string;
  /** the spec with every default filled in, e.g. `macd(12,26,9)` */
  readonly defaultSpec: string;
  readonly params: readonly { readonly name: string; readonly description: string }[];
  readonly outputs: readonly string[];
}

/** The indicator registry as data, for clients that offer "any indicator" (the dashboard's rule form). */
export function indicatorCatalog(): IndicatorCatalogEntry[] {
  return indicatorNames.map((name) => {
    const definition = indicatorRegistry[name];
    const params = definition.params.def.items.map((item, index) => {
      const description = z.globalRegistry.get(item)?.description ?? `parameter ${index + 1}`;
      return { name: description.split(':')[0] ?? description, description };
    });
    return {
      name,
      summary: definition.summary,
      defaultSpec: parseIndicatorSpec(name).spec,
      params,
      outputs: [...definition.outputs],
    };
  });
}
