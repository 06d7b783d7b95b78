{{/* The environment of Gale containers: settings from Secrets, and the generated secrets. */}}

{{/*
The value of a chart-made secret: the one given in the values, else the one already in the
cluster (generated at install, kept on every upgrade), else fresh random bytes.
(dict "root" $ "name" secretName "key" dataKey "value" given "random" generated)
*/}}
{{- define "gale.keptSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if .value -}}
{{- .value | b64enc -}}
{{- else if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- .random | b64enc -}}
{{- end -}}
{{- end -}}

{{/* The database URL and Redis URL as env entries, their passwords from Secrets. */}}
{{- define "gale.databaseEnv" -}}
{{- if .Values.postgresql.enabled }}
- name: GALE_DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "gale.postgresqlSecret" . }}
      key: password
- name: GALE__DATABASE__URL
  value: {{ printf "postgresql://%s:$(GALE_DATABASE_PASSWORD)@%s-postgresql:%v/%s" .Values.postgresql.auth.username (include "gale.fullname" .) .Values.ports.postgresql .Values.postgresql.auth.database | quote }}
{{- else if .Values.data.metadataSecretName }}
- name: GALE__DATABASE__URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.data.metadataSecretName }}
      key: connection
{{- else }}
{{- $c := .Values.data.metadataConnection }}
- name: GALE_DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "data.metadataConnection.passwordSecretName is required with postgresql.enabled false (or set data.metadataSecretName)" $c.passwordSecretName }}
      key: {{ $c.passwordSecretKey }}
- name: GALE__DATABASE__URL
  value: {{ printf "postgresql://%s:$(GALE_DATABASE_PASSWORD)@%s:%v/%s%s" $c.user (required "data.metadataConnection.host is required with postgresql.enabled false (or set data.metadataSecretName)" $c.host) $c.port $c.db (ternary (printf "?sslmode=%s" $c.sslmode) "" (ne $c.sslmode "")) | quote }}
{{- end }}
{{- end -}}

{{- define "gale.redisEnv" -}}
{{- if include "gale.hasExecutor" (dict "root" . "name" "queue") }}
{{- if .Values.redis.enabled }}
- name: GALE_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "gale.redisSecret" . }}
      key: password
- name: GALE__QUEUE__REDIS_URL
  value: {{ printf "redis://:$(GALE_REDIS_PASSWORD)@%s-redis:%v/0" (include "gale.fullname" .) .Values.ports.redis | quote }}
{{- else }}
- name: GALE__QUEUE__REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "data.brokerUrlSecretName is required with executor queue and redis.enabled false" .Values.data.brokerUrlSecretName }}
      key: connection
{{- end }}
{{- end }}
{{- end -}}

{{- define "gale.keyEnv" -}}
- name: GALE__CORE__FERNET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "gale.fernetKeySecret" . }}
      key: fernet-key
- name: GALE__API__SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "gale.secretKeySecret" . }}
      key: secret-key
{{- end -}}

{{/* Every Gale service container's env: (dict "root" $ "values" .Values.scheduler) */}}
{{- define "gale.env" -}}
- name: GALE_HOME
  value: {{ .root.Values.galeHome | quote }}
- name: GALE_LOG_FORMAT
  value: json
{{- include "gale.keyEnv" .root | nindent 0 }}
{{- include "gale.databaseEnv" .root }}
{{- include "gale.redisEnv" .root }}
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

