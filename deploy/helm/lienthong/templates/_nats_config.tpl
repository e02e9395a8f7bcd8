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
{{- if .Values.tls.enabled }}
# Mutual TLS; each client certificate is the user its subject names (CN=<name>,O=Lienthong),
# allowed its own subjects only: the users below are generated from the service registry
# (python -m lienthong.natsauth --authorization, checked by deploy/tests).
tls {
  cert_file: /etc/nats-tls/tls.crt
  key_file: /etc/nats-tls/tls.key
  ca_file: /etc/nats-tls/ca.crt
  verify_and_map: true
  timeout: 5
}
authorization: {{ .Files.Get "files/nats-authorization.json" | trim }}
{{- end }}
{{- if gt $replicas 1 }}
cluster {
  name: {{ $nats.clusterName }}
  port: {{ $nats.ports.cluster }}
  {{- if .Values.tls.enabled }}
  tls {
    cert_file: /etc/nats-tls/tls.crt
    key_file: /etc/nats-tls/tls.key
    ca_file: /etc/nats-tls/ca.crt
    verify: true
    timeout: 5
  }
  {{- end }}
  routes: [
    {{- range $i := until $replicas }}
    nats://{{ $fullname }}-nats-{{ $i }}.{{ $fullname }}-nats-headless.{{ $.Release.Namespace }}.svc:{{ $nats.ports.cluster }}
    {{- end }}
  ]
  connect_retries: 120
}
{{- end }}
{{- end -}}
