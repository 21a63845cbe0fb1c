import fp from 'fastify-plugin';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.ts';

type Directives = Record<string, string[]>;

/** Self only, no inline script or style, never framed: the policy every page starts from. */
const BASE_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'frame-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
  'upgrade-insecure-requests': [],
};

function helmetOptions(directives: Directives): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  };
}

/**
 * Route options for a page that needs more than the base policy (the payment pages load
 * Authorize.Net's form, the billing page is framed by the org's Lightning domain): the named
 * sources are added to the base directives, and `'none'` is dropped where something is allowed.
 */
export function widenCsp(additions: Directives): { helmet: FastifyHelmetOptions } {
  const directives: Directives = { ...BASE_DIRECTIVES };
  for (const [name, sources] of Object.entries(additions)) {
    const base = (directives[name] ?? BASE_DIRECTIVES['default-src']!).filter((source) => source !== "'none'");
    directives[name] = [...new Set([...base, ...sources])];
  }
  return { helmet: helmetOptions(directives) };
}

export const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

async function security(app: FastifyInstance, options: { trustProxy: boolean }): Promise<void> {
  await app.register(helmet, { global: true, ...helmetOptions(BASE_DIRECTIVES) });

  if (options.trustProxy) {
    // Behind a TLS-terminating proxy, a request the proxy did not mark as https came around it.
    // Health probes are exempt: load balancers send them over plain HTTP, and they carry no data.
    app.addHook('onRequest', async (request) => {
      if (request.protocol !== 'https' && !HEALTH_PATHS.has(request.url.split('?', 1)[0]!)) {
        throw new HttpProblem(403, 'https_required', 'HTTPS is required', 'Use the https:// address of this service.');
      }
    });
  }
}

// Not encapsulated: it must apply to every route of the app.
export const securityPlugin = fp(security, { name: 'security' });
