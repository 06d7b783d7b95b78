/**
 * How the kubernetes executor reaches the Kubernetes API: the service account of the pod it runs
 * in (kubernetes.in_cluster), or a kubeconfig file and context. Fails naming the setting to fix.
 */
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { GaleError } from '../../models/index.js';

export interface KubeConnectionSettings {
  in_cluster: boolean;
  config_file: string;
  context: string;
}

export function loadKubeConfig(s: KubeConnectionSettings): KubeConfig {
  const kc = new KubeConfig();
  const where = s.in_cluster
    ? 'the service account of this pod (kubernetes.in_cluster)'
    : s.config_file
      ? `kubeconfig "${s.config_file}" (kubernetes.config_file)`
      : 'the kubeconfig of $KUBECONFIG or ~/.kube/config';
  try {
    if (s.in_cluster) kc.loadFromCluster();
    else if (s.config_file) kc.loadFromFile(s.config_file);
    else kc.loadFromDefault();
    if (s.context) kc.setCurrentContext(s.context);
  } catch (error) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `Cannot load the Kubernetes settings from ${where}`, {
      hint: 'Set GALE__KUBERNETES__IN_CLUSTER=true in a pod, or GALE__KUBERNETES__CONFIG_FILE (and GALE__KUBERNETES__CONTEXT) to a readable kubeconfig.',
      cause: error,
    });
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `${where} names no current cluster`, {
      hint: 'Pick a context with a cluster: GALE__KUBERNETES__CONTEXT, or `current-context` in the kubeconfig.',
    });
  }
  if (!URL.canParse(server) || server.includes('undefined')) {
    // loadFromCluster outside a pod reads no KUBERNETES_SERVICE_HOST/PORT and makes such a URL
    throw new GaleError(
      'GALE_ERR_CONFIG_INVALID',
      `${where} gives no usable API server address ("${server}")`,
      {
        hint: 'kubernetes.in_cluster works only inside a pod (KUBERNETES_SERVICE_HOST set); elsewhere use GALE__KUBERNETES__CONFIG_FILE.',
      },
    );
  }
  return kc;
}

/** HTTP status of a failed Kubernetes API call, if it has one. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}
