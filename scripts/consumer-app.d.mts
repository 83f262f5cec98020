// Types of consumer-app.mjs for the TypeScript tests that share it.
export const ROOT: string;
export const SCRATCH: string;
export interface Packed { tarball: string; sha256: string; files: string[] }
export function pack(): Packed;
export function installApp(name: string, packed: Packed, packages?: string[], options?: { env?: Record<string, string>; ignoreScripts?: boolean }): { dir: string; reused: boolean };
export function browserApp(): Packed & { dir: string; reused: boolean };
export function installedPackages(appDir: string): { name: string; dir: string; pkg: { scripts?: Record<string, string>; [key: string]: unknown } }[];
export function diskBytes(dir: string): number;
