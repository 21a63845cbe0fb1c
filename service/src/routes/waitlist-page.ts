// The waitlist's pages, beside the booking page and built the same way: server-rendered, working
// without script (GET to show, POST with a 303 to act), every input checked by a schema. Joining
// is reached from a fully booked day of the picker; the offer page from the text's link, whose
// token travels in the query string (the request log writes only query parameter names).
import formbody from '@fastify/formbody';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PublicOrg } from '../booking/types.ts';
import { loadPageAssets } from '../page/assets.ts';
import { checkDetails } from '../page/details-check.ts';
import { zoneOf } from '../page/requests.ts';
import { pageOrg, PageResponder } from '../page/respond.ts';
import { CancelForm, TokenQuery, TypeParams } from '../page/schemas.ts';
import type { PageLanguage } from '../page/text/index.ts';
import {
  declinedPage,
  EMPTY_JOIN,
  joinedPage,
  joinPage,
  offerPage,
  type JoinErrors,
  type JoinValues,
} from '../page/views/waitlist.ts';
import { HttpProblem } from '../problem.ts';
import type { WaitlistService } from '../waitlist/service.ts';
import type { BookingService } from '../booking/types.ts';

export interface WaitlistPageOptions {
  booking: () => BookingService;
  waitlist: () => WaitlistService;
}

