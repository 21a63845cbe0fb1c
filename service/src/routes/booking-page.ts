// The patient-facing booking page: server-rendered HTML that works with no script at all (links and
// GET forms to move around, POST with a 303 to book, cancel or reschedule), enhanced by one small
// script. Everything it knows comes from the BookingService (app.booking). Manage tokens travel in
// the query string, whose values the request log never writes.
import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BookingService, PublicOrg } from '../booking/types.ts';
import type { DepositService } from '../deposits/service.ts';
import { HttpProblem } from '../problem.ts';
import { IMMUTABLE, loadPageAssets, type Asset } from '../page/assets.ts';
import { brandStylesheet } from '../page/brand.ts';
import { checkDetails } from '../page/details-check.ts';
import { addDays, dateIn } from '../page/format.ts';
import { manageRoutes } from '../page/manage-routes.ts';
import { pickerContent } from '../page/picker-content.ts';
import { pageOrg, PageResponder } from '../page/respond.ts';
import type { PageLanguage } from '../page/text/index.ts';
import {
  BookedQuery,
  BrandParams,
  DetailsForm,
  DetailsQuery,
  OrgParams,
  PickerQuery,
  TypeParams,
  TzQuery,
} from '../page/schemas.ts';
import { nearestOf, pickerDates, queryString, zoneOf } from '../page/requests.ts';
import { confirmationPage } from '../page/views/confirmation.ts';
import { depositNoteText, formatDeposit, PAY_PATH } from '../page/views/payment.ts';
import { detailsPage, EMPTY_DETAILS, type DetailsState, type DetailsValues } from '../page/views/details.ts';
import { WEEK_DAYS, type PickerState } from '../page/views/picker.ts';
import { servicesPage } from '../page/views/services.ts';
import { BOOKING_STEPS } from '../page/views/steps.ts';
import type { Payments } from '../plugins/payments.ts';
import type { WaitlistService } from '../waitlist/service.ts';
import { depositRoutes } from './deposit-routes.ts';

export interface BookingPageOptions {
  /** The booking service, read when a request comes (it is decorated after this plugin registers). */
  booking: () => BookingService;
  /** The clock that decides "today"; tests pass their own. */
  now?: () => Date;
  /**
   * The waitlist (plugins/waitlist.ts), read when a request comes; undefined when SMS cannot be sent.
   * A fully booked working day of the picker then links to its join form.
   */
  waitlist?: () => Pick<WaitlistService, 'workingDays'> | undefined;
  /**
   * Deposits (plugins/deposits.ts) and AcceptUI, read when a request comes; given only where
   * payments are configured. A type with a deposit then goes from its details to a payment step.
   */
  payments?: { deposits: () => DepositService; acceptUi: () => Payments['acceptUi'] };
}

