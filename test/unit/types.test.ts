/**
 * Types as a user gets them: tiny consumer projects in test/types/ compiled with
 * `tsc --noEmit` against the built `dist/*.d.ts` through package.json `exports` — plain
 * TypeScript, React 19 JSX and Vue's GlobalComponents. Their `@ts-expect-error` lines are misuses
 * the types must refuse (an unused directive is itself an error). Also type-checks the React
 * framework test and the demo's framework sources, which `npm run typecheck` (*.ts) does not cover.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = `${root}/node_modules/typescript/bin/tsc`;

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, ...args], { cwd: root, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

async function compiles(project: string): Promise<void> {
  const { code, output } = await run(['-p', project]);
  assert.equal(code, 0, `tsc -p ${project}:\n${output}`);
}

test('dist/ has the declaration files (npm run build)', () => {
  for (const file of ['index.d.ts', 'define.d.ts', 'react.d.ts', 'vue.d.ts']) assert.ok(existsSync(`${root}/dist/${file}`), `dist/${file}: run \`npm run build\` first`);
});

test('a plain TypeScript app compiles against the package, and loads no Vue or React types', async () => {
  await compiles('test/types/ts/tsconfig.json');
  const { output } = await run(['-p', 'test/types/ts/tsconfig.json', '--listFilesOnly']);
  const files = output.split('\n').filter(Boolean);
  assert.ok(files.some((f) => f.endsWith('/dist/index.d.ts')), 'resolved mfa-elements to dist/index.d.ts');
  const frameworkTypes = files.filter((f) => /\/node_modules\/(vue|@vue|react|@types\/react|@angular)\//.test(f));
  assert.deepEqual(frameworkTypes, [], 'users of neither framework need neither installed');
});

test('a React 19 app compiles with the JSX types of mfa-elements/react', async () => {
  await compiles('test/types/react/tsconfig.json');
});

test("a Vue 3 app compiles with mfa-elements/vue's GlobalComponents", async () => {
  await compiles('test/types/vue/tsconfig.json');
});

test('the React framework test and the demo framework sources type-check', async () => {
  await compiles('test/frameworks/tsconfig.json');
});
