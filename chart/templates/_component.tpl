{{/*
The Deployment (or, with "kind" "StatefulSet", the StatefulSet) of one long-running Gale service,
the same shape for each:
(dict "root" $ "component" "scheduler" "values" .Values.scheduler "args" (list "scheduler")
      "port" "metrics" "portNumber" 8974 "dags" true "kubeApi" false "replicas" true "env" list
      "terminationGracePeriodSeconds" 30 "extraPorts" list)
*/}}
{{- define "gale.component" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $sel := dict "root" $root "component" .component -}}
{{- $gitSync := and .dags $root.Values.dags.gitSync.enabled -}}
apiVersion: apps/v1
kind: {{ .kind | default "Deployment" }}
metadata:
  name: {{ include "gale.fullname" $root }}-{{ .component }}
  labels:
    {{- include "gale.labels" $sel | nindent 4 }}
spec:
  {{- if eq (.kind | default "Deployment") "StatefulSet" }}
  serviceName: {{ include "gale.fullname" $root }}-{{ .component }}
  podManagementPolicy: Parallel
  {{- end }}
  {{- if .replicas }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "gale.selectorLabels" $sel | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "gale.selectorLabels" $sel | nindent 8 }}
        {{- with $v.labels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "gale.serviceAccountName" $root }}
      automountServiceAccountToken: {{ .kubeApi | default false }}
      terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds | default 30 }}
      securityContext:
        {{- toYaml $root.Values.securityContexts.pod | nindent 8 }}
      {{- include "gale.scheduling" (dict "root" $root "values" $v) | nindent 6 }}
      {{- include "gale.topologySpread" (dict "root" $root "component" .component "values" $v) | nindent 6 }}
      {{- if or $root.Values.waitForMigrations.enabled $gitSync $v.extraInitContainers }}
      initContainers:
        {{- if $root.Values.waitForMigrations.enabled }}
        {{- include "gale.waitForMigrations" (dict "root" $root "values" $v) | nindent 8 }}
        {{- end }}
        {{- if $gitSync }}
        {{- include "gale.gitSync" (dict "root" $root "oneTime" true) | nindent 8 }}
        {{- end }}
        {{- with $v.extraInitContainers }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "gale.image" $root }}
          imagePullPolicy: {{ $root.Values.images.gale.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          securityContext:
            {{- include "gale.containerSecurityContext" $root | nindent 12 }}
          env:
            {{- include "gale.env" (dict "root" $root "values" $v) | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: {{ .port }}
              containerPort: {{ .portNumber }}
              protocol: TCP
            {{- with .extraPorts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet: {path: /health/live, port: {{ .port }}}
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: /health/live, port: {{ .port }}}
            periodSeconds: 15
            timeoutSeconds: 5
            failureThreshold: 4
          readinessProbe:
            httpGet: {path: /health/ready, port: {{ .port }}}
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            {{- include "gale.volumeMounts" (dict "root" $root "values" $v "dags" .dags) | nindent 12 }}
        {{- if $gitSync }}
        {{- include "gale.gitSync" (dict "root" $root "oneTime" false) | nindent 8 }}
        {{- end }}
        {{- with $v.extraContainers }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      volumes:
        {{- include "gale.volumes" (dict "root" $root "values" $v "dags" .dags) | nindent 8 }}
{{- end -}}

{{/* The Service that exposes a component's port: (dict "root" $ "component" "scheduler" "port" "metrics" "portNumber" 8974 "metrics" true "type" "ClusterIP" "annotations" dict) */}}
{{- define "gale.service" -}}
{{- $sel := dict "root" .root "component" .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "gale.fullname" .root }}-{{ .component }}
  labels:
    {{- include "gale.labels" $sel | nindent 4 }}
    {{- if .metrics }}
    gale.dev/metrics: "true"
    {{- end }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "gale.selectorLabels" $sel | nindent 4 }}
  ports:
    - name: {{ .port }}
      port: {{ .portNumber }}
      targetPort: {{ .port }}
      protocol: TCP
{{- end -}}

{{/* A PodDisruptionBudget for a component whose values enable one. */}}
{{- define "gale.pdb" -}}
{{- if .values.podDisruptionBudget.enabled }}
{{- $sel := dict "root" .root "component" .component }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "gale.fullname" .root }}-{{ .component }}
  labels:
    {{- include "gale.labels" $sel | nindent 4 }}
spec:
  maxUnavailable: {{ .values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "gale.selectorLabels" $sel | nindent 6 }}
{{- end }}
{{- end -}}
