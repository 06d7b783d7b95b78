/** The README stays true: it documents every setting and every CLI command group. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every setting', () => {
    for (const [section, keys] of Object.entries(SETTINGS)) {
      for (const key of Object.keys(keys))
        expect(readme, `${section}.${key}`).toContain(`\`${section}.${key}\``);
    }
  });

  it('gives the two commands of a newcomer, and .ci/run runs the test one', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toContain('npm ci && npm test');
  });
});
