import type { FastifyReply } from 'fastify';

/**
 * Sends JSON that is already text (e.g. from the response cache). Fastify sends a string with a JSON content
 * type as is, skipping the route's serializer: the text was made from a value of the route's response type.
 */
export function sendJsonText(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}
