// The connect flow's two pages: GET /connect sends the admin to the org's login host, and
// GET /connect/callback comes back from it, stores the connection and shows the org's API key once.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidConnectionError } from '../org/connections.ts';
import { ConnectError, finishConnect, startConnect, type ConnectContext } from '../salesforce/connect/flow.ts';

const ConnectQuery = Type.Object({
  loginHost: Type.String({ minLength: 1, maxLength: 255 }),
  /** Reconnecting a known org: a sign-in to any other org is refused. */
  orgId: Type.Optional(Type.String({ maxLength: 18 })),
});

const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 256 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 1024 })),
});

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

/** A minimal page: no script, no inline style, so the base CSP stays as it is. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Slotwise</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('text/html; charset=utf-8')
    .send(page(title, body));
}

function failurePage(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendPage(reply, status, 'The org was not connected', `<p>${escapeHtml(message)}</p>`);
}

export async function connectRoutes(app: FastifyInstance): Promise<void> {
  const context = (): ConnectContext | undefined => {
    const { client, apiVersion, allowLocalEmulator } = app.salesforce;
    if (!client) return undefined;
    return { store: app.storeConnection.store, envelope: app.envelope, client, apiVersion, allowLocalEmulator };
  };
  const notConfigured = (reply: FastifyReply) =>
    failurePage(
      reply,
      503,
      'No Salesforce connected app is configured: set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET.',
    );

  app.get<{ Querystring: Static<typeof ConnectQuery> }>(
    '/connect',
    { schema: { querystring: ConnectQuery } },
    async (request, reply) => {
      const connect = context();
      if (!connect) return notConfigured(reply);
      try {
        const url = await startConnect(connect, {
          loginHost: request.query.loginHost,
          expectedOrgId: request.query.orgId,
        });
        return reply.header('cache-control', 'no-store').redirect(url, 302);
      } catch (error) {
        if (error instanceof InvalidConnectionError) return failurePage(reply, 400, error.message);
        throw error;
      }
    },
  );

  app.get<{ Querystring: Static<typeof CallbackQuery> }>(
    '/connect/callback',
    { schema: { querystring: CallbackQuery } },
    async (request, reply) => {
      const connect = context();
      if (!connect) return notConfigured(reply);
      const { code, state, error } = request.query;
      if (error) {
        // The admin declined, or the connected app refused: the state, if any, is spent either way.
        if (state) await finishConnect(connect, { code: '', state }).catch(() => undefined);
        return failurePage(
          reply,
          400,
          `Salesforce did not grant access (${error}). Start again from the Connect button.`,
        );
      }
      if (!code || !state) {
        return failurePage(reply, 400, 'The sign-in answer is incomplete. Start again from the Connect button.');
      }
      try {
        const result = await finishConnect(connect, { code, state });
        app.salesforce.gateway.forget(result.orgId);
        await app.sync.start(result.orgId);
        request.log.info({ orgId: result.orgId, keyPrefix: result.apiKeyPrefix }, 'org connected');
        return sendPage(
          reply,
          200,
          'Org connected',
          `<p>Org <code>${escapeHtml(result.orgId)}</code> is connected as user <code>${escapeHtml(result.integrationUserId)}</code>.</p>
<p>This is the org's API key. It is shown <strong>only once</strong>: copy it now.</p>
<p><input type="text" readonly size="60" value="${escapeHtml(result.apiKey)}" aria-label="API key"></p>
<ol>
<li>In Salesforce Setup, open <em>Named Credentials</em>, then the <em>External Credentials</em> tab, and open <strong>Slotwise_Service</strong>.</li>
<li>Under <em>Principals</em>, edit <strong>OrgApiKey</strong> and set its authentication parameter <strong>ApiKey</strong> to the key above.</li>
<li>Save, then return to the Slotwise app: the connection status should show <em>Connected</em>.</li>
</ol>
<p>A previous key, if any, keeps working for 24 hours.</p>`,
        );
      } catch (failure) {
        if (failure instanceof ConnectError) {
          request.log.warn({ code: failure.code }, 'connect flow refused');
          return failurePage(reply, 400, failure.message);
        }
        throw failure;
      }
    },
  );
}
