/** Asset conditions: when a schedule on assets is met, as Airflow 3's AssetAll / AssetAny. */
import { describe, expect, it } from 'vitest';
import {
  type AssetCondition,
  conditionUris,
  describeCondition,
  isConditionMet,
  validateAssetUri,
} from '../../../src/models/index.js';

const a: AssetCondition = { type: 'asset', uri: 's3://a' };
const b: AssetCondition = { type: 'asset', uri: 's3://b' };
const c: AssetCondition = { type: 'asset', uri: 's3://c' };
const all = (...items: AssetCondition[]): AssetCondition => ({ type: 'all', items });
const any = (...items: AssetCondition[]): AssetCondition => ({ type: 'any', items });

describe('isConditionMet', () => {
  const cases: { name: string; condition: AssetCondition; queued: string[]; met: boolean }[] = [
    { name: 'one asset, its event queued', condition: a, queued: ['s3://a'], met: true },
    { name: 'one asset, another asset queued', condition: a, queued: ['s3://b'], met: false },
    { name: 'all, one of two queued', condition: all(a, b), queued: ['s3://a'], met: false },
    { name: 'all, both queued', condition: all(a, b), queued: ['s3://a', 's3://b'], met: true },
    { name: 'any, one of two queued', condition: any(a, b), queued: ['s3://b'], met: true },
    { name: 'any, none queued', condition: any(a, b), queued: [], met: false },
    {
      name: 'a & (b | c) with a and c',
      condition: all(a, any(b, c)),
      queued: ['s3://a', 's3://c'],
      met: true,
    },
    {
      name: 'a & (b | c) with b and c only',
      condition: all(a, any(b, c)),
      queued: ['s3://b', 's3://c'],
      met: false,
    },
    { name: '(a & b) | c with c', condition: any(all(a, b), c), queued: ['s3://c'], met: true },
    { name: '(a & b) | c with a', condition: any(all(a, b), c), queued: ['s3://a'], met: false },
  ];
  for (const t of cases) {
    it(`${t.name}: ${t.met ? 'met' : 'not met'}`, () => {
      expect(isConditionMet(t.condition, new Set(t.queued))).toBe(t.met);
    });
  }
});

describe('describeCondition and conditionUris', () => {
  const cases: { condition: AssetCondition; text: string; uris: string[] }[] = [
    { condition: a, text: 's3://a', uris: ['s3://a'] },
    { condition: all(a, b), text: 's3://a & s3://b', uris: ['s3://a', 's3://b'] },
    {
      condition: all(a, any(b, c)),
      text: 's3://a & (s3://b | s3://c)',
      uris: ['s3://a', 's3://b', 's3://c'],
    },
    { condition: any(all(a, b), a), text: '(s3://a & s3://b) | s3://a', uris: ['s3://a', 's3://b'] },
  ];
  for (const t of cases) {
    it(t.text, () => {
      expect(describeCondition(t.condition)).toBe(t.text);
      expect(conditionUris(t.condition)).toEqual(t.uris);
    });
  }
});

describe('validateAssetUri', () => {
  const cases: { uri: string; valid: boolean }[] = [
    { uri: 's3://bucket/file.csv', valid: true },
    { uri: 'postgres://db/schema/table', valid: true },
    { uri: 'file:///tmp/x', valid: true },
    { uri: 'plain_name', valid: true },
    { uri: '', valid: false },
    { uri: 's3://bucket/with space', valid: false },
    { uri: 'has space', valid: false },
  ];
  for (const t of cases) {
    it(`"${t.uri}" is ${t.valid ? 'valid' : 'rejected with GALE_ERR_ASSET_INVALID'}`, () => {
      if (t.valid) expect(validateAssetUri(t.uri, 'test')).toBe(t.uri);
      else
        expect(() => validateAssetUri(t.uri, 'test')).toThrow(
          expect.objectContaining({ code: 'GALE_ERR_ASSET_INVALID' }),
        );
    });
  }
});
