// Sending booking pages: the shell, the clinic's look when it is known, and HTML error pages (the
// app-wide handler answers problem+json, which a patient's browser would show as raw text).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PublicOrg } from '../booking/types.ts';
import { HttpProblem } from '../problem.ts';
import type { PageAssets } from './assets.ts';
import { brandHex } from './brand.ts';
import { renderPage, type PageContent, type PageContext } from './layout.ts';
import type { PageErrorCode } from './text/en.ts';
import { languageFor, type PageLanguage } from './text/index.ts';
import { errorPage } from './views/error.ts';

export type PageOrg = PageContext['org'];

export function pageOrg(org: Pick<PublicOrg, 'name' | 'brandColor'>): NonNullable<PageOrg> {
  return { name: org.name, brandHex: brandHex(org.brandColor) };
}

export class PageResponder {
  readonly #assets: PageAssets;
  /** The clinic a request is about, once known, so its error page still looks like the clinic's. */
  readonly #orgs = new WeakMap<FastifyRequest, { org: NonNullable<PageOrg>; slug: string }>();

  constructor(assets: PageAssets) {
    this.#assets = assets;
  }

  language(request: FastifyRequest): PageLanguage {
    return languageFor(request.headers['accept-language']);
  }

  remember(request: FastifyRequest, slug: string, org: NonNullable<PageOrg>): void {
    this.#orgs.set(request, { org, slug });
  }

  send(reply: FastifyReply, status: number, content: PageContent): FastifyReply {
    const known = this.#orgs.get(reply.request);
    const html = renderPage({ language: this.language(reply.request), assets: this.#assets, org: known?.org }, content);
    return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  /** The error handler of the booking pages' scope. */
  install(app: FastifyInstance): void {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const { status, code } = classify(error);
      if (status >= 500 && !(error instanceof HttpProblem)) request.log.error({ err: error }, 'booking page failed');
      else request.log.info({ code, status }, 'booking page refused');
      const slug = this.#orgs.get(request)?.slug ?? slugOf(request);
      const startAgain = slug ? `/book/${encodeURIComponent(slug)}` : undefined;
      return this.send(reply, status, errorPage(this.language(request), code, startAgain));
    });
  }
}

function slugOf(request: FastifyRequest): string | undefined {
  const slug = (request.params as { slug?: unknown } | undefined)?.slug;
  return typeof slug === 'string' && /^[A-Za-z0-9-]{1,80}$/.test(slug) ? slug.toLowerCase() : undefined;
}

function classify(error: FastifyError): { status: number; code: PageErrorCode } {
  if (error instanceof HttpProblem) {
    return { status: error.status, code: isPageErrorCode(error.code) ? error.code : fallbackCode(error.status) };
  }
  if (error.validation) return { status: 400, code: 'invalid_request' };
  if (error.statusCode === 429) return { status: 429, code: 'rate_limited' };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: 'invalid_request' };
  return { status: 500, code: 'internal_error' };
}

const PAGE_ERROR_CODES = new Set<string>(Object.keys(languageFor(undefined).text.errors.pages));

function isPageErrorCode(code: string): code is PageErrorCode {
  return PAGE_ERROR_CODES.has(code);
}

function fallbackCode(status: number): PageErrorCode {
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return status < 500 ? 'invalid_request' : 'internal_error';
}
