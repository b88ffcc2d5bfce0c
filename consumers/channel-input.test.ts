import { describe } from 'vitest';
import { createInProcessFanout } from '../pipeline/fanout/in-process-fanout.js';
import { channelInputCases } from './testing/channel-input-cases.js';

describe('a fan-out channel as a consumer input, on the in-process fan-out', () => {
  channelInputCases(async () => {
    const fanout = createInProcessFanout();
    return { fanout, cleanup: () => fanout.close() };
  });
});
