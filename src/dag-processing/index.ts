/** Finding, loading and parsing DAG files in isolated processes, and storing what they define. */

export { runCallbackProcess } from './dag-callbacks.js';
export {
  type Clock,
  DagProcessor,
  dagFolders,
  EXAMPLES_FOLDER,
  listDagFiles,
  sleep,
  systemClock,
} from './dag-processor.js';
export { isDagModuleLoaded, loadDag, loadDagModule } from './load-dag-module.js';
