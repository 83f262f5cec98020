/**
 * MX facade: the seed (test/fixtures/seeds/003_…txt, "Dealing with Multifactor Authentication")
 * documents a loop rather than code — check the member status (`connection_status: 'CHALLENGED'` with
 * `challenges[{ guid, label, type, field_name }]`), answer with the resume endpoint
 * (`{ member: { challenges: [{ guid, value }] } }`), see `RESUMED` with `is_being_aggregated: true`
 * and `is_authenticated: false`, and "keep checking the status to make sure there are no more
 * challenges" — twice for a texted code (choose the phone, then enter the code). That loop runs here.
 */
import { expect } from '@open-wc/testing';
import { createMxClient, mx, type MxMember } from '../src/compat/mx.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { MfaClient, mfaFetch } from '../src/index.js';
import { enrollTotpFactor, signInNewUser } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const postTransfer = (amount: number) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount }) });

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
    const { member: started } = await mx.aggregateMember({ resource: 'payments', action: 'transfer' });

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
    expect((await mfaFetch('/api/transfer', postTransfer(3))).status).to.equal(200);
    expect(document.querySelector('mfa-prompt')).to.equal(null);

    // Still fresh for the resource: a new aggregation connects at once, with no challenge.
    const fresh = (await mx.aggregateMember({ resource: 'payments', action: 'refund' })).member;
    expect(fresh).to.include({ connection_status: 'CONNECTED', is_authenticated: true });
  });

  it('multi-step: choose where the code goes, then enter it — two CHALLENGED rounds with different guids', async () => {
    // The reference server has no two-step factor yet (phone factors — "choose the phone, then the
    // code" — arrive later). This client's transport adds that first `options` step in front of the
    // real TOTP challenge, exactly as the phone factor's first CHALLENGED answer will look; the
    // second step and the verification are the real server's.
    await signInNewUser('mx');
    const { secret } = await enrollTotpFactor();
    const CHOOSE = 'choose-destination';
    const realSteps = new Map<string, unknown>();
    const client = new MfaClient({
      fetch: async (input, init) => {
        const url = String(input);
        const resumed = url.match(/\/challenges\/([^/]+)\/resume$/);
        // The answer to the added step (the choice) is the transport's; every other request is the server's.
        if (resumed && JSON.parse(String(init?.body)).answers.some((a: { guid: string }) => a.guid === CHOOSE)) {
          return Response.json(realSteps.get(decodeURIComponent(resumed[1])));
        }
        const response = await fetch(input, init);
        if (url.endsWith('/challenges') && response.status === 201) {
          const real = await response.json();
          realSteps.set(real.challengeId, real);
          return Response.json({
            ...real,
            challenges: [{ guid: CHOOSE, type: 'options', label: 'Where should we send your code?', fieldName: 'destination', options: [{ label: 'Authenticator app', value: real.factor.id }] }],
          }, { status: 201 });
        }
        return response;
      },
    });
    const mxOnClient = createMxClient({ client });

    const { member: started } = await mxOnClient.aggregateMember({ resource: 'payments', action: 'transfer' });
    const first: MxMember = (await mxOnClient.readMemberStatus(started.guid)).member;
    expect(first.connection_status).to.equal('CHALLENGED');
    expect(first.challenges).to.deep.equal([{ guid: CHOOSE, label: 'Where should we send your code?', type: 'OPTIONS', field_name: 'destination', options: [{ label: 'Authenticator app', value: first.challenges![0].options![0].value }] }]);

    const afterChoice = (await mxOnClient.resumeAggregation(started.guid, { member: { challenges: [{ guid: CHOOSE, value: first.challenges![0].options![0].value }] } })).member;
    expect(afterChoice.connection_status).to.equal('RESUMED');

    const second = (await mxOnClient.readMemberStatus(started.guid)).member;
    expect(second.connection_status).to.equal('CHALLENGED');
    expect(second.challenges).to.have.length(1);
    expect(second.challenges![0].guid).not.to.equal(CHOOSE);
    expect(second.challenges![0]).to.include({ type: 'TOKEN', field_name: 'code' });

    const afterCode = (await mxOnClient.resumeAggregation(started.guid, { member: { challenges: [{ guid: second.challenges![0].guid, value: await totpCode(secret, 1) }] } })).member;
    expect(afterCode.connection_status).to.equal('RESUMED');
    expect((await mxOnClient.readMemberStatus(started.guid)).member).to.include({ connection_status: 'CONNECTED', is_authenticated: true });
    expect(client.token.getAccessToken({ resource: 'payments', action: 'transfer' })).to.be.a('string');
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
