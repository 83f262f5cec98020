/**
 * The example backends of examples/ as real processes: built when their sources changed (Go with
 * a build cache in the temp folder, Java with one javac), started on free loopback ports, stopped by pid.
 * A missing toolchain is a clear failure naming the Debian package, never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const VECTORS = join(ROOT, 'test/vectors/step-up-tokens.json');
const EXAMPLES = join(ROOT, 'examples');
const PYTHON = process.env.EXAMPLES_PYTHON ?? '/usr/bin/python3';
/** Kept between runs (it is only a cache), so a second run builds in well under a second. */
const BUILD_DIR = join(tmpdir(), 'mfa-elements-examples');

export type Language = 'python' | 'go' | 'java';
export const LANGUAGES: Language[] = ['python', 'go', 'java'];

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** Throws one line naming what to install when a language's toolchain is missing. */
export function checkToolchain(lang: Language): void {
  const missing =
    lang === 'python'
      ? spawnSync(PYTHON, ['-c', 'import flask, jwt, cryptography'], { stdio: 'ignore' }).status === 0 ? null : 'python3-flask python3-jwt python3-cryptography'
      : lang === 'go'
        ? has('go') ? null : 'golang-go'
        : has('javac') && has('java') ? null : 'default-jdk-headless';
  if (missing) throw new Error(`the ${lang} example needs Debian packages: sudo apt-get install -y ${missing} (bash .ci/run installs them as root)`);
}

// CGO stays at its default: Debian ships the standard library precompiled for it (a cold build
// takes seconds instead of recompiling net with CGO_ENABLED=0).
const GO_ENV = { GOCACHE: join(BUILD_DIR, 'gocache'), GOPATH: join(BUILD_DIR, 'gopath'), GOPROXY: 'off', GOFLAGS: '-buildvcs=false' };
const GO_BIN = join(BUILD_DIR, 'go-example');
const JAVA_OUT = join(BUILD_DIR, 'java-classes');

/** Digest of every source file under `dir`: the build is skipped when it matches the last one. */
function sourceDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else hash.update(p).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

async function buildOnce(name: string, sources: string, output: string, compile: () => Promise<void>): Promise<void> {
  const stamp = join(BUILD_DIR, `${name}.stamp`);
  const digest = sourceDigest(sources);
  if (existsSync(output) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  await compile();
  writeFileSync(stamp, digest);
}

/** Builds what needs building; returns the command that runs the language's entry point. */
export async function build(lang: Language): Promise<{ cmd: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv }> {
  checkToolchain(lang);
  mkdirSync(BUILD_DIR, { recursive: true });
  if (lang === 'python') return { cmd: PYTHON, args: [], cwd: join(EXAMPLES, 'python-flask'), env: { PYTHONDONTWRITEBYTECODE: '1' } };
  if (lang === 'go') {
    const cwd = join(EXAMPLES, 'go');
    await buildOnce('go', cwd, GO_BIN, async () => {
      const r = await run('go', ['build', '-o', GO_BIN, '.'], { cwd, env: GO_ENV });
      if (r.code !== 0) throw new Error(`go build failed:\n${r.stderr}`);
    });
    return { cmd: GO_BIN, args: [], cwd, env: {} };
  }
  const cwd = join(EXAMPLES, 'java');
  const pkg = join(cwd, 'src/example/mfa');
  const sources = readdirSync(pkg).filter((f) => f.endsWith('.java')).map((f) => join(pkg, f));
  await buildOnce('java', join(cwd, 'src'), JAVA_OUT, async () => {
    const r = await run('javac', ['-encoding', 'UTF-8', '-Xlint:all', '-Werror', '-d', JAVA_OUT, ...sources], { cwd });
    if (r.code !== 0) throw new Error(`javac failed:\n${r.stdout}${r.stderr}`);
  });
  return { cmd: 'java', args: ['-cp', JAVA_OUT, 'example.mfa.Main'], cwd, env: {} };
}

export type Built = Awaited<ReturnType<typeof build>>;

export interface VectorLine {
  name: string;
  verdict: string;
  reason: string;
  match: boolean;
}

/** Runs the language's vector checker on the vectors file; every printed line, and its exit code. */
export async function checkVectors(lang: Language, b: Built) {
  const args = lang === 'python' ? ['check_vectors.py', VECTORS] : [...b.args, 'vectors', VECTORS];
  const r = await run(b.cmd, args, { cwd: b.cwd, env: b.env });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as VectorLine);
  return { code: r.code, lines, stderr: r.stderr };
}

/** Starts the example's server with `env` expecting it to refuse to start; its exit code and output. */
export async function startExpectingFailure(lang: Language, b: Built, env: Record<string, string>) {
  const args = lang === 'python' ? ['app.py'] : [...b.args, 'serve'];
  const r = await run(b.cmd, args, { cwd: b.cwd, env: { ...b.env, HOST: '127.0.0.1', PORT: String(await freePort()), ...env } });
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePromise(port));
    });
  });
}

export interface RunningBackend {
  lang: Language;
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts the example's server with `env` and waits until `GET /health` answers 200. */
export async function startBackend(lang: Language, b: Built, env: Record<string, string>): Promise<RunningBackend> {
  const port = await freePort();
  const args = lang === 'python' ? ['app.py'] : [...b.args, 'serve'];
  const child: ChildProcess = spawn(b.cmd, args, {
    cwd: b.cwd,
    env: { ...process.env, ...b.env, ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${lang} example exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${lang} example did not answer /health within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { lang, url, output: () => output, stop };
}
