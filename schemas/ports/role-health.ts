/**
 * What a long-lived role (processor, sink, fan-out, a consumer) says about itself, and what readiness reads.
 * A role that rides out an outage by itself reports `waiting` meanwhile: alive, but not doing its work.
 */
export type RoleState =
  | { readonly status: 'starting' }
  | { readonly status: 'up' }
  | { readonly status: 'waiting'; readonly reason: string; readonly since: number }
  | { readonly status: 'down'; readonly reason: string; readonly since: number };

/** Where a role reports; each role reports under its own name. */
export interface RoleHealthReporter {
  report(role: string, state: RoleState): void;
}

/** Every role this process runs, with its latest state (what `/ready` shows). */
export interface RoleHealthReader {
  roles(): ReadonlyMap<string, RoleState>;
}

export type RoleHealthRegistry = RoleHealthReporter & RoleHealthReader;

/** An in-memory registry: one per process, handed to every role and to the API. */
export function createRoleHealthRegistry(
  onChange?: (role: string, state: RoleState) => void,
): RoleHealthRegistry {
  const states = new Map<string, RoleState>();
  return {
    report(role, state) {
      const previous = states.get(role);
      states.set(role, state);
      if (previous?.status !== state.status) onChange?.(role, state);
    },
    roles: () => states,
  };
}

/** A reporter that forgets everything (roles run without a registry in tests and tools). */
export const noRoleHealth: RoleHealthReporter = { report() {} };
