{{/* Names, labels, and the pieces every Gale pod shares. */}}

{{- define "gale.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gale.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* selector labels of one component: (dict "root" $ "component" "scheduler") */}}
{{- define "gale.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gale.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gale.labels" -}}
{{ include "gale.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "gale.image" -}}
{{- printf "%s:%s" .Values.images.gale.repository (default .Chart.AppVersion .Values.images.gale.tag) -}}
{{- end -}}

{{- define "gale.executors" -}}
{{- splitList "," (.Values.executor | replace " " "") | toJson -}}
{{- end -}}

{{- define "gale.hasExecutor" -}}
{{- if has .name (include "gale.executors" .root | fromJsonArray) -}}true{{- end -}}
{{- end -}}

{{- /*
"true" when podTask containers run as pods (config.containers.engine: kubernetes): then the
processes that run tries (schedulers with the local executor, workers, task pods) and the
triggerer (it watches deferred ones) reach the Kubernetes API.
*/ -}}
{{- define "gale.podTasksOnKubernetes" -}}
{{- if eq (dig "containers" "engine" "" (.Values.config | default dict)) "kubernetes" -}}true{{- end -}}
{{- end -}}

{{- define "gale.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gale.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Secret names: the user's, else the chart's generated one. */}}
{{- define "gale.fernetKeySecret" -}}
{{- default (printf "%s-fernet-key" (include "gale.fullname" .)) .Values.fernetKeySecretName -}}
{{- end -}}
{{- define "gale.secretKeySecret" -}}
{{- default (printf "%s-secret-key" (include "gale.fullname" .)) .Values.secretKeySecretName -}}
{{- end -}}
{{- define "gale.postgresqlSecret" -}}
{{- default (printf "%s-postgresql" (include "gale.fullname" .)) .Values.postgresql.auth.existingSecret -}}
{{- end -}}
{{- define "gale.redisSecret" -}}
{{- default (printf "%s-redis" (include "gale.fullname" .)) .Values.redis.auth.existingSecret -}}
{{- end -}}
{{- define "gale.apiServerUrl" -}}
{{- printf "http://%s-api-server:%v" (include "gale.fullname" .) .Values.ports.apiServer -}}
{{- end -}}

{{- define "gale.containerSecurityContext" -}}
{{ toYaml .Values.securityContexts.container }}
{{- end -}}

{{/* Volumes of a Gale pod: (dict "root" $ "values" .Values.x "dags" true) */}}
{{- define "gale.volumes" -}}
{{- $v := .root.Values -}}
- name: config
  configMap:
    name: {{ include "gale.fullname" .root }}-config
- name: cache
  emptyDir: {}
- name: tmp
  emptyDir: {}
- name: logs
{{- if $v.logs.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-logs" (include "gale.fullname" .root)) $v.logs.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- if .dags }}
{{- if $v.dags.gitSync.enabled }}
- name: dags
  emptyDir: {}
{{- if $v.dags.gitSync.sshKeySecret }}
- name: git-ssh-key
  secret:
    secretName: {{ $v.dags.gitSync.sshKeySecret }}
    defaultMode: 0440
{{- end }}
{{- if $v.dags.gitSync.knownHosts }}
- name: git-known-hosts
  configMap:
    name: {{ include "gale.fullname" .root }}-git-known-hosts
{{- end }}
{{- else if $v.dags.persistence.enabled }}
- name: dags
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-dags" (include "gale.fullname" .root)) $v.dags.persistence.existingClaim }}
{{- end }}
{{- end }}
{{- with $v.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- with .values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "gale.volumeMounts" -}}
{{- $v := .root.Values -}}
- name: cache
  mountPath: {{ $v.galeHome }}/cache
- name: config
  mountPath: {{ $v.galeHome }}/gale.yaml
  subPath: gale.yaml
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: logs
  mountPath: {{ $v.galeHome }}/logs
{{- if include "gale.hasExecutor" (dict "root" .root "name" "kubernetes") }}
- name: config
  mountPath: {{ $v.galeHome }}/pod_templates/pod_template_file.yaml
  subPath: pod_template_file.yaml
  readOnly: true
{{- end }}
{{- if and .dags (or $v.dags.gitSync.enabled $v.dags.persistence.enabled) }}
- name: dags
  mountPath: {{ $v.dags.mountPath }}
  {{- if $v.dags.gitSync.enabled }}
  readOnly: true
  {{- else }}
  readOnly: {{ $v.dags.persistence.readOnly }}
  {{- with $v.dags.persistence.subPath }}
  subPath: {{ . }}
  {{- end }}
  {{- end }}
{{- end }}
{{- with $v.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- with .values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* core.dags_folder */}}
{{- define "gale.dagsFolder" -}}
{{- if .Values.dags.gitSync.enabled -}}
{{- trimSuffix "/" (printf "%s/repo/%s" .Values.dags.mountPath .Values.dags.gitSync.subPath) -}}
{{- else -}}
{{- .Values.dags.mountPath -}}
{{- end -}}
{{- end -}}

{{- define "gale.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "gale.image" .root }}
  imagePullPolicy: {{ .root.Values.images.gale.pullPolicy }}
  # waits while the database is unreachable or lacks the migrations the migrate job runs; fails
  # after timeoutSeconds with the reason, and the kubelet starts it again
  args: ["db", "check", "--wait", {{ .root.Values.waitForMigrations.timeoutSeconds | int | quote }}]
  securityContext:
    {{- include "gale.containerSecurityContext" .root | nindent 4 }}
  env:
    {{- include "gale.env" . | nindent 4 }}
  resources:
    {{- toYaml .root.Values.waitForMigrations.resources | nindent 4 }}
  volumeMounts:
    {{- include "gale.volumeMounts" (dict "root" .root "values" .values "dags" false) | nindent 4 }}
{{- end -}}

{{- define "gale.topologySpread" -}}
{{- if .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml .values.topologySpreadConstraints | nindent 2 }}
{{- else if .root.Values.topologySpread.enabled }}
{{- $t := .root.Values.topologySpread }}
topologySpreadConstraints:
  - maxSkew: {{ $t.maxSkew }}
    topologyKey: {{ $t.topologyKey }}
    whenUnsatisfiable: {{ $t.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "gale.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{/* nodeSelector, affinity, tolerations, imagePullSecrets of a pod */}}
{{- define "gale.scheduling" -}}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
