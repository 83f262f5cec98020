/**
 * RFC 7662 token introspection for backends that do not run the Node guard (docs/service.md).
 * `consume` uses the same store operation as `requireStepUp({ oneTime: true })` (`useTokenOnce`),
 * so a token consumed here is refused by a Node guard and the other way round, on every instance.
 * Anything that is not a live token of ours is `{ active: false }` with no reason given.
 */
import { STEP_UP_TOKEN_TYPE } from '../../core/types.js';
import type { MfaContext } from '../config.js';
import { isRevoked } from '../session.js';
import { acceptedUntilMs, unknownKid, verifyTokenSignature, type StepUpClaims } from '../tokens/step-up-token.js';

export interface IntrospectionInput {
  token: string;
  consume?: boolean;
  /** Optional expectations: a token that does not match them is inactive and is not consumed. */
  sub?: string;
  ssn?: string;
  resource?: string;
  action?: string;
}

export type Introspection =
  | { active: false }
  | ({ active: true; token_type: string; consumed: boolean } & Omit<StepUpClaims, never> & { txn?: string });

export async function introspect(ctx: MfaContext, input: IntrospectionInput, clientId?: string): Promise<Introspection> {
  const now = ctx.now();
  let keys = await ctx.keys();
  if (unknownKid(keys, input.token)) keys = await ctx.keys({ fresh: true });
  const claims = await verifyTokenSignature(keys, ctx.policy.token, input.token, now);
  if (!claims) return { active: false };
  if ((input.sub !== undefined && claims.sub !== input.sub) || (input.ssn !== undefined && claims.ssn !== input.ssn)) return { active: false };
  if ((input.resource !== undefined && claims.resource !== input.resource) || (input.action !== undefined && claims.action !== input.action)) return { active: false };
  if (await isRevoked(ctx, claims.sub, claims.ssn, claims.iat)) return { active: false };
  if (input.consume) {
    if (!(await ctx.store.useTokenOnce(claims.jti, acceptedUntilMs(ctx.policy.token, claims.exp), now))) return { active: false };
    await ctx.audit.record({ type: 'token.consumed', sub: claims.sub, resource: claims.resource, action: claims.action, metadata: { sid: claims.sid, via: 'introspection', ...(clientId && { client: clientId }) } });
  } else if (await ctx.store.isTokenUsed(claims.jti, now)) {
    return { active: false };
  }
  return { active: true, token_type: STEP_UP_TOKEN_TYPE, consumed: !!input.consume, ...claims };
}
