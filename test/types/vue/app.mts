// A Vue 3 app: `mfa-elements/vue` registers the elements in GlobalComponents, which is what
// vue-tsc / Volar check templates against. Checked here at the type level, as they see it.
import { ref, type GlobalComponents } from 'vue';
import 'mfa-elements/define.js';
import type { MfaPrompt } from 'mfa-elements';
import type {} from 'mfa-elements/vue';

type PromptComponent = GlobalComponents['mfa-prompt'];
type PromptProps = InstanceType<PromptComponent>['$props'];
type PromptEmit = InstanceType<PromptComponent>['$emit'];

// <mfa-prompt :resource="…" :open="…" api-base="/mfa" :max-age="300" class="x">
const props: PromptProps = { resource: 'payments', action: 'transfer', open: true, force: true, 'api-base': '/mfa', 'max-age': 300, class: 'x' };
// @ts-expect-error open is a boolean
const wrong: PromptProps = { open: 'yes' };

// @resolve="(e) => e.detail.sid"
declare const emit: PromptEmit;
emit('resolve', new CustomEvent('resolve', { detail: { success: true, timestamp: Date.now(), sid: 's' } }));
// @ts-expect-error resolve carries a CustomEvent<MfaOutcome>
emit('resolve', 'done');

// <mfa-prompt ref="prompt">: the template ref is the element itself.
const prompt = ref<InstanceType<PromptComponent> | null>(null);
const element: MfaPrompt | null = prompt.value;
element?.show();

const enroll: InstanceType<GlobalComponents['mfa-enroll']>['$props'] = { type: 'totp', label: 'Phone' };
const provider: InstanceType<GlobalComponents['mfa-provider']>['$props'] = { 'api-base': '/mfa', locale: 'de' };
void [props, wrong, enroll, provider];
