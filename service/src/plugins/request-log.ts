import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { loggableUrl } from '../logger.ts';

/** One line a request, when it is answered: no headers, no bodies, no query values. */
async function requestLog(app: FastifyInstance): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: loggableUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}

export const requestLogPlugin = fp(requestLog, { name: 'request-log' });
