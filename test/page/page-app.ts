// The app with the booking pages over an in-memory booking service, and small readers of the HTML.
import Fastify, { LogController, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { bookingPageRoutes } from '../../service/src/routes/booking-page.ts';
import { createLogger } from '../../service/src/logger.ts';
import { errorsPlugin } from '../../service/src/plugins/errors.ts';
import { rateLimitPlugin } from '../../service/src/plugins/rate-limit.ts';
import { requestLogPlugin } from '../../service/src/plugins/request-log.ts';
import { securityPlugin } from '../../service/src/plugins/security.ts';
import { FakeBooking } from './fake-booking.ts';

/** Monday 2 March 2026, noon in London. */
export const NOW = new Date('2026-03-02T12:00:00.000Z');

/**
 * The booking pages over the in-memory service, with the app's own cross-cutting plugins (request
 * log, security headers and CSP, rate limit, errors) and nothing else: no store to open.
 */
export async function pageApp(t: Test, org: ConstructorParameters<typeof FakeBooking>[1] = {}) {
  const logs: string[] = [];
  const app = Fastify({
    loggerInstance: createLogger('info', { write: (line: string) => void logs.push(line) }),
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  t.teardown(() => app.close());
  await app.register(requestLogPlugin);
  await app.register(securityPlugin, { trustProxy: false });
  await app.register(rateLimitPlugin, { perMinute: 10_000 });
  await app.register(errorsPlugin);
  const fake = new FakeBooking(() => NOW, org);
  await app.register(bookingPageRoutes, { booking: () => fake, now: () => NOW });
  await app.ready();
  return { app, fake, logs };
}

/** Every href in the page, entities decoded. */
export function links(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((match) => decode(match[1]!));
}

export function linkTo(html: string, prefix: string): string {
  const found = links(html).find((href) => href.startsWith(prefix));
  if (!found) throw new Error(`no link starting ${prefix}`);
  return found;
}

/** The attributes of every `<tag …>` in the html, entities decoded; a bare attribute has the value ''. */
export function tags(html: string, tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((match) => {
    const attributes: Record<string, string> = {};
    for (const attribute of match[1]!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) {
      attributes[attribute[1]!] = decode(attribute[2] ?? '');
    }
    return attributes;
  });
}

/** The input with this id. */
export function input(html: string, id: string): Record<string, string> | undefined {
  return tags(html, 'input').find((attributes) => attributes.id === id);
}

/** Form fields by name; a name the form repeats has all its values. */
export type Fields = Record<string, string | string[]>;

/** The hidden inputs of the first form posting to `action`. */
export function formFields(html: string, action: string): Fields {
  const at = html.search(new RegExp(`<form method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
  if (at < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(at, html.indexOf('</form>', at));
  const fields: Fields = {};
  for (const { type, name, value } of tags(form, 'input')) {
    if (type !== 'hidden') continue;
    const before = fields[name!];
    fields[name!] = before === undefined ? value! : [before, value!].flat();
  }
  return fields;
}

export function decode(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

export function postForm(app: FastifyInstance, url: string, fields: Fields): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(
      Object.entries(fields).flatMap(([name, value]) => [value].flat().map((one): [string, string] => [name, one])),
    ).toString(),
  });
}

/** A page's h1, tags removed. */
export function heading(html: string): string {
  return decode(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? '');
}
