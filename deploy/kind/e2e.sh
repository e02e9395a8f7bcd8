#!/usr/bin/env bash
# The e2e suite against the chart on a kind cluster (needs docker, kind, kubectl, helm).
# Complete in step 4 of the roadmap: PostgreSQL and NATS in the chart, helm test, log dumps.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "make e2e-kind needs $tool on PATH" >&2; exit 2; }
done
echo "make e2e-kind: the chart does not yet ship PostgreSQL and NATS; see docs/architecture.md" >&2
exit 2
