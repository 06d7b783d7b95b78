/**
 * Entry of a task process. On Node.js 22+ it turns on Node's compile cache first, so that the
 * modules a task process loads are compiled once per machine rather than once per try.
 */
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./task-process.js');
