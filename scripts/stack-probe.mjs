// Readiness probe for scripts/stack: exits 0 once the Kafka broker serves cluster metadata to a real client,
// a group coordinator answers (consumer groups work) and an idempotent producer gets its producer id.
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const [service, broker] = process.argv.slice(2);
if (service !== 'kafka' || !broker) {
  console.error('usage: node scripts/stack-probe.mjs kafka HOST:PORT');
  process.exit(2);
}
const kafka = new Kafka({
  clientId: 'nexural-stack-probe',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
// kafkajs refuses an idempotent producer without retries; one quick retry keeps each probe short.
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 },
});
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  await admin.describeGroups(['nexural-stack-probe']);
  await producer.connect();
  process.exitCode = cluster.brokers.length > 0 && cluster.controller !== null ? 0 : 1;
} catch {
  process.exitCode = 1;
} finally {
  await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
}
