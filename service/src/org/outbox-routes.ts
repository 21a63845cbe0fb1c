import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { retryRejected } from '../outbox/outbox.ts';
import { HttpProblem } from '../problem.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

/** An outbox write's id, as `GET /v1/org/status` lists it under outbox.lastRejected. */
const WriteParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

/** The outbox routes of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function outboxRoutes(v1: FastifyInstance): Promise<void> {
  // Puts a write Salesforce rejected back in the queue, once the admin has fixed the cause, and
  // wakes the org's delivery so it goes now rather than at the next sweep.
  v1.post<{ Params: Static<typeof WriteParams> }>(
    '/org/outbox/:id/retry',
    { ...ORG_ROUTE, schema: { params: WriteParams } },
    async (request, reply) => {
      const { orgId } = orgOf(request);
      const store = v1.storeConnection.store;
      const { id } = request.params;
      // Another org's write is answered like an unknown one: ids of other orgs are not revealed.
      const [write] = await store.query<{ state: string }>(
        'select state from org_outbox where org_id = $1 and id = $2',
        [orgId, id],
      );
      if (!write) throw new HttpProblem(404, 'write_not_found', 'There is no such write for this org');
      if (write.state !== 'rejected') {
        throw new HttpProblem(
          409,
          'write_not_rejected',
          'Only a rejected write can be retried',
          `The write is ${write.state}.`,
        );
      }
      if (!(await retryRejected(store, orgId, id))) {
        throw new HttpProblem(
          409,
          'write_superseded',
          'A later write to the same record replaces this one',
          'Sending this write after the later one would undo it; retry the latest write of the record instead.',
        );
      }
      await v1.outbox.wake(orgId);
      request.log.info({ orgId, outboxId: id }, 'rejected write queued again');
      return reply.code(204).send();
    },
  );
}