const TimeZone = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' });
const CalendarDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const JoinQuery = Type.Object({ date: CalendarDate, tz: Type.Optional(TimeZone) });
const JoinForm = Type.Object({
  date: CalendarDate,
  tz: TimeZone,
  // Generous limits here; the page's own checks give the patient a precise message.
  name: Type.String({ maxLength: 1000 }),
  phone: Type.String({ maxLength: 200 }),
  smsConsent: Type.Optional(Type.Literal('yes')),
});
const JoinedQuery = Type.Object({
  date: CalendarDate,
  tz: TimeZone,
  position: Type.String({ pattern: '^[1-9][0-9]{0,5}$' }),
  again: Type.Optional(Type.Literal('1')),
});
const DeclinedQuery = Type.Object({ org: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,79}$' }) });

/** Where the forms post and the text links: the offer page. */
export const OFFER_PATH = '/waitlist/offer';

export async function waitlistPageRoutes(app: FastifyInstance, options: WaitlistPageOptions): Promise<void> {
  await app.register(formbody);
  const pages = new PageResponder(loadPageAssets());
  pages.install(app);

  const loadOrg = async (request: FastifyRequest, slug: string): Promise<PublicOrg> => {
    const org = await options.booking().org(slug.toLowerCase());
    pages.remember(request, org.slug, pageOrg(org));
    return org;
  };
  const typeOf = (org: PublicOrg, typeId: string) => {
    const type = org.types.find((candidate) => candidate.id === typeId);
    if (!type) throw new HttpProblem(404, 'unknown_type', 'Unknown appointment type');
    return type;
  };
  const typePath = (org: PublicOrg, typeId: string) =>
    `/book/${encodeURIComponent(org.slug)}/${encodeURIComponent(typeId)}`;
  const consentText = (org: PublicOrg, language: PageLanguage) =>
    org.consentText.trim() || language.text.waitlist.consentFallback(org.name);

  app.get<{ Params: TypeParams; Querystring: Static<typeof JoinQuery> }>(
    '/book/:slug/:typeId/waitlist',
    { schema: { params: TypeParams, querystring: JoinQuery } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const type = typeOf(org, request.params.typeId);
      const timeZone = zoneOf(request.query.tz, org.defaultTimeZone);
      const language = pages.language(request);
      const path = typePath(org, type.id);
      return pages.send(
        reply,
        200,
        joinPage(language, {
          action: `${path}/waitlist`,
          typeName: type.name,
          date: request.query.date,
          timeZone,
          consentText: consentText(org, language),
          values: EMPTY_JOIN,
          errors: {},
          back: `${path}?${new URLSearchParams({ date: request.query.date, tz: timeZone })}`,
        }),
      );
    },
  );

  app.post<{ Params: TypeParams; Body: Static<typeof JoinForm> }>(
    '/book/:slug/:typeId/waitlist',
    { schema: { params: TypeParams, body: JoinForm } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const type = typeOf(org, request.params.typeId);
      const form = request.body;
      const timeZone = zoneOf(form.tz, org.defaultTimeZone);
      const language = pages.language(request);
      const path = typePath(org, type.id);
      const values: JoinValues = { name: form.name, phone: form.phone, smsConsent: form.smsConsent === 'yes' };
      const render = (status: number, errors: JoinErrors, refusal?: { title: string; body: string }) =>
        pages.send(
          reply,
          status,
          joinPage(language, {
            action: `${path}/waitlist`,
            typeName: type.name,
            date: form.date,
            timeZone,
            consentText: consentText(org, language),
            values,
            errors,
            ...(refusal ? { refusal } : {}),
            back: `${path}?${new URLSearchParams({ date: form.date, tz: timeZone })}`,
          }),
        );
      const { name, phone } = checkDetails({ ...values, email: '' }, language.locale, language.text);
      const errors: JoinErrors = {
        ...(name ? { name } : {}),
        ...(phone ? { phone } : {}),
        ...(values.smsConsent ? {} : { smsConsent: language.text.errors.consentMissing }),
      };
      if (Object.keys(errors).length > 0) return render(400, errors);
      try {
        const joined = await options.waitlist().join(org.slug, {
          typeId: type.id,
          date: form.date,
          timeZone,
          name: values.name.trim(),
          phone: values.phone.trim(),
          smsConsent: true,
          locale: language.locale,
        });
        const query = new URLSearchParams({
          date: form.date,
          tz: timeZone,
          position: String(joined.entry.position),
          ...(joined.replayed ? { again: '1' } : {}),
        });
        return reply.redirect(`${path}/waitlist/joined?${query}`, 303);
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        switch (error.code) {
          case 'invalid_phone':
            return render(400, { phone: language.text.errors.phoneInvalid });
          case 'invalid_details':
            return render(400, { name: language.text.errors.nameInvalid });
          case 'free_times':
          case 'deposit_type':
          case 'no_times_that_day':
          case 'waitlist_limit':
            return render(error.status, {}, language.text.errors.pages[error.code]);
          default:
            throw error;
        }
      }
    },
  );

  app.get<{ Params: TypeParams; Querystring: Static<typeof JoinedQuery> }>(
    '/book/:slug/:typeId/waitlist/joined',
    { schema: { params: TypeParams, querystring: JoinedQuery } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const type = typeOf(org, request.params.typeId);
      return pages.send(
        reply,
        200,
        joinedPage(pages.language(request), {
          typeName: type.name,
          date: request.query.date,
          position: Number(request.query.position),
          replayed: request.query.again === '1',
          bookingPage: `/book/${encodeURIComponent(org.slug)}`,
        }),
      );
    },
  );

  /** The clinic's look for a page reached by token; its plain name if the org cannot be read. */
  const rememberOrg = async (request: FastifyRequest, slug: string, name: string): Promise<void> => {
    try {
      await loadOrg(request, slug);
    } catch {
      pages.remember(request, slug, pageOrg({ name, brandColor: '' }));
    }
  };

  app.get<{ Querystring: { token: string } }>(
    OFFER_PATH,
    { schema: { querystring: TokenQuery } },
    async (request, reply) => {
      const { token } = request.query;
      const offer = await options.waitlist().offer(token);
      if (offer.state === 'booked' && offer.links) {
        const query = new URLSearchParams({ cancel: offer.links.cancelToken, reschedule: offer.links.rescheduleToken });
        return reply.redirect(`/manage/booked?${query}`, 303);
      }
      await rememberOrg(request, offer.orgSlug, offer.orgName);
      return pages.send(
        reply,
        200,
        offerPage(pages.language(request), offer, { confirm: OFFER_PATH, decline: `${OFFER_PATH}/decline`, token }),
      );
    },
  );

  app.post<{ Body: { token: string } }>(OFFER_PATH, { schema: { body: CancelForm } }, async (request, reply) => {
    const links = await options.waitlist().confirm(request.body.token);
    const query = new URLSearchParams({ cancel: links.cancelToken, reschedule: links.rescheduleToken });
    return reply.redirect(`/manage/booked?${query}`, 303);
  });

  app.post<{ Body: { token: string } }>(
    `${OFFER_PATH}/decline`,
    { schema: { body: CancelForm } },
    async (request, reply) => {
      const { orgSlug } = await options.waitlist().decline(request.body.token);
      return reply.redirect(`/waitlist/declined?${new URLSearchParams({ org: orgSlug })}`, 303);
    },
  );

  app.get<{ Querystring: Static<typeof DeclinedQuery> }>(
    '/waitlist/declined',
    { schema: { querystring: DeclinedQuery } },
    async (request, reply) => {
      const slug = request.query.org.toLowerCase();
      await rememberOrg(request, slug, '');
      return pages.send(reply, 200, declinedPage(pages.language(request), `/book/${encodeURIComponent(slug)}`));
    },
  );
}
