import { describe, expect, it } from 'vitest';
import { perTopicRequests } from './kafka-producers.js';

const messages = (topic: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ key: `${topic}-${i}`, value: null, partition: i % 2 }));

describe('perTopicRequests', () => {
  it('puts at most the cap of each topic in a request, every topic in the first, each in its order', () => {
    const topics = [
      { topic: 'bars', messages: messages('bars', 7) },
      { topic: 'alerts', messages: messages('alerts', 2) },
      { topic: 'state', messages: messages('state', 5) },
    ];
    const requests = [...perTopicRequests(topics, 3)];
    expect(
      requests.map((request) => request.map(({ topic, messages }) => `${topic}:${messages.length}`)),
    ).toEqual([['bars:3', 'alerts:2', 'state:3'], ['bars:3', 'state:2'], ['bars:1']]);
    for (const { topic, messages: sent } of topics) {
      const received = requests.flatMap((request) => request.filter((entry) => entry.topic === topic));
      expect(received.flatMap((entry) => entry.messages)).toEqual(sent);
    }
  });

  it('makes no request of no records', () => {
    expect([...perTopicRequests([])]).toEqual([]);
  });
});
