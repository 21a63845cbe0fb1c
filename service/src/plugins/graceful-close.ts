import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * While the app closes, every response tells the client to close its connection. Otherwise a
 * keep-alive connection whose request finished during shutdown stays open until its keep-alive
 * timeout, and shutdown waits for it past any sensible deadline.
 */
async function gracefulClose(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

export const gracefulClosePlugin = fp(gracefulClose, { name: 'graceful-close' });
