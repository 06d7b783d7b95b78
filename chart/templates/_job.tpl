{{/*
A Job running one Gale command, as a hook or a plain Job:
(dict "root" $ "component" "migrate-database" "values" .Values.migrateDatabaseJob "hook" "post-install,post-upgrade"
      "weight" "1" "command" list "args" list "extraVolumes" list "extraMounts" list)
*/}}
{{- define "gale.job" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $sel := dict "root" $root "component" .component -}}
apiVersion: batch/v1
kind: Job
metadata:
  {{- if $v.useHelmHooks }}
  name: {{ include "gale.fullname" $root }}-{{ .component }}
  annotations:
    helm.sh/hook: {{ .hook }}
    helm.sh/hook-weight: {{ .weight | quote }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
  {{- else }}
  # a new name per release revision: a Job's pod template cannot be changed
  name: {{ include "gale.fullname" $root }}-{{ .component }}-{{ $root.Release.Revision }}
  {{- end }}
  labels:
    {{- include "gale.labels" $sel | nindent 4 }}
spec:
  backoffLimit: {{ $v.backoffLimit }}
  ttlSecondsAfterFinished: {{ $v.ttlSecondsAfterFinished }}
  template:
    metadata:
      labels:
        {{- include "gale.selectorLabels" $sel | nindent 8 }}
    spec:
      restartPolicy: OnFailure
      serviceAccountName: {{ include "gale.serviceAccountName" $root }}
      automountServiceAccountToken: false
      securityContext:
        {{- toYaml $root.Values.securityContexts.pod | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "gale.image" $root }}
          imagePullPolicy: {{ $root.Values.images.gale.pullPolicy }}
          {{- with .command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "gale.containerSecurityContext" $root | nindent 12 }}
          env:
            {{- include "gale.env" (dict "root" $root "values" dict) | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            {{- include "gale.volumeMounts" (dict "root" $root "values" dict "dags" false) | nindent 12 }}
            {{- with .extraMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "gale.volumes" (dict "root" $root "values" dict "dags" false) | nindent 8 }}
        {{- with .extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end -}}
