/** Gale's version, from its package.json (a module of its own: every command line needs it). */
import { readFileSync } from 'node:fs';

export function galeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
