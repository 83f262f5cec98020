/**
 * Launches `mfa-elements serve` (from source, test/helpers/cli.ts) as a real process configured by
 * environment, as an operator would, and runs the other CLI verbs. Processes are killed when the
 * test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = resolve(ROOT, 'test/helpers/cli.ts');
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Only what the service reads: a clean environment, so the developer's own MFA_* never leak in. */
function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env };
}

export interface ServiceProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startService(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], { cwd: ROOT, env: baseEnv({ PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  const gone = new Promise<void>((r) => proc.once('exit', () => { live.delete(proc); r(); }));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`service did not start:\n${out}`)); }, timeoutMs);
    proc.stderr!.on('data', (d) => (out += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /service on (http:\/\/\S+) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          url: m[1]!, proc, output: () => out,
          stop: async () => { if (proc.exitCode === null) proc.kill('SIGTERM'); await gone; },
        });
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`service exited (${code}) before listening:\n${out}`)); });
  });
}

/** Runs `mfa-elements <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.stdout!.on('data', (d) => (stdout += d));
    proc.stderr!.on('data', (d) => (stderr += d));
    proc.once('exit', (code) => { clearTimeout(timer); live.delete(proc); resolvePromise({ code, stdout, stderr }); });
  });
}
