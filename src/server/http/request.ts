/**
 * Edge checks of every request: size limit, JSON only, Origin (CSRF), schema. Anything that
 * fails becomes a 4xx `{error:{code,message}}` before a service function runs.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { MfaError } from '../../core/errors.js';
import { errorResponse } from './errors.js';

export const MAX_BODY_BYTES = 16 * 1024;

const tooLarge = () => errorResponse(new MfaError('payload_too_large', 'The request body is too large.'));

/**
 * 413 for a body over MAX_BODY_BYTES. A request with a Content-Length (and no Transfer-Encoding)
 * is judged by that header alone, as Hono's `bodyLimit` does, but without touching
 * `c.req.raw.body`: on @hono/node-server that property turns the request into a full web
 * `Request` with a body stream, and `c.req.text()` could no longer read the socket directly —
 * a fifth of a small request's cost (docs/performance.md). Anything else (chunked bodies) goes
 * through `bodyLimit`, which counts the bytes as they arrive.
 */
export const limitBody = (): MiddlewareHandler => {
  const counted = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return Number.parseInt(length, 10) > MAX_BODY_BYTES ? tooLarge() : next();
    }
    return counted(c, next);
  };
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * State-changing requests must come from an allowed Origin (default: the server's own).
 * Browsers always send Origin on such fetches, so a missing one means a non-browser or a forgery.
 */
export function checkOrigin(allowed?: string[]): MiddlewareHandler {
  return async (c, next) => {
    if (UNSAFE.has(c.req.method)) {
      const origin = c.req.header('origin');
      const ok = origin !== undefined && (allowed ?? [new URL(c.req.url).origin]).includes(origin);
      if (!ok) return errorResponse(new MfaError('forbidden_origin', 'This request must come from the application itself.'));
    }
    await next();
  };
}

/** No request of the protocol nests deeper; deeper input only serves to exhaust the validator's stack. */
export const MAX_JSON_DEPTH = 16;

/** Deepest bracket nesting outside strings (one pass, before parsing). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) max = Math.max(max, ++depth);
    else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

const isJson = (type: string | undefined) => !!type && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type);

const isForm = (type: string | undefined) => !!type && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(type);

/**
 * Reads and validates a JSON body or, with `form` (RFC 7662 introspection), also an
 * `application/x-www-form-urlencoded` one; a repeated form field is refused (RFC 6749 §3.2).
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S, opts: { form?: boolean } = {}): Promise<z.output<S>> {
  if (!opts.form || !isForm(c.req.header('content-type'))) return readJson(c, schema);
  const params = new URLSearchParams(await c.req.text());
  const data: Record<string, string> = {};
  for (const [k, v] of params) {
    if (Object.prototype.hasOwnProperty.call(data, k)) throw new MfaError('malformed_request', `${k}: sent more than once.`);
    data[k] = v;
  }
  return validate(schema, data);
}

/**
 * Reads and validates the JSON body. An empty body counts as `{}` for endpoints whose schema
 * allows it (e.g. `POST /mfa/recovery-codes`), so clients need not invent one.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let data: unknown = {};
  if (text.length > 0) {
    if (!isJson(c.req.header('content-type'))) throw new MfaError('unsupported_media_type', 'Send the body as application/json.');
    if (jsonDepth(text) > MAX_JSON_DEPTH) throw new MfaError('malformed_request', 'The body is nested too deeply.');
    try {
      data = JSON.parse(text);
    } catch {
      throw new MfaError('malformed_request', 'The body is not valid JSON.');
    }
  } else if (c.req.header('content-type') && !isJson(c.req.header('content-type'))) {
    throw new MfaError('unsupported_media_type', 'Send the body as application/json.');
  }
  return validate(schema, data);
}

function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A refused record key: say why, and never echo the key itself (it may be 10 KB or carry bidi overrides).
    const keyIssue = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
    const path = keyIssue ? issue.path.slice(0, -1) : issue.path;
    const where = path.length ? `${path.join('.')}: ` : '';
    throw new MfaError('malformed_request', `${where}${keyIssue?.message ?? issue.message}`);
  }
  return parsed.data;
}
