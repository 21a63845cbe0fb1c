// A page for a request that cannot go on: what happened and what to do, never a stack trace.
import { html } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageErrorCode } from '../text/en.ts';
import type { PageLanguage } from '../text/index.ts';

export function errorPage({ text }: PageLanguage, code: PageErrorCode, startAgain: string | undefined): PageContent {
  const message = text.errors.pages[code];
  return {
    title: message.title,
    body: html`<p>${message.body}</p>
      ${startAgain && html`<p><a class="button" href="${startAgain}">${text.errors.startAgain}</a></p>`}`,
  };
}
