import { describe, expect, it } from 'vitest';
import { generateFernetKey, SecretBox } from '../../../src/db/index.js';
import { GaleError } from '../../../src/models/index.js';

const A = generateFernetKey();
const B = generateFernetKey();

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof GaleError ? error.code : 'not a GaleError';
  }
}

describe('secrets encrypted at rest', () => {
  it.each(['', 'p@ss w0rd', 'ünïcødé ✓', 'x'.repeat(10_000)])(
    'round-trips %j, never storing it in clear',
    (plain) => {
      const box = new SecretBox(A);
      const stored = box.encrypt(plain);
      if (plain) expect(stored).not.toContain(plain);
      expect(box.decrypt(stored)).toBe(plain);
      expect(box.encrypt(plain)).not.toBe(stored); // a fresh nonce each time
    },
  );

  it('decrypts with any key of a rotation list and encrypts with the first', () => {
    const old = new SecretBox(A).encrypt('v');
    const rotated = new SecretBox(`${B},${A}`);
    expect(rotated.decrypt(old)).toBe('v');
    expect(rotated.isCurrent(old)).toBe(false);
    expect(rotated.isCurrent(rotated.encrypt('v'))).toBe(true);
    expect(new SecretBox(B).decrypt(rotated.encrypt('v'))).toBe('v');
  });

  const failures: [string, () => unknown][] = [
    ['encrypting without a key', () => new SecretBox('').encrypt('v')],
    ['decrypting with the wrong key', () => new SecretBox(B).decrypt(new SecretBox(A).encrypt('v'))],
    [
      'decrypting an altered value',
      () => {
        const s = new SecretBox(A).encrypt('value');
        return new SecretBox(A).decrypt(`${s.slice(0, -2)}${s.endsWith('A') ? 'B' : 'A'}A`);
      },
    ],
    ['decrypting a value that was never encrypted', () => new SecretBox(A).decrypt('plain')],
    ['a key that is not 32 bytes', () => new SecretBox('c2hvcnQ')],
  ];
  it.each(failures)('%s fails with GALE_ERR_FERNET_KEY', (_, fn) => {
    expect(codeOf(fn)).toBe('GALE_ERR_FERNET_KEY');
  });
});
