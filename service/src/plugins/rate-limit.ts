import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * Every route is limited per client address unless it opts out (health probes do). Counters are
 * per instance for now; a shared store comes with the features that need one across instances.
 */
async function limitRequests(app: FastifyInstance, options: { perMinute: number }): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.perMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, retryAfter: context.after }),
  });
}

// Not encapsulated: it must apply to every route of the app.
export const rateLimitPlugin = fp(limitRequests, { name: 'rate-limit' });
