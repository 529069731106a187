{{/* The chart's name. */}}
{{- define "tributary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, used to name every object. */}}
{{- define "tributary.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tributary.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tributary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tributary.labels" -}}
helm.sh/chart: {{ include "tributary.chart" . }}
{{ include "tributary.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "tributary.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret the pods read: the user's own, or the chart's. */}}
{{- define "tributary.secretName" -}}
{{- default (include "tributary.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
The configuration's checks, included by every template that uses it, so that a mistake fails
the render instead of a pod.
*/}}
{{- define "tributary.validate" -}}
{{- if not .Values.config.blob.bucket }}
{{- fail "config.blob.bucket is required: every replica stores blobs in the same S3 bucket" }}
{{- end }}
{{- if not .Values.secret.existingSecret }}
{{- if not .Values.secret.databaseUrl }}
{{- fail "secret.databaseUrl (postgres://...) is required, or secret.existingSecret" }}
{{- end }}
{{- if not (hasPrefix "postgres" .Values.secret.databaseUrl) }}
{{- fail "secret.databaseUrl must be a PostgreSQL URL: replicas cannot share a SQLite database" }}
{{- end }}
{{- if not (and .Values.secret.blobS3AccessKeyId .Values.secret.blobS3SecretAccessKey) }}
{{- fail "secret.blobS3AccessKeyId and secret.blobS3SecretAccessKey are required, or secret.existingSecret" }}
{{- end }}
{{- if ne (empty .Values.secret.adminAccessKeyId) (empty .Values.secret.adminSecretAccessKey) }}
{{- fail "set both secret.adminAccessKeyId and secret.adminSecretAccessKey, or neither" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by the Deployment and the migration Job. */}}
{{- define "tributary.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
