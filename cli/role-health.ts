import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoleHealthReader } from '../schemas/ports/role-health.js';

export interface RoleCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

export interface RoleHealth {
  readonly url: string;
  /** From now on /ready answers 503 (draining), so a load balancer or orchestrator stops routing here. */
  draining(): void;
  close(): Promise<void>;
}

/**
 * A tiny HTTP endpoint for roles without the API (processor, sink, consumers): GET /health answers 200 while
 * the process runs; GET /ready 200 when every check resolves within 2 s, else 503 naming the failing ones.
 */
export async function startRoleHealth(options: {
  readonly role: string;
  readonly host: string;
  readonly port: number;
  readonly checks: readonly RoleCheck[];
  /** the roles the process runs: each one not `up` (waiting on an outage, down) fails /ready */
  readonly roles?: RoleHealthReader;
}): Promise<RoleHealth> {
  let draining = false;
  const server = createServer((request, response) => {
    const send = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return send(405, { error: 'GET only' });
    if (request.url === '/health') return send(200, { status: 'ok', role: options.role });
    if (request.url !== '/ready') return send(404, { error: 'GET /health or /ready' });
    if (draining) return send(503, { status: 'draining', role: options.role });
    const roleChecks: RoleCheck[] = [...(options.roles?.roles() ?? [])].map(([name, state]) => ({
      name: `role ${name}`,
      check: async () => {
        if (state.status !== 'up') {
          throw new Error(`${state.status}${'reason' in state ? ` (${state.reason})` : ''}`);
        }
      },
    }));
    void Promise.all(
      [...options.checks, ...roleChecks].map(async ({ name, check }) => {
        const timeout = new Promise((_, reject) =>
          setTimeout(() => reject(new Error('timed out after 2 s')), 2000),
        );
        try {
          await Promise.race([check(), timeout]);
          return null;
        } catch (error) {
          return `${name}: ${error instanceof Error ? error.message : String(error)}`;
        }
      }),
    ).then((results) => {
      const failing = results.filter((result): result is string => result !== null);
      send(failing.length === 0 ? 200 : 503, {
        status: failing.length === 0 ? 'ready' : 'not ready',
        role: options.role,
        ...(failing.length > 0 ? { failing } : {}),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    draining: () => {
      draining = true;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
