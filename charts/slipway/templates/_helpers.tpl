{{- define "slipway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "slipway.fullname" -}}
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

{{- define "slipway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "slipway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "controller") */}}
{{- define "slipway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slipway.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "slipway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "slipway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* <registry>/<repository>:<tag>, or @<digest> for a tag "@sha256:…": (dict "ctx" $ "image" .Values.controller.image) */}}
{{- define "slipway.image" -}}
{{- $registry := default .ctx.Values.imageRegistry .image.registry | trimSuffix "/" }}
{{- $tag := default .ctx.Chart.AppVersion .image.tag }}
{{- $ref := ternary $tag (printf ":%s" $tag) (hasPrefix "@" $tag) }}
{{- if $registry }}{{ printf "%s/%s%s" $registry .image.repository $ref }}{{ else }}{{ printf "%s%s" .image.repository $ref }}{{ end }}
{{- end }}

{{/* The namespaces whose ConfigMaps and Secrets the controller reads, other than the release namespace, as a JSON list. */}}
{{- define "slipway.inputNamespaces" -}}
{{- without (uniq .Values.watchNamespaces) .Release.Namespace | toJson }}
{{- end }}

{{- define "slipway.redis.bundled" -}}
{{- if not (or .Values.redis.url .Values.redis.existingSecret) }}true{{ end }}
{{- end }}

{{- define "slipway.redis.fullname" -}}
{{- printf "%s-redis" (include "slipway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The Secret and key holding an external Redis's URL, "" when the URL has no password and is
passed as an argument instead, or when the bundled Redis is used.
*/}}
{{- define "slipway.redis.urlSecret" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecret }}
{{- else if include "slipway.redis.bundled" . }}
{{- else if (urlParse .Values.redis.url).userinfo }}{{ include "slipway.fullname" . }}-redis-url
{{- end }}
{{- end }}

{{/* The Secret and key holding the bundled Redis's password: the user's, or the chart's. */}}
{{- define "slipway.redis.passwordSecret" -}}
{{- default (include "slipway.redis.fullname" .) .Values.redis.bundled.auth.existingSecret }}
{{- end }}

{{- define "slipway.redis.passwordKey" -}}
{{- if .Values.redis.bundled.auth.existingSecret }}{{ .Values.redis.bundled.auth.existingSecretKey }}{{ else }}password{{ end }}
{{- end }}

{{- define "slipway.redis.urlSecretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}
