import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { createRoleHealthRegistry, type RoleState } from '../schemas/ports/role-health.js';
import { alertLogConsumer } from './alert-log/alert-log.js';
import { startConsumer } from './consumer-runtime.js';
import { scratchConsumerPorts } from './testing/consumer-ports.js';

describe('consumer role health (what /ready of `nexural consumers run` reads)', () => {
  it('reports `consumer <name>` starting, up once it is in its group, down when it is closed', async () => {
    const changes: [string, RoleState['status']][] = [];
    const health = createRoleHealthRegistry((role, state) => changes.push([role, state.status]));
    const log = createEmbeddedLog();
    const { ports, close } = await scratchConsumerPorts(log, 2);
    try {
      const running = await startConsumer(alertLogConsumer, ports, { groupId: 'health-test', health });
      expect(health.roles().get('consumer alert-log')).toEqual({ status: 'up' });
      await running.close();
      expect(health.roles().get('consumer alert-log')).toMatchObject({ status: 'down', reason: 'closed' });
      expect(changes).toEqual([
        ['consumer alert-log', 'starting'],
        ['consumer alert-log', 'up'],
        ['consumer alert-log', 'down'],
      ]);
    } finally {
      await close();
      await log.close();
    }
  });
});
