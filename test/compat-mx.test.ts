/**
 * MX facade: the seed (test/fixtures/seeds/003_…txt, "Dealing with Multifactor Authentication")
 * documents a loop rather than code — check the member status (`connection_status: 'CHALLENGED'` with
 * `challenges[{ guid, label, type, field_name }]`), answer with the resume endpoint
 * (`{ member: { challenges: [{ guid, value }] } }`), see `RESUMED` with `is_being_aggregated: true`
 * and `is_authenticated: false`, and "keep checking the status to make sure there are no more
 * challenges" — several times in a multi-step flow (here a bank connection: question, account, code). That loop runs here.
 */
import { expect } from '@open-wc/testing';
import { createMxClient, mx, type MxMember } from '../src/compat/mx.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { MfaClient, mfaFetch } from '../src/index.js';
import { enrollTotpFactor, signInNewUser } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { latestCode } from './helpers/outbox.js';


async function wrongCode(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1, 2].map((o) => totpCode(secret, o))));
  return ['111111', '222222', '333333', '444444'].find((c) => !valid.has(c))!;
}

/** The member fields of the seed's example JSON. */
const SEED_MEMBER_KEYS = ['aggregated_at', 'challenges', 'connection_status', 'guid', 'is_authenticated', 'is_being_aggregated', 'successfully_aggregated_at'];
const SEED_CHALLENGE_KEYS = ['field_name', 'guid', 'label', 'type'];

