/**
 * Which names hold secrets, as Airflow's secrets masker decides: a variable, an extra field or a
 * setting whose name contains one of these words has its value shown as "***" by the API and
 * masked in task logs.
 */
export const SECRET_MASK = '***';

const SENSITIVE_WORDS = [
  'access_token',
  'api_key',
  'apikey',
  'authorization',
  'passphrase',
  'passwd',
  'password',
  'private_key',
  'secret',
  'token',
  'keyfile_dict',
  'service_account',
];

export function isSensitiveName(name: string): boolean {
  const n = name.toLowerCase();
  return SENSITIVE_WORDS.some((w) => n.includes(w));
}
