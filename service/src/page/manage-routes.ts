// What a manage link (/manage?token=…) leads to: the appointment, then cancel (with a confirm step)
// or reschedule (the same day and time picker, then a confirm step), as the token's purpose allows.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BookingService, BookingView, ManagePurpose } from '../booking/types.ts';
import type { DepositService } from '../deposits/service.ts';
import { HttpProblem } from '../problem.ts';
import { dateIn } from './format.ts';
import { pickerContent } from './picker-content.ts';
import { nearestOf, pickerDates, queryString, zoneOf } from './requests.ts';
import type { PageResponder } from './respond.ts';
import { CancelForm, RescheduleConfirmQuery, RescheduleForm, ReschedulePickerQuery, TokenQuery } from './schemas.ts';
import { cancelConfirmPage, cancelledPage, managePage, rescheduleConfirmPage } from './views/manage.ts';
import { depositNoteText } from './views/payment.ts';
import type { PickerState } from './views/picker.ts';
import { RESCHEDULE_STEPS } from './views/steps.ts';

export interface ManageRouteOptions {
  booking: () => BookingService;
  now: () => Date;
  pages: PageResponder;
  /** Looks the clinic up so the page wears its name and colour. */
  rememberOrg(request: FastifyRequest, slug: string, name: string): Promise<void>;
  /** Deposits (where payments are): what the pages say about one, and giving it back on cancel. */
  deposits?: () => Pick<DepositService, 'note' | 'cancelled'>;
}

type TokenQuery = { token: string };

