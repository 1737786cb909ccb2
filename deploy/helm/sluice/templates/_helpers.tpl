{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "sluice.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "sluice.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sluice.labels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "sluice.selector" -}}
app.kubernetes.io/name: {{ include "sluice.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "sluice.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sluice.redisSecret" -}}
{{- default (printf "%s-redis" (include "sluice.fullname" .)) .Values.redis.existingSecret -}}
{{- end -}}

{{- define "sluice.planKeySecret" -}}
{{- default (printf "%s-plan-key" (include "sluice.fullname" .)) .Values.planKey.existingSecret -}}
{{- end -}}

{{- define "sluice.githubSecret" -}}
{{- default (printf "%s-github" (include "sluice.fullname" .)) .Values.github.existingSecret -}}
{{- end -}}

{{- define "sluice.gitlabSecret" -}}
{{- default (printf "%s-gitlab" (include "sluice.fullname" .)) .Values.gitlab.existingSecret -}}
{{- end -}}

{{/* The environment both Deployments share. REDIS_URL gets the password from the Secret through
Kubernetes' $(VAR) expansion, so it never sits in a manifest. */}}
{{- define "sluice.env" -}}
{{- $url := required "redis.url is required: Sluice on Kubernetes runs on Redis (docs/deployment.md#redis)" .Values.redis.url -}}
{{- if not (regexMatch "^rediss?://[^@/]+(:[0-9]+)?(/[0-9]+)?$" $url) -}}
{{- fail "redis.url must look like redis://host:6379 or rediss://host:6380, without a password (it comes from the Secret)" -}}
{{- end }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.redisSecret" . }}
      key: {{ .Values.redis.passwordKey }}
- name: REDIS_URL
  value: {{ regexReplaceAll "^(rediss?://)" $url "${1}:$(REDIS_PASSWORD)@" | quote }}
- name: SLUICE_REDIS_PREFIX
  value: {{ .Values.redis.prefix | quote }}
- name: SLUICE_PLAN_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.planKeySecret" . }}
      key: {{ .Values.planKey.key }}
- name: SLUICE_DATA_DIR
  value: /data
{{- with .Values.publicUrl }}
- name: SLUICE_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- if .Values.github.enabled }}
- name: APP_ID
  valueFrom:
    secretKeyRef: { name: {{ include "sluice.githubSecret" . }}, key: app-id }
- name: PRIVATE_KEY
  valueFrom:
    secretKeyRef: { name: {{ include "sluice.githubSecret" . }}, key: private-key }
- name: WEBHOOK_SECRET
  valueFrom:
    secretKeyRef: { name: {{ include "sluice.githubSecret" . }}, key: webhook-secret }
{{- with .Values.github.enterpriseHost }}
- name: GHE_HOST
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if .Values.gitlab.enabled }}
- name: GITLAB_URL
  value: {{ .Values.gitlab.url | quote }}
- name: GITLAB_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ include "sluice.gitlabSecret" . }}, key: token }
- name: GITLAB_WEBHOOK_SECRET
  valueFrom:
    secretKeyRef: { name: {{ include "sluice.gitlabSecret" . }}, key: webhook-secret }
{{- end }}
{{- if .Values.serverConfig }}
- name: SLUICE_CONFIG
  value: /etc/sluice/server-config.yaml
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The container settings both Deployments share: non-root, no privilege escalation, no capabilities,
read-only root filesystem (writable /data and /tmp are volumes). */}}
{{- define "sluice.containerSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
