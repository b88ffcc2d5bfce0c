import { describe, expect, it } from 'vitest';
import { openClients } from './open-clients.js';

describe('openClients', () => {
  it('closes on closeAll only the clients not closed before, each once', async () => {
    const closed: string[] = [];
    const client = (name: string) => ({ name, close: async () => void closed.push(name) });
    const clients = openClients();
    const first = clients.track(client('first'));
    const second = clients.track(client('second'));
    await first.close();
    await clients.closeAll();
    await clients.closeAll();
    expect(closed).toEqual(['first', 'second']);
    expect(second.name).toBe('second');
  });
});
