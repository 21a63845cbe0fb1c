import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, problemBody, type ProblemBody } from '../problem.ts';

/** Fastify's own errors for bad requests, with the code and words a client sees. */
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'This content type is not accepted here'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'The Content-Length header does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'The request body is empty but JSON was declared'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'The request body is not valid JSON'],
  FST_ERR_BAD_URL: [400, 'invalid_request', 'The request URL is malformed'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'invalid_request', 'The request could not be routed'],
};

/** The one error handler: every failure leaves as problem+json, and nothing internal leaks out. */
async function errors(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    }
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, problemBody(404, 'not_found', 'There is nothing at this address')),
  );
}

export function sendProblem(reply: FastifyReply, problem: ProblemBody): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

function toProblem(error: FastifyError): ProblemBody {
  if (error instanceof HttpProblem) {
    // A problem may carry extension members (RFC 9457 §3.2), e.g. the nearest free slots of a 409.
    const extensions = (error as HttpProblem & { extensions?: Record<string, unknown> }).extensions;
    return { ...problemBody(error.status, error.code, error.message, error.detail), ...extensions };
  }
  if (error.validation) {
    return problemBody(400, 'invalid_request', 'The request is not valid', error.message);
  }
  const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
  if (known) return problemBody(...known);
  if (error.statusCode === 429) {
    return problemBody(429, 'rate_limited', 'Too many requests', 'Please wait a moment before trying again.');
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return problemBody(400, 'invalid_json', 'The request body is not valid JSON');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return problemBody(status, 'bad_request', 'The request could not be handled');
  return problemBody(
    500,
    'internal_error',
    'Something went wrong on our side',
    'The error was logged. Please try again in a moment.',
  );
}

// Not encapsulated: it must apply to every route of the app.
export const errorsPlugin = fp(errors, { name: 'errors' });
