/** Runs the `mfa-elements` command from source (as bin/mfa-elements.mjs runs it from dist/): `node --import tsx test/helpers/cli.ts serve`. */
import { main } from '../../src/server/cli/main.js';

await main(process.argv.slice(2));