export async function manageRoutes(app: FastifyInstance, options: ManageRouteOptions): Promise<void> {
  const { pages } = options;

  /** The booking behind a token, refused unless the token is for `purpose` and it is still allowed. */
  const open = async (request: FastifyRequest, token: string, purpose?: ManagePurpose): Promise<BookingView> => {
    const found = await options.booking().get(token);
    await options.rememberOrg(request, found.booking.orgSlug, found.booking.orgName);
    if (purpose === undefined) return found.booking;
    if (found.purpose !== purpose) throw new HttpProblem(403, 'invalid_token', 'This link is for something else');
    if (found.booking.status === 'cancelled') {
      throw new HttpProblem(409, 'already_cancelled', 'The appointment was cancelled');
    }
    const allowed = purpose === 'cancel' ? found.booking.canCancel : found.booking.canReschedule;
    if (!allowed) throw new HttpProblem(409, 'past_cutoff', 'Too late to change online');
    return found.booking;
  };
  const withToken = (path: string, token: string, params: Record<string, string | undefined> = {}) =>
    `${path}?${queryString({ token, ...params })}`;
  /** What the page says about the booking's deposit, if it had one. */
  const depositNote = async (
    request: FastifyRequest,
    booking: BookingView,
    page: Parameters<typeof depositNoteText>[3],
  ): Promise<string | undefined> => {
    const note = options.deposits && (await options.deposits().note(booking.bookingKey));
    return note && depositNoteText(pages.language(request), note, booking, page);
  };

  app.get<{ Querystring: TokenQuery }>('/manage', { schema: { querystring: TokenQuery } }, async (request, reply) => {
    const found = await options.booking().get(request.query.token);
    await options.rememberOrg(request, found.booking.orgSlug, found.booking.orgName);
    return pages.send(
      reply,
      200,
      managePage(
        pages.language(request),
        found.booking,
        found.purpose,
        request.query.token,
        await depositNote(request, found.booking, 'manage'),
      ),
    );
  });

  app.get<{ Querystring: TokenQuery }>(
    '/manage/cancel',
    { schema: { querystring: TokenQuery } },
    async (request, reply) => {
      const booking = await open(request, request.query.token, 'cancel');
      const note = await depositNote(request, booking, 'cancel');
      return pages.send(reply, 200, cancelConfirmPage(pages.language(request), booking, request.query.token, note));
    },
  );

  app.post<{ Body: TokenQuery }>('/manage/cancel', { schema: { body: CancelForm } }, async (request, reply) => {
    await open(request, request.body.token, 'cancel');
    const cancelled = await options.booking().cancel(request.body.token);
    // Only possible before the cutoff, so within policy: the deposit goes back (the sweep finishes it if this fails).
    await options
      .deposits?.()
      .cancelled(cancelled.bookingKey)
      .catch((error: unknown) => request.log.warn({ err: error }, 'deposit: giving it back failed; the sweep retries'));
    return reply.redirect(withToken('/manage/cancelled', request.body.token), 303);
  });

  app.get<{ Querystring: TokenQuery }>(
    '/manage/cancelled',
    { schema: { querystring: TokenQuery } },
    async (request, reply) => {
      const language = pages.language(request);
      try {
        const booking = await open(request, request.query.token);
        if (booking.status !== 'cancelled') {
          // Not cancelled (an old address, or someone guessing): show what the link can do instead.
          return reply.redirect(withToken('/manage', request.query.token), 303);
        }
        const note = await depositNote(request, booking, 'cancelled');
        return pages.send(reply, 200, cancelledPage(language, booking, booking.orgSlug, note));
      } catch (error) {
        // A service that answers "already cancelled" for a cancelled booking's token says the same.
        if (error instanceof HttpProblem && error.code === 'already_cancelled') {
          return pages.send(reply, 200, cancelledPage(language, undefined, undefined));
        }
        throw error;
      }
    },
  );

  app.get<{ Querystring: { token: string; week?: string; date?: string; tz?: string } }>(
    '/manage/reschedule',
    { schema: { querystring: ReschedulePickerQuery } },
    async (request, reply) => {
      const { token } = request.query;
      const booking = await open(request, token, 'reschedule');
      const language = pages.language(request);
      const timeZone = zoneOf(request.query.tz, booking.timeZone);
      const today = dateIn(options.now(), timeZone);
      const { week, date } = pickerDates(request.query, today);
      const tzParam = request.query.tz === undefined ? {} : { tz: timeZone };
      const state: PickerState = {
        title: date ? language.text.manage.rescheduleTimeTitle : language.text.manage.rescheduleDayTitle,
        step: { current: date ? 2 : 1, total: RESCHEDULE_STEPS },
        typeName: booking.type.name,
        timeZone,
        timeZoneChosen: request.query.tz !== undefined,
        navigation: {
          here: (params) => withToken('/manage/reschedule', token, { ...params, ...tzParam }),
          choose: (slot) => withToken('/manage/reschedule/confirm', token, { start: slot.start, tz: timeZone }),
          formAction: '/manage/reschedule',
          hidden: { token },
          back: { href: withToken('/manage', token), label: language.text.manage.rescheduleKeep },
        },
      };
      const content = await pickerContent(options.booking(), language, state, {
        slug: booking.orgSlug,
        typeId: booking.type.id,
        week,
        date,
        today,
      });
      return pages.send(reply, 200, content);
    },
  );

  const confirmContent = (
    request: FastifyRequest,
    booking: BookingView,
    change: { token: string; start: string; timeZone: string; nearest?: string[] },
  ) => {
    const day = dateIn(new Date(change.start), change.timeZone);
    return rescheduleConfirmPage(pages.language(request), booking, change.token, {
      start: change.start,
      timeZone: change.timeZone,
      ...(change.nearest ? { nearest: change.nearest } : {}),
      back: withToken('/manage/reschedule', change.token, { date: day, tz: change.timeZone }),
    });
  };

  app.get<{ Querystring: { token: string; start: string; tz: string } }>(
    '/manage/reschedule/confirm',
    { schema: { querystring: RescheduleConfirmQuery } },
    async (request, reply) => {
      const { token, start } = request.query;
      const booking = await open(request, token, 'reschedule');
      const timeZone = zoneOf(request.query.tz, booking.timeZone);
      return pages.send(reply, 200, confirmContent(request, booking, { token, start, timeZone }));
    },
  );

  app.post<{ Body: { token: string; start: string; tz: string } }>(
    '/manage/reschedule',
    { schema: { body: RescheduleForm } },
    async (request, reply) => {
      const { token, start } = request.body;
      const booking = await open(request, token, 'reschedule');
      const timeZone = zoneOf(request.body.tz, booking.timeZone);
      try {
        const result = await options.booking().reschedule(token, { start });
        const query = new URLSearchParams({
          cancel: result.links.cancelToken,
          reschedule: result.links.rescheduleToken,
          moved: '1',
        });
        return reply.redirect(`/manage/booked?${query}`, 303);
      } catch (error) {
        const nearest = nearestOf(error);
        if (!nearest) throw error;
        return pages.send(reply, 409, confirmContent(request, booking, { token, start, timeZone, nearest }));
      }
    },
  );
}
