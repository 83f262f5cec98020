#!/usr/bin/env node
// Runs before `npm test`: the browser tests need Chromium, the store tests Redis and PostgreSQL
// (server binaries: test/helpers/postgres-server.ts starts a private cluster unless PG_URL is set),
// the example backends Python (Flask, PyJWT), Go and a JDK. On a fresh
// Debian/Ubuntu machine, as root, install what is missing from Debian's packages; otherwise say
// in one line what to install. Nothing is downloaded outside the system package manager.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const chromePath = process.env.CHROME_PATH || '/usr/bin/chromium';
const missing = [];
if (!existsSync(chromePath) && !has('chromium')) missing.push('chromium');
if (!has('redis-server')) missing.push('redis-server');
const hasPostgres = () => {
  try { return readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)); } catch { return has('pg_ctl'); }
};
if (!process.env.PG_URL && !process.env.PG_BIN && !hasPostgres()) missing.push('postgresql');
// The example backends (examples/) run in their real languages: Debian's Python, Go and JDK.
const py = (mod) => spawnSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
if (!py('flask')) missing.push('python3-flask');
if (!py('jwt')) missing.push('python3-jwt');
if (!py('cryptography')) missing.push('python3-cryptography');
if (!has('go')) missing.push('golang-go');
if (!has('javac') || !has('java')) missing.push('default-jdk-headless');
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
const canApt = has('apt-get');
if (!isRoot || !canApt) {
  console.error(`mfa-elements tests need ${missing.join(', ')}: install with \`sudo apt-get install -y ${missing.join(' ')}\` (or set CHROME_PATH to a Chromium binary).`);
  process.exit(1);
}
console.log(`installing ${missing.join(', ')} with apt-get…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
