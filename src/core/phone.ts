/**
 * The phone number rule, shared by server and elements: what a person types (`+1 (555) 123-4567`)
 * becomes E.164 (`+15551234567`) once spaces, brackets, dots and dashes are gone; anything that
 * is not E.164 then is refused.
 */
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** The number in E.164 form, or null when it cannot be one. */
export function toE164(input: string): string | null {
  const compact = input.replace(/[\s().-]/g, '');
  return E164.test(compact) ? compact : null;
}
