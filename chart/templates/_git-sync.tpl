{{/* The git-sync container that brings DAG files from git (dags.gitSync). */}}

{{/* git-sync: (dict "root" $ "oneTime" true) as an init container, else the sidecar */}}
{{- define "gale.gitSync" -}}
{{- $g := .root.Values.dags.gitSync -}}
- name: {{ if .oneTime }}git-sync-init{{ else }}git-sync{{ end }}
  image: {{ printf "%s:%s" .root.Values.images.gitSync.repository .root.Values.images.gitSync.tag }}
  imagePullPolicy: {{ .root.Values.images.gitSync.pullPolicy }}
  securityContext:
    {{- include "gale.containerSecurityContext" .root | nindent 4 }}
  env:
    - name: GITSYNC_REPO
      value: {{ required "dags.gitSync.repo is required with dags.gitSync.enabled" $g.repo | quote }}
    - name: GITSYNC_REF
      value: {{ if eq $g.rev "HEAD" }}{{ $g.branch | quote }}{{ else }}{{ $g.rev | quote }}{{ end }}
    - name: GITSYNC_DEPTH
      value: {{ $g.depth | quote }}
    - name: GITSYNC_ROOT
      value: /git
    - name: GITSYNC_LINK
      value: repo
    - name: GITSYNC_PERIOD
      value: {{ $g.period | quote }}
    - name: GITSYNC_ONE_TIME
      value: {{ ternary "true" "false" (.oneTime | default false) | quote }}
    - name: HOME
      value: /tmp
    {{- if $g.credentialsSecret }}
    - name: GITSYNC_USERNAME
      valueFrom:
        secretKeyRef:
          name: {{ $g.credentialsSecret }}
          key: GITSYNC_USERNAME
    - name: GITSYNC_PASSWORD
      valueFrom:
        secretKeyRef:
          name: {{ $g.credentialsSecret }}
          key: GITSYNC_PASSWORD
    {{- end }}
    {{- if $g.sshKeySecret }}
    - name: GITSYNC_SSH_KEY_FILE
      value: /etc/git-secret/ssh
    - name: GITSYNC_SSH_KNOWN_HOSTS
      value: {{ ternary "true" "false" (ne $g.knownHosts "") | quote }}
    {{- if $g.knownHosts }}
    - name: GITSYNC_SSH_KNOWN_HOSTS_FILE
      value: /etc/git-secret/known_hosts
    {{- end }}
    {{- end }}
  resources:
    {{- toYaml $g.resources | nindent 4 }}
  volumeMounts:
    - name: dags
      mountPath: /git
    - name: tmp
      mountPath: /tmp
    {{- if $g.sshKeySecret }}
    - name: git-ssh-key
      mountPath: /etc/git-secret/ssh
      subPath: gitSshKey
      readOnly: true
    {{- end }}
    {{- if $g.knownHosts }}
    - name: git-known-hosts
      mountPath: /etc/git-secret/known_hosts
      subPath: known_hosts
      readOnly: true
    {{- end }}
{{- end -}}

