/**
 * The name of a factor type in the user's language, from the `factor<Type>` strings
 * (`factorTotp`, `factorPhone`, …): a new factor type needs only its string, no element change.
 * A type without a string (an app's own factor) is shown as the type itself.
 */
import type { MfaStrings } from './en.js';

export function factorTypeLabel(s: MfaStrings, type: string): string {
  const value = (s as unknown as Record<string, unknown>)[`factor${type.charAt(0).toUpperCase()}${type.slice(1)}`];
  return typeof value === 'string' ? value : type;
}
