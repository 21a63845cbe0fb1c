// The login host's authorize page, as far as the service's connect flow needs it: the integration
// user is taken as signed in, so GET shows one "Allow" button and its POST mints a code for the
// request's PKCE challenge and redirects back. Like Salesforce, an unknown client or a callback URL
// it will not send codes to gets an error page; any other bad request goes back to the callback
// with `error` and `state`.

export interface AuthorizeContext {
  /** The connected app's consumer key. */
  clientId: string;
  /** The connected app's callback URLs; empty accepts any https (or http://localhost) URL. */
  callbackUrls: readonly string[];
  /** Shown on the button: the user the code is for. */
  userName: string;
  mintCode(request: { redirectUri: string; codeChallenge: string }): string;
}

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
/** RFC 7636: BASE64URL(SHA-256(verifier)) is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const FORWARDED = [
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'scope',
];

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

function page(status: number, title: string, body: string, formAction = ''): PageResponse {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Salesforce org emulator</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'x-frame-options': 'DENY',
      'content-security-policy': `default-src 'none'; form-action 'self'${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      'content-length': String(Buffer.byteLength(html)),
    },
    body: html,
  };
}

function errorPage(error: string, description: string): PageResponse {
  return page(
    400,
    'Remote access authorization error',
    `<p>error=${escapeHtml(error)}</p>\n<p>error_description=${escapeHtml(description)}</p>`,
  );
}

function redirect(location: URL): PageResponse {
  return {
    status: 302,
    headers: { location: location.toString(), 'cache-control': 'no-store', 'content-length': '0' },
    body: '',
  };
}

/** The callback URL if codes may be sent there: a registered one, else any https or local http URL. */
function allowedRedirect(value: string | null, callbackUrls: readonly string[]): URL | undefined {
  if (!value || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.username || url.password || url.hash) return undefined;
  if (callbackUrls.length > 0) return callbackUrls.includes(value) ? url : undefined;
  if (url.protocol === 'https:') return url;
  return url.protocol === 'http:' && LOCAL_HOSTNAMES.has(url.hostname) ? url : undefined;
}

/** `GET` (the consent page) or `POST` (the Allow button) of `/services/oauth2/authorize`. */
export function authorize(method: string, params: URLSearchParams, context: AuthorizeContext): PageResponse {
  if (method !== 'GET' && method !== 'POST') {
    return { ...errorPage('invalid_request', 'method not allowed'), status: 405 };
  }
  if (params.get('client_id') !== context.clientId) {
    return errorPage('invalid_client_id', 'client identifier invalid');
  }
  const redirectUri = params.get('redirect_uri');
  const callback = allowedRedirect(redirectUri, context.callbackUrls);
  if (!callback) return errorPage('redirect_uri_mismatch', 'redirect_uri must match configuration');

  // From here on the callback is trusted, so errors go back to it (RFC 6749 §4.1.2.1).
  const state = params.get('state');
  const back = (answer: Record<string, string>) => {
    const location = new URL(callback);
    for (const [name, value] of Object.entries(answer)) location.searchParams.set(name, value);
    if (state !== null) location.searchParams.set('state', state);
    return redirect(location);
  };
  if (params.get('response_type') !== 'code') {
    return back({ error: 'unsupported_response_type', error_description: 'response type not supported' });
  }
  const codeChallenge = params.get('code_challenge') ?? '';
  if (params.get('code_challenge_method') !== 'S256' || !S256_CHALLENGE.test(codeChallenge)) {
    return back({ error: 'invalid_request', error_description: 'missing or invalid PKCE code challenge (S256)' });
  }

  if (method === 'POST') return back({ code: context.mintCode({ redirectUri: redirectUri!, codeChallenge }) });

  const hidden = FORWARDED.map((name) => [name, params.get(name)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== null)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n');
  const scope = params.get('scope');
  return page(
    200,
    'Allow access?',
    `<p>An app (<code>${escapeHtml(context.clientId)}</code>) asks for access to this org${
      scope ? ` with the scopes <code>${escapeHtml(scope)}</code>` : ''
    }. It will be sent back to <code>${escapeHtml(callback.origin)}</code>.</p>
<form method="post" action="/services/oauth2/authorize">
${hidden}
<button type="submit">Allow access as ${escapeHtml(context.userName)} (sandbox org)</button>
</form>`,
    ` ${callback.origin}`,
  );
}
