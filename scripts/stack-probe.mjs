// Readiness probe for scripts/stack: exits 0 once the Kafka broker serves cluster metadata to a real client.
import { Kafka, logLevel } from 'kafkajs';

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
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  process.exitCode = cluster.brokers.length > 0 && cluster.controller !== null ? 0 : 1;
} catch {
  process.exitCode = 1;
} finally {
  await admin.disconnect().catch(() => {});
}