export async function bookingPageRoutes(app: FastifyInstance, options: BookingPageOptions): Promise<void> {
  await app.register(formbody);
  const now = options.now ?? (() => new Date());
  const assets = loadPageAssets();
  const pages = new PageResponder(assets);
  pages.install(app);

  const serveAsset = (asset: Asset) =>
    app.get(asset.path, async (_request, reply) =>
      reply.header('cache-control', IMMUTABLE).type(asset.contentType).send(asset.body),
    );
  serveAsset(assets.script);
  serveAsset(assets.stylesheet);
  app.get<{ Params: { file: string } }>(
    '/assets/brand/:file',
    { schema: { params: BrandParams } },
    async (request, reply) =>
      reply
        .header('cache-control', IMMUTABLE)
        .type('text/css; charset=utf-8')
        .send(brandStylesheet(request.params.file.slice(0, 6))),
  );

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
  /** The type's deposit as the details step announces it ('£20.00'), when one is paid first. */
  const depositOf = (type: PublicOrg['types'][number], language: PageLanguage) => {
    const amount = options.payments?.deposits().amountFor(type);
    return amount ? { deposit: formatDeposit(language.locale, amount.amountMinor, amount.currency) } : {};
  };

  app.get<{ Params: { slug: string }; Querystring: { tz?: string } }>(
    '/book/:slug',
    { schema: { params: OrgParams, querystring: TzQuery } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const tz = request.query.tz === undefined ? undefined : zoneOf(request.query.tz, org.defaultTimeZone);
      return pages.send(reply, 200, servicesPage(pages.language(request), org, tz));
    },
  );

  app.get<{ Params: TypeParams; Querystring: PickerQuery }>(
    '/book/:slug/:typeId',
    { schema: { params: TypeParams, querystring: PickerQuery } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const type = typeOf(org, request.params.typeId);
      const timeZone = zoneOf(request.query.tz, org.defaultTimeZone);
      const today = dateIn(now(), timeZone);
      const { week, date } = pickerDates(request.query, today);
      const base = typePath(org, type.id);
      const tzParam = request.query.tz === undefined ? {} : { tz: timeZone };
      const language = pages.language(request);
      const waitlist = options.waitlist?.();
      const waitlistDays =
        waitlist &&
        (await waitlist.workingDays(org.slug, type.id, date ?? week, date ?? addDays(week, WEEK_DAYS - 1), timeZone));
      const state: PickerState = {
        title: date ? language.text.time.title : language.text.day.title,
        step: { current: date ? 3 : 2, total: BOOKING_STEPS },
        typeName: type.name,
        timeZone,
        timeZoneChosen: request.query.tz !== undefined,
        navigation: {
          here: (params) => `${base}?${queryString({ ...params, ...tzParam })}`,
          choose: (slot) => `${base}/details?${new URLSearchParams({ start: slot.start, tz: timeZone })}`,
          ...(waitlistDays && {
            waitlist: (day: string) =>
              waitlistDays.has(day)
                ? `${base}/waitlist?${new URLSearchParams({ date: day, tz: timeZone })}`
                : undefined,
          }),
          formAction: base,
          hidden: {},
          back: {
            href: `/book/${encodeURIComponent(org.slug)}${request.query.tz ? `?tz=${encodeURIComponent(timeZone)}` : ''}`,
            label: language.text.day.changeService,
          },
        },
      };
      const content = await pickerContent(options.booking(), language, state, {
        slug: org.slug,
        typeId: type.id,
        week,
        date,
        today,
      });
      return pages.send(reply, 200, content);
    },
  );

  app.get<{ Params: TypeParams; Querystring: { start: string; tz: string } }>(
    '/book/:slug/:typeId/details',
    { schema: { params: TypeParams, querystring: DetailsQuery } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const type = typeOf(org, request.params.typeId);
      const timeZone = zoneOf(request.query.tz, org.defaultTimeZone);
      const language = pages.language(request);
      return pages.send(
        reply,
        200,
        detailsPage(language, {
          ...detailsState(org, type.id, type.name, timeZone, request.query.start, EMPTY_DETAILS, {}, language),
          ...depositOf(type, language),
        }),
      );
    },
  );

  app.post<{ Params: TypeParams; Body: DetailsForm }>(
    '/book/:slug/:typeId/details',
    { schema: { params: TypeParams, body: DetailsForm } },
    async (request, reply) => {
      const org = await loadOrg(request, request.params.slug);
      const type = typeOf(org, request.params.typeId);
      const form = request.body;
      const timeZone = zoneOf(form.tz, org.defaultTimeZone);
      const language = pages.language(request);
      const values: DetailsValues = {
        name: form.name,
        phone: form.phone,
        email: form.email ?? '',
        smsConsent: form.smsConsent === 'yes',
      };
      const offered = form.offered === undefined ? undefined : [form.offered].flat();
      const errors = checkDetails(values, language.locale, language.text);
      if (!form.start) errors.start = language.text.errors.pickATime;
      const render = (status: number, state: Partial<DetailsState>) =>
        pages.send(
          reply,
          status,
          detailsPage(language, {
            ...detailsState(org, type.id, type.name, timeZone, form.start, values, errors, language),
            ...depositOf(type, language),
            ...state,
          }),
        );
      if (Object.keys(errors).length > 0) {
        // Missing start means a slot-taken answer was not acted on: offer the same times again.
        return render(400, form.start ? {} : { nearest: offered ?? [] });
      }
      const input = {
        typeId: type.id,
        start: form.start!,
        timeZone,
        name: values.name.trim(),
        phone: values.phone.trim(),
        ...(values.email.trim() ? { email: values.email.trim() } : {}),
        smsConsent: values.smsConsent,
        locale: language.locale,
        idempotencyKey: form.idempotencyKey,
      };
      try {
        const deposits = options.payments?.deposits();
        if (deposits?.required(type)) {
          // Held while the patient pays; booked once the payment is approved.
          const { token } = await deposits.hold(org.slug, input);
          return reply.redirect(`${PAY_PATH}?${new URLSearchParams({ token })}`, 303);
        }
        const result = await options.booking().book(org.slug, input);
        const query = new URLSearchParams({
          cancel: result.links.cancelToken,
          reschedule: result.links.rescheduleToken,
        });
        return reply.redirect(`/manage/booked?${query}`, 303);
      } catch (error) {
        const nearest = nearestOf(error);
        if (nearest) return render(409, { start: undefined, nearest, errors: {} });
        if (error instanceof HttpProblem && error.code === 'invalid_phone') {
          return render(400, { errors: { phone: language.text.errors.phoneInvalid } });
        }
        if (error instanceof HttpProblem && error.code === 'invalid_details') {
          return render(400, { errors: { name: language.text.errors.pages.invalid_details.body } });
        }
        throw error;
      }
    },
  );

  app.get<{ Querystring: { cancel: string; reschedule: string; moved?: '1' } }>(
    '/manage/booked',
    { schema: { querystring: BookedQuery } },
    async (request, reply) => {
      const { booking } = await options.booking().get(request.query.cancel);
      await rememberOrg(request, booking.orgSlug, booking.orgName);
      const language = pages.language(request);
      const note = options.payments && (await options.payments.deposits().note(booking.bookingKey));
      return pages.send(
        reply,
        200,
        confirmationPage(
          language,
          booking,
          { cancelToken: request.query.cancel, rescheduleToken: request.query.reschedule },
          request.query.moved === '1',
          note && depositNoteText(language, note, booking, 'booked'),
        ),
      );
    },
  );

  /** The clinic's look for pages reached by token; its plain name if the org cannot be read. */
  const rememberOrg = async (request: FastifyRequest, slug: string, name: string): Promise<void> => {
    try {
      await loadOrg(request, slug);
    } catch {
      pages.remember(request, slug, pageOrg({ name, brandColor: '' }));
    }
  };

  const { payments } = options;
  await manageRoutes(app, {
    booking: options.booking,
    now,
    pages,
    rememberOrg,
    ...(payments ? { deposits: payments.deposits } : {}),
  });
  if (payments) await depositRoutes(app, { ...payments, pages, rememberOrg });
}

function detailsState(
  org: PublicOrg,
  typeId: string,
  typeName: string,
  timeZone: string,
  start: string | undefined,
  values: DetailsValues,
  errors: DetailsState['errors'],
  language: PageLanguage,
): DetailsState {
  const path = `/book/${encodeURIComponent(org.slug)}/${encodeURIComponent(typeId)}`;
  const day = start ? dateIn(new Date(start), timeZone) : undefined;
  return {
    action: `${path}/details`,
    typeName,
    start,
    timeZone,
    // A fresh key per form shown: resending this form (a double click, a retry) books once.
    idempotencyKey: randomUUID(),
    consentText: consentTextOf(org) ?? language.text.details.consentFallback(org.name),
    values,
    errors,
    changeTime: `${path}?${new URLSearchParams({ ...(day ? { date: day } : {}), tz: timeZone })}`,
  };
}

/** The org's own SMS consent wording, when the booking service passes it on. */
function consentTextOf(org: PublicOrg): string | undefined {
  const text = (org as PublicOrg & { consentText?: unknown }).consentText;
  return typeof text === 'string' && text.trim() ? text : undefined;
}
