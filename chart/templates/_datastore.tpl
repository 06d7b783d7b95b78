{{/*
A one-replica StatefulSet with its Service, for the bundled PostgreSQL and Redis:
(dict "root" $ "component" "postgresql" "values" .Values.postgresql "image" .Values.images.postgresql
      "port" 5432 "args" list "env" list "dataPath" "/var/lib/postgresql/data" "probe" list
      "writable" (list "/var/run/postgresql"))
*/}}
{{- define "gale.datastore" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $sel := dict "root" $root "component" .component -}}
{{- $name := printf "%s-%s" (include "gale.fullname" $root) .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "gale.labels" $sel | nindent 4 }}
spec:
  selector:
    {{- include "gale.selectorLabels" $sel | nindent 4 }}
  ports:
    - name: {{ .component }}
      port: {{ .port }}
      targetPort: {{ .component }}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ $name }}
  labels:
    {{- include "gale.labels" $sel | nindent 4 }}
spec:
  serviceName: {{ $name }}
  replicas: 1
  selector:
    matchLabels:
      {{- include "gale.selectorLabels" $sel | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "gale.selectorLabels" $sel | nindent 8 }}
    spec:
      automountServiceAccountToken: false
      securityContext:
        {{- toYaml $v.securityContexts.pod | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ printf "%s:%s" .image.repository .image.tag }}
          imagePullPolicy: {{ .image.pullPolicy }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "gale.containerSecurityContext" $root | nindent 12 }}
          env:
            {{- toYaml .env | nindent 12 }}
          ports:
            - name: {{ .component }}
              containerPort: {{ .port }}
          readinessProbe:
            exec:
              command:
                {{- toYaml .probe | nindent 16 }}
            periodSeconds: 10
            timeoutSeconds: 5
          livenessProbe:
            tcpSocket: {port: {{ .component }}}
            initialDelaySeconds: 30
            periodSeconds: 20
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            - name: data
              mountPath: {{ .dataPath }}
            - name: tmp
              mountPath: /tmp
            {{- range $i, $path := .writable }}
            - name: {{ printf "run-%d" $i }}
              mountPath: {{ $path }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- range $i, $path := .writable }}
        - name: {{ printf "run-%d" $i }}
          emptyDir: {}
        {{- end }}
        {{- if not $v.persistence.enabled }}
        - name: data
          emptyDir: {}
        {{- end }}
  {{- if $v.persistence.enabled }}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        {{- with $v.persistence.storageClassName }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ $v.persistence.size }}
  {{- end }}
{{- end -}}
