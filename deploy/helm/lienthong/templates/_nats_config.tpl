{{/* nats.conf of the NATS StatefulSet; SERVER_NAME is the pod's name (env). */}}
{{- define "lienthong.natsConfig" -}}
{{- $fullname := include "lienthong.fullname" . -}}
{{- $nats := .Values.nats -}}
{{- $replicas := int $nats.replicas -}}
server_name: $SERVER_NAME
port: {{ $nats.ports.client }}
http_port: {{ $nats.ports.monitoring }}
lame_duck_duration: 30s
lame_duck_grace_period: 10s
pid_file: /tmp/nats-server.pid
jetstream {
  # JetStream keeps its files in <store_dir>/jetstream, on the pod's volume.
  store_dir: /data
  max_file_store: {{ $nats.jetstream.maxFileStore }}
  max_memory_store: {{ $nats.jetstream.maxMemoryStore }}
}
{{- if gt $replicas 1 }}
cluster {
  name: {{ $nats.clusterName }}
  port: {{ $nats.ports.cluster }}
  routes: [
    {{- range $i := until $replicas }}
    nats://{{ $fullname }}-nats-{{ $i }}.{{ $fullname }}-nats-headless.{{ $.Release.Namespace }}.svc:{{ $nats.ports.cluster }}
    {{- end }}
  ]
  connect_retries: 120
}
{{- end }}
{{- end -}}
