/** Gale's configuration: the settings' schema and the loader. */
export { type ConfigSource, type LoadedConfig, listSettings, loadConfig, resolveGaleHome } from './load.js';
export { type GaleConfig, SETTINGS, type SectionName } from './schema.js';
