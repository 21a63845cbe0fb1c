// createPurchaseLink of the org API (docs/org-api.yaml): a signed, single-use, 15-minute link to the
// service's billing page for the admin console to open. The service cannot see the user's
// permissions (Apex checks Slotwise_Buy_Credits before calling); it records who asked.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { signPurchaseToken } from '../billing/link-token.ts';
import { insertPurchaseLink } from '../billing/links.ts';
import { signingKeySource } from '../booking/manage-token.ts';
import { packId, type CreditPack } from '../credits/packs.ts';
import { HttpProblem } from '../problem.ts';
import { soql } from '../salesforce/soql.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

/** docs/org-api.yaml, components/schemas/PurchaseLinkRequest. */
const PurchaseLinkRequest = Type.Object(
  { packId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })) },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/PurchaseLink. */
const PurchaseLinkSchema = Type.Object(
  { url: Type.String(), expiresAt: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);
type PurchaseLink = Static<typeof PurchaseLinkSchema>;

export interface PurchaseRoutesOptions {
  packs: readonly CreditPack[];
  publicUrl: URL;
}

/** The billing page's address; the token travels in the query (the request log keeps parameter names only). */
export const BILLING_PATH = '/billing';

const ORG_NAME_TIMEOUT_MS = 5_000;

export async function purchaseRoutes(v1: FastifyInstance, options: PurchaseRoutesOptions): Promise<void> {
  const signingKey = signingKeySource(() => v1.storeConnection.store, v1.envelope);

  // The page's header shows the org's name; a link is still worth having when Salesforce is slow.
  const orgName = async (orgId: string): Promise<string> => {
    const query = v1.orgApi.query(orgId, soql`SELECT Id, Name FROM Organization LIMIT 1`);
    const timeout = new Promise<[]>((resolve) => setTimeout(() => resolve([]), ORG_NAME_TIMEOUT_MS).unref());
    const [org] = await Promise.race([query, timeout]).catch(() => []);
    return typeof org?.Name === 'string' ? org.Name : '';
  };

  v1.post<{ Body: Static<typeof PurchaseLinkRequest> }>(
    '/credits/purchase-link',
    { ...ORG_ROUTE, schema: { body: PurchaseLinkRequest, response: { 200: PurchaseLinkSchema } } },
    async (request): Promise<PurchaseLink> => {
      if (!v1.hasDecorator('payments')) {
        throw new HttpProblem(
          503,
          'payments_not_configured',
          'Card payments are not set up on this service',
          'The service has no Authorize.Net account configured; ask the service operator to set AUTHNET_*.',
        );
      }
      const { orgId, userId } = orgOf(request);
      const requested = request.body.packId ?? null;
      if (requested !== null && !options.packs.some((pack) => packId(pack) === requested)) {
        throw new HttpProblem(422, 'unknown_pack', 'No such credit pack', 'Choose one of the packs getCredits lists.');
      }
      const link = await insertPurchaseLink(v1.storeConnection.store, {
        orgId,
        userId,
        packId: requested,
        orgName: await orgName(orgId),
        now: new Date(),
      });
      const token = signPurchaseToken(await signingKey(), {
        linkId: link.id,
        expiresAt: link.expiresAt.getTime() / 1000,
      });
      const url = new URL(BILLING_PATH, options.publicUrl);
      url.searchParams.set('token', token);
      return { url: url.toString(), expiresAt: link.expiresAt.toISOString() };
    },
  );
}