describe('compat/mx: CHALLENGED → resume → RESUMED', () => {
  beforeEach(() => getDefaultClient().tokens.clear()); // each test signs in a new user

  it('follows the guide: status is CHALLENGED, a wrong answer is asked again, the right one connects', async () => {
    await signInNewUser('mx');
    const { secret } = await enrollTotpFactor();
    // The demo's unbound route (a bound one also needs the transaction, which a member does not carry).
    const { member: started } = await mx.aggregateMember({ resource: 'statements', action: 'read' });

    // "Checked the member's connection status" → CHALLENGED with the challenges to answer.
    let { member } = await mx.readMemberStatus(started.guid);
    expect(Object.keys(member).sort()).to.deep.equal(SEED_MEMBER_KEYS);
    expect(member).to.include({ guid: started.guid, connection_status: 'CHALLENGED', is_authenticated: false, is_being_aggregated: true, successfully_aggregated_at: null });
    expect(member.challenges).to.have.length(1);
    const [challenge] = member.challenges!;
    expect(Object.keys(challenge).sort()).to.deep.equal(SEED_CHALLENGE_KEYS);
    expect(challenge).to.deep.equal({ guid: challenge.guid, label: 'Enter the code from your authenticator app', type: 'TOKEN', field_name: 'code' });

    // A wrong answer: RESUMED, then the same challenge again.
    let resumed = (await mx.resumeAggregation(member.guid, { member: { challenges: [{ guid: challenge.guid, value: await wrongCode(secret) }] } })).member;
    expect(resumed).to.include({ connection_status: 'RESUMED', is_being_aggregated: true, is_authenticated: false });
    ({ member } = await mx.readMemberStatus(started.guid));
    expect(member.connection_status).to.equal('CHALLENGED');
    expect(member.challenges!.map((c) => c.guid)).to.deep.equal([challenge.guid]);

    // "Include the challenge guid … and the correct answer": RESUMED, is_being_aggregated still true,
    // is_authenticated still false; "keep checking the status" → no more challenges: CONNECTED.
    resumed = (await mx.resumeAggregation(member.guid, { member: { challenges: [{ guid: challenge.guid, value: await totpCode(secret, 1) }] } })).member;
    expect(resumed).to.include({ connection_status: 'RESUMED', is_being_aggregated: true, is_authenticated: false });
    expect(resumed).not.to.have.property('challenges');
    ({ member } = await mx.readMemberStatus(started.guid));
    expect(member).to.include({ connection_status: 'CONNECTED', is_authenticated: true, is_being_aggregated: false });
    expect(member.successfully_aggregated_at).to.be.a('string');

    // The step-up is real: the guarded route accepts the client's token without a prompt.
    expect((await mfaFetch('/api/statements')).status).to.equal(200);
    expect(document.querySelector('mfa-prompt')).to.equal(null);

    // Still fresh for the same resource and action: a new aggregation connects at once, with no challenge.
    const fresh = (await mx.aggregateMember({ resource: 'statements', action: 'read' })).member;
    expect(fresh).to.include({ connection_status: 'CONNECTED', is_authenticated: true });
  });

  it('multi-step, as a bank connection: question → options → code, three CHALLENGED rounds with new guids', async () => {
    // The demo server's KBA plugin asks what an aggregator asks before connecting a bank: a text
    // question, then which account is yours, then a code it sends (here by email, to the outbox).
    const user = await signInNewUser('mx');
    const client = new MfaClient();
    const mxOnClient = createMxClient({ client });
    const { member: started } = await mxOnClient.aggregateMember({ resource: 'bank', action: 'connect', factorType: 'kba' });
    const guids = new Set<string>();
    const ask = async () => {
      const m = (await mxOnClient.readMemberStatus(started.guid)).member;
      expect(m.connection_status).to.equal('CHALLENGED');
      expect(m.challenges).to.have.length(1);
      guids.add(m.challenges![0].guid);
      return m.challenges![0];
    };
    const answer = async (guid: string, value: string) =>
      expect((await mxOnClient.resumeAggregation(started.guid, { member: { challenges: [{ guid, value }] } })).member.connection_status).to.equal('RESUMED');

    const question = await ask();
    expect(question).to.include({ type: 'TEXT', label: 'What was the name of your first pet?', field_name: 'answer' });
    await answer(question.guid, 'Cat'); // wrong: the same question again
    expect((await ask()).guid).to.equal(question.guid);
    await answer(question.guid, 'rex');

    const accounts = await ask();
    expect(accounts).to.include({ type: 'OPTIONS', label: 'Which of these accounts is yours?' });
    expect(accounts.options!.map((o) => o.label)).to.deep.equal(['Checking ••• 4821', 'Savings ••• 1177', 'Credit card ••• 9034']);
    await answer(accounts.guid, 'acc-4821');

    const code = await ask();
    expect(code).to.include({ type: 'TOKEN', field_name: 'code' });
    const { message, code: emailed } = await latestCode();
    expect(message).to.include({ channel: 'email', to: `${user}@bank.example` });
    await answer(code.guid, emailed);

    expect(guids.size).to.equal(3);
    expect((await mxOnClient.readMemberStatus(started.guid)).member).to.include({ connection_status: 'CONNECTED', is_authenticated: true });
    // Knowledge is not MFA: the token opens the bank connection, never a transfer.
    const token = client.token.getAccessToken({ resource: 'bank', action: 'connect' })!;
    expect((await fetch('/api/bank/connect', { method: 'POST', headers: { 'Step-Up-Token': token } })).status).to.equal(200);
    expect((await fetch('/api/statements', { headers: { 'Step-Up-Token': token } })).status).to.equal(401);
  });

  it('a challenge that is gone (answered elsewhere) is EXPIRED; resuming a finished member is refused', async () => {
    await signInNewUser('mx');
    const { secret } = await enrollTotpFactor();
    const { member } = await mx.aggregateMember({ resource: 'account', action: 'delete' });
    const [challenge] = member.challenges!;
    // Another tab answers it first.
    expect((await new MfaClient().resume(member.guid, [{ guid: challenge.guid, value: await totpCode(secret, 1) }])).status).to.equal('VERIFIED');

    expect((await mx.resumeAggregation(member.guid, { member: { challenges: [{ guid: challenge.guid, value: '123456' }] } })).member.connection_status).to.equal('RESUMED');
    expect((await mx.readMemberStatus(member.guid)).member).to.include({ connection_status: 'EXPIRED', is_being_aggregated: false, is_authenticated: false });
    const refused = await mx.resumeAggregation(member.guid, { member: { challenges: [{ guid: challenge.guid, value: '123456' }] } }).then(() => null, (e: unknown) => e);
    expect(refused).to.have.property('code', 'conflict');
    const unknown = await mx.readMemberStatus('MBR-unknown').then(() => null, (e: unknown) => e);
    expect(unknown).to.have.property('code', 'not_found');
  });

  it('a recovery code answers the same loop (factorType: "recovery")', async () => {
    await signInNewUser('mx');
    const { recoveryCodes } = await enrollTotpFactor();
    const { member } = await mx.aggregateMember({ resource: 'payments', action: 'transfer', factorType: 'recovery' });
    expect(member.challenges![0]).to.include({ type: 'TOKEN', field_name: 'recoveryCode' });
    await mx.resumeAggregation(member.guid, { member: { challenges: [{ guid: member.challenges![0].guid, value: recoveryCodes[0] }] } });
    expect((await mx.readMemberStatus(member.guid)).member.connection_status).to.equal('CONNECTED');
  });
});
