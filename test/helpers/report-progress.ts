/**
 * Tells the test server which test starts (test/helpers/progress-plugin.mjs), so a test file
 * that hangs can be named down to the test. Imported for its effect by session.ts: a top-level
 * `beforeEach` in a module is a root hook, run before every test of the page that imports it.
 */
import { executeServerCommand } from '@web/test-runner-commands';

beforeEach(async function () {
  await executeServerCommand('test-progress', { title: this.currentTest?.fullTitle() ?? '' });
});
