{{/*
Names. With the release name `lienthong` every object is `lienthong-<component>`;
another release name gets `<release>-lienthong-<component>` unless it already
contains the chart's name.
*/}}
{{- define "lienthong.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lienthong.fullname" -}}
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

{{- define "lienthong.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; call with (dict "root" $ "component" "<name>"). */}}
{{- define "lienthong.labels" -}}
helm.sh/chart: {{ include "lienthong.chart" .root }}
{{ include "lienthong.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: lienthong
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{- define "lienthong.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lienthong.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Selector of every pod of the release (used by the NetworkPolicies). */}}
{{- define "lienthong.releaseSelector" -}}
app.kubernetes.io/name: {{ include "lienthong.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The image of a service; call with (dict "root" $ "name" "<service>" "svc" <values>). */}}
{{- define "lienthong.image" -}}
{{- $image := .svc.image | default dict -}}
{{- $repository := $image.repository | default (printf "%s/%s" .root.Values.image.prefix .name) -}}
{{- $tag := $image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" .root.Values.image.registry $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the event store URL (key `url`). */}}
{{- define "lienthong.eventStoreSecret" -}}
{{- if .Values.eventStore.existingSecret -}}
{{- .Values.eventStore.existingSecret -}}
{{- else if .Values.postgresql.enabled -}}
{{- printf "%s-postgresql" (include "lienthong.fullname" .) -}}
{{- else -}}
{{- fail "eventStore.existingSecret is required when postgresql.enabled is false" -}}
{{- end -}}
{{- end -}}

{{- define "lienthong.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s-nats:%d" (include "lienthong.fullname" .) (int .Values.nats.ports.client) -}}
{{- else -}}
{{- required "nats.externalUrl is required when nats.enabled is false" .Values.nats.externalUrl -}}
{{- end -}}
{{- end -}}

{{/* JetStream replicas of the services' streams: explicit, else NATS's replicas (at most 3). */}}
{{- define "lienthong.streamReplicas" -}}
{{- if .Values.events.streamReplicas -}}
{{- .Values.events.streamReplicas -}}
{{- else if .Values.nats.enabled -}}
{{- min 3 (int .Values.nats.replicas) -}}
{{- else -}}
1
{{- end -}}
{{- end -}}

{{/* Hardened container securityContext shared by every container of the chart. */}}
{{- define "lienthong.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod securityContext; call with the numeric uid. */}}
{{- define "lienthong.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The Secret holding the audit signing key (key `ed25519.pem`): the existing one, else the
     one the chart generates (audit.signingKey.generate), else none (no checkpoints). */}}
{{- define "lienthong.auditKeySecret" -}}
{{- if .Values.audit.signingKey.existingSecret -}}
{{- .Values.audit.signingKey.existingSecret -}}
{{- else if .Values.audit.signingKey.generate -}}
{{- printf "%s-audit-signing-key" (include "lienthong.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding a workload's TLS certificate (cert-manager's keys):
     dict "root" $ "name" <service | nats | smoke-test>. */}}
{{- define "lienthong.tlsSecret" -}}
{{- printf "%s-%s-tls" (include "lienthong.fullname" .root) .name -}}
{{- end -}}

{{/* The ConfigMap holding the access policy (key policy.yaml); empty: no policy. */}}
{{- define "lienthong.policyConfigMap" -}}
{{- if .Values.accessPolicy.existingConfigMap -}}
{{- .Values.accessPolicy.existingConfigMap -}}
{{- else if .Values.accessPolicy.policy -}}
{{- printf "%s-access-policy" (include "lienthong.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the personal data's master key (key master.key); empty: none. */}}
{{- define "lienthong.piiKeySecret" -}}
{{- if .Values.personalData.masterKey.existingSecret -}}
{{- .Values.personalData.masterKey.existingSecret -}}
{{- else if .Values.personalData.masterKey.generate -}}
{{- printf "%s-pii-master-key" (include "lienthong.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The PKCS#11 token of every service (values `pkcs11`), as YAML for fromYaml: enabled,
     module, token, pinSecret, pinKey, moduleVolume. A module without its token's label or
     its PIN's Secret is refused. */}}
{{- define "lienthong.pkcs11" -}}
{{- $pkcs11 := .Values.pkcs11 | default dict -}}
{{- $pin := $pkcs11.pinSecret | default dict -}}
{{- if $pkcs11.module -}}
{{- if not $pkcs11.token -}}
{{- fail "pkcs11.token is required when pkcs11.module is set: the label of the token holding the keys" -}}
{{- end -}}
{{- if not $pin.name -}}
{{- fail "pkcs11.pinSecret.name is required when pkcs11.module is set: the Secret holding the token's user PIN" -}}
{{- end -}}
enabled: true
module: {{ $pkcs11.module | quote }}
token: {{ $pkcs11.token | quote }}
pinSecret: {{ $pin.name | quote }}
pinKey: {{ $pin.key | default "pin" | quote }}
moduleVolume: {{ $pkcs11.moduleVolume | default dict | toJson }}
{{- else -}}
enabled: false
{{- end -}}
{{- end -}}

{{/* A service's data volume (services.<name>.persistence) with its defaults, as YAML for
     fromYaml: enabled, size, storageClass, accessModes, and singlePod (a ReadWriteOnce or
     ReadWriteOncePod volume: one pod at a time). Call with (dict "name" <service> "svc"
     <values>); more than one pod on such a volume is refused, naming the service. */}}
{{- define "lienthong.persistence" -}}
{{- $persistence := .svc.persistence | default dict -}}
{{- if $persistence.enabled -}}
{{- $modes := $persistence.accessModes | default (list "ReadWriteOnce") -}}
{{- $singlePod := or (has "ReadWriteOnce" $modes) (has "ReadWriteOncePod" $modes) -}}
{{- $autoscaling := .svc.autoscaling | default dict -}}
{{- if and $singlePod (or (gt (int .svc.replicas) 1) $autoscaling.enabled) -}}
{{- fail (printf "services.%s.persistence: its volume (%s) is mounted by one pod at a time, but replicas is %d%s; set replicas: 1 and autoscaling.enabled: false, or persistence.enabled: false (e.g. keys in an HSM, pkcs11), or accessModes: [ReadWriteMany]" .name (join ", " $modes) (int .svc.replicas) (ternary " and autoscaling is enabled" "" (and $autoscaling.enabled true))) -}}
{{- end -}}
enabled: true
size: {{ $persistence.size | default "64Mi" | quote }}
storageClass: {{ $persistence.storageClass | default "" | quote }}
accessModes: {{ $modes | toJson }}
singlePod: {{ $singlePod }}
{{- else -}}
enabled: false
singlePod: false
{{- end -}}
{{- end -}}
