/**
 * RFC 9470 step-up challenges in `WWW-Authenticate`.
 *
 * Builds `Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300`
 * on the server and parses it (quoted or token values, RFC 9110 §11.2 auth-params) on the client.
 */

import { INSUFFICIENT_USER_AUTHENTICATION } from './types.js';

export { INSUFFICIENT_USER_AUTHENTICATION };

export interface StepUpChallenge {
  error: string;
  acrValues?: string[];
  maxAge?: number;
  params: Record<string, string>;
}

export function formatStepUpChallenge(opts: { acrValues: string[]; maxAge?: number }): string {
  const parts = [`error="${INSUFFICIENT_USER_AUTHENTICATION}"`, `acr_values="${opts.acrValues.join(' ')}"`];
  if (opts.maxAge !== undefined) parts.push(`max_age=${Math.floor(opts.maxAge)}`);
  return `Bearer ${parts.join(', ')}`;
}

/**
 * Returns the Bearer challenge's parameters when the header carries
 * `error="insufficient_user_authentication"`, otherwise null. Other schemes in the same
 * header (e.g. `Basic realm="x", Bearer …`) are skipped.
 */
export function parseStepUpChallenge(header: string | null | undefined): StepUpChallenge | null {
  if (!header) return null;
  // token68-free parser: scheme, then comma-separated name=value pairs where value is a token
  // or a quoted-string with backslash escapes.
  const re = /\s*(?:([A-Za-z][\w!#$%&'*+.^`|~-]*)\s+)?([\w!#$%&'*+.^`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?/gy;
  let scheme = '';
  const schemes: { scheme: string; params: Record<string, string> }[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null) {
    if (m[0] === '') break;
    if (m[1]) {
      scheme = m[1].toLowerCase();
      schemes.push({ scheme, params: {} });
    }
    const current = schemes[schemes.length - 1];
    if (!current) continue;
    let value = m[3];
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    current.params[m[2].toLowerCase()] = value;
  }
  const bearer = schemes.find((s) => s.scheme === 'bearer' && s.params.error === INSUFFICIENT_USER_AUTHENTICATION);
  if (!bearer) return null;
  const { params } = bearer;
  const maxAge = params.max_age !== undefined && /^\d+$/.test(params.max_age) ? Number(params.max_age) : undefined;
  return {
    error: params.error,
    acrValues: params.acr_values ? params.acr_values.split(' ').filter(Boolean) : undefined,
    maxAge,
    params,
  };
}
