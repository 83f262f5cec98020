/**
 * The dev outbox (GET /demo/outbox): every SMS, voice call and email the demo server "sends", for
 * the signed-in user, newest first — how the browser tests read the codes a user would receive.
 */
import { expect } from '@open-wc/testing';
import type { MfaClient } from '../../src/client/mfa-client.js';
import type { ConfirmEnrollmentResponse } from '../../src/core/types.js';

/** One message in the outbox. */
export interface OutboxMessage { id: number; at: string; channel: 'sms' | 'voice' | 'email'; to: string; subject?: string; text: string; sub: string }

/** The signed-in user's messages, newest first. */
export async function outbox(): Promise<OutboxMessage[]> {
  const response = await fetch('/demo/outbox');
  expect(response.status, 'GET /demo/outbox').to.equal(200);
  return ((await response.json()) as { messages: OutboxMessage[] }).messages;
}

/** The id of the newest message so far (0 when none): later messages have larger ids. */
export const newestId = async (): Promise<number> => (await outbox())[0]?.id ?? 0;

/** The newest message that satisfies `predicate` (any message by default), once one arrives; fails after `ms`. */
export async function waitForMessage(predicate: (m: OutboxMessage) => boolean = () => true, ms = 5000, what = 'a message'): Promise<OutboxMessage> {
  const end = performance.now() + ms;
  for (;;) {
    const found = (await outbox()).find(predicate);
    if (found) return found;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what} in the outbox`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The newest message after `afterId` (and to `to`, when given), once it arrives. */
export const nextMessage = (afterId: number, to?: string): Promise<OutboxMessage> =>
  waitForMessage((m) => m.id > afterId && (to === undefined || m.to === to), 5000, `a new message${to ? ` to ${to}` : ''}`);

/** The 6-digit code a message carries (the first one in its text). */
export function codeOf(message: OutboxMessage): string {
  const code = /\b(\d{6})\b/.exec(message.text)?.[1];
  expect(code, `a code in "${message.text}"`).to.be.a('string');
  return code!;
}

/** The newest message in the outbox (waiting for one) and the 6-digit code in it. */
export async function latestCode(): Promise<{ message: OutboxMessage; code: string }> {
  const message = await waitForMessage();
  return { message, code: codeOf(message) };
}

/** Adds and confirms a phone through the HTTP API, as an earlier visit would have, with the code texted to it. */
export async function enrollPhoneViaApi(client: MfaClient, phone: string): Promise<ConfirmEnrollmentResponse> {
  const before = await newestId();
  const enrollment = await client.enroll('phone', { phone });
  return client.confirmEnrollment(enrollment.factorId, codeOf(await nextMessage(before, phone)));
}
