// The shell of every booking page: language, the clinic's name and colour, landmarks, a skip link,
// one h1, and only external script and style (the CSP allows nothing inline).
import type { PageAssets } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import type { PageLanguage } from './text/index.ts';

export interface PageContext {
  language: PageLanguage;
  assets: PageAssets;
  /** The clinic as the header shows it; absent when it is not known (an unknown address). */
  org: { name: string; brandHex: string } | undefined;
}

export interface PageContent {
  title: string;
  /** 'Step 2 of 5', shown above the h1. */
  step?: { current: number; total: number };
  body: SafeHtml;
}

export function renderPage(context: PageContext, content: PageContent): string {
  const { text, locale } = context.language;
  const org = context.org;
  const brand = org ? `/assets/brand/${org.brandHex}.css` : undefined;
  const title = org ? `${content.title} · ${org.name}` : content.title;
  return html`<!doctype html>
    <html lang="${locale}" dir="${text.dir}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>${title}</title>
        <link rel="stylesheet" href="${context.assets.stylesheet.path}" />
        ${brand && html`<link rel="stylesheet" href="${brand}" />`}
        <script src="${context.assets.script.path}" defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">${text.skipLink}</a>
        <header class="brand">
          <p class="org-name" dir="auto">${org?.name ?? 'Slotwise'}</p>
        </header>
        <main id="main" tabindex="-1">
          ${content.step && html`<p class="step">${text.step(content.step.current, content.step.total)}</p>`}
          <h1>${content.title}</h1>
          ${content.body}
        </main>
        <footer><p>${text.poweredBy}</p></footer>
      </body>
    </html> `.text;
}
