{{/*
The task pod of the Kubernetes executor (kubernetes.pod_template_file): the Gale image with the
DAGs and gale.yaml, and no credentials at all: the executor adds the try's workload, the
execution API's URL and a token for that one try (no database, Redis or secret key).
*/}}
{{- define "gale.podTemplate" -}}
{{- $e := .Values.kubernetesExecutor -}}
{{- $sel := dict "root" . "component" "task" -}}
{{- $hasDags := or .Values.dags.gitSync.enabled .Values.dags.persistence.enabled -}}
apiVersion: v1
kind: Pod
metadata:
  name: placeholder-name
  labels:
    {{- include "gale.selectorLabels" $sel | nindent 4 }}
    {{- with $e.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $e.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "gale.fullname" . }}-task
  {{- /* a try's podTask starts its own pod (config.containers.engine: kubernetes) */}}
  automountServiceAccountToken: {{ eq (include "gale.podTasksOnKubernetes" .) "true" }}
  restartPolicy: Never
  securityContext:
    {{- toYaml .Values.securityContexts.pod | nindent 4 }}
  {{- include "gale.scheduling" (dict "root" . "values" $e) | nindent 2 }}
  {{- if .Values.dags.gitSync.enabled }}
  initContainers:
    {{- include "gale.gitSync" (dict "root" . "oneTime" true) | nindent 4 }}
  {{- end }}
  containers:
    - name: base
      image: {{ include "gale.image" . }}
      imagePullPolicy: {{ .Values.images.gale.pullPolicy }}
      securityContext:
        {{- include "gale.containerSecurityContext" . | nindent 8 }}
      env:
        - name: GALE_HOME
          value: {{ .Values.galeHome | quote }}
        - name: GALE_LOG_FORMAT
          value: json
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $e.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      resources:
        {{- toYaml $e.resources | nindent 8 }}
      volumeMounts:
        {{- include "gale.volumeMounts" (dict "root" . "values" $e "dags" $hasDags) | nindent 8 }}
  volumes:
    {{- include "gale.volumes" (dict "root" . "values" $e "dags" $hasDags) | nindent 4 }}
{{- end -}}
