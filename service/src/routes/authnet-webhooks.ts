// Authorize.Net webhooks (POST /webhooks/authnet). The signature (X-ANET-Signature, HMAC-SHA512 of
// the raw body) is checked before anything else, so a forged request gets 403 and learns nothing,
// not even whether its body would parse. The body is kept as raw bytes: this plugin's scope has a
// single content-type parser that does not parse. Each notification is handled once: its
// notificationId is recorded first, and Authorize.Net's retries of it are answered 200 and dropped.
// Events go to every handler registered with app.payments.onTransactionEvent (credit purchases,
// deposits); a handler that fails makes the answer 500, the record is dropped, and Authorize.Net
// sends the event again later.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANET_SIGNATURE_HEADER, isValidAnetSignature, parseAnetWebhookEvent } from '../payments/authnet/webhook.ts';
import { HttpProblem } from '../problem.ts';

export const AUTHNET_WEBHOOK_PATH = '/webhooks/authnet';
/** Authorize.Net's notifications are small JSON documents; anything larger is not one. */
const BODY_LIMIT_BYTES = 64 * 1024;
/** A notification still unfinished this long after it was claimed was abandoned; its retry handles it. */
const ABANDONED_AFTER_MS = 5 * 60_000;

export interface AuthNetWebhookOptions {
  /** AUTHNET_SIGNATURE_KEY. */
  signatureKey: string;
  now?: () => Date;
}

export async function authnetWebhookRoutes(app: FastifyInstance, options: AuthNetWebhookOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const log = app.log.child({ component: 'authnet-webhooks' });
  const store = () => app.storeConnection.store;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.addHook('preValidation', async (request: FastifyRequest) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!isValidAnetSignature(options.signatureKey, raw, request.headers[ANET_SIGNATURE_HEADER])) {
      log.warn('Authorize.Net webhook with a bad signature refused');
      throw new HttpProblem(403, 'invalid_signature', 'The webhook signature is not valid');
    }
  });

  // Signature-checked before anything else, and Authorize.Net sends bursts from few addresses.
  app.post(AUTHNET_WEBHOOK_PATH, { config: { rateLimit: false } }, async (request, reply) => {
    const event = parseAnetWebhookEvent(request.body as Buffer);
    if (!event) throw new HttpProblem(400, 'invalid_event', 'Not an Authorize.Net event this service understands');
    const { notificationId, eventType } = event;
    // New, or left unfinished by an instance that stopped while handling it.
    const at = now();
    const [claimed] = await store().query(
      `insert into authnet_webhook_receipt as r (notification_id, event_type, received_at) values ($1, $2, $3)
       on conflict (notification_id) do update set received_at = excluded.received_at
         where r.processed_at is null and r.received_at < $4
       returning notification_id`,
      [notificationId, eventType, at, new Date(at.getTime() - ABANDONED_AFTER_MS)],
    );
    if (!claimed) {
      const [seen] = await store().query<{ processed_at: Date | null }>(
        'select processed_at from authnet_webhook_receipt where notification_id = $1',
        [notificationId],
      );
      // Being handled by another request right now: ask Authorize.Net to send it again later.
      if (seen && seen.processed_at === null) {
        throw new HttpProblem(409, 'event_in_progress', 'This notification is being handled');
      }
      return reply.code(200).send({ received: true, duplicate: true });
    }
    try {
      for (const handler of app.payments.transactionEventHandlers()) await handler(event);
    } catch (error) {
      await store().query('delete from authnet_webhook_receipt where notification_id = $1', [notificationId]);
      log.error({ err: error, eventType }, 'Authorize.Net webhook handler failed; Authorize.Net will retry');
      throw error;
    }
    await store().query('update authnet_webhook_receipt set processed_at = $2 where notification_id = $1', [
      notificationId,
      now(),
    ]);
    log.info({ eventType }, 'Authorize.Net webhook handled');
    return reply.code(200).send({ received: true });
  });
}
