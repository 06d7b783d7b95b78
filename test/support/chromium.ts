/**
 * Test support: the path of Debian's Chromium for browser tests, installing it with apt-get first
 * when it is missing and the tests run as root (as they do in CI). It never downloads a browser
 * build of its own: playwright-core drives the system's Chromium.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The arguments every test browser starts with: no sandbox (root), no network of its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).slice(-2000)}`,
    );
  }
}

/** Returns Chromium's path, installing Debian's package first when it is missing and we are root. */
export function chromiumPath(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}: install it once with "sudo apt-get install -y --no-install-recommends chromium" (the tests install it themselves only when they run as root).`,
    );
  }
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  }
  return CHROMIUM_PATH;
}

/** A fresh, empty Chromium profile directory inside `parent`. */
export function freshUserDataDir(parent: string = tmpdir()): string {
  return mkdtempSync(join(parent, 'chromium-profile-'));
}
