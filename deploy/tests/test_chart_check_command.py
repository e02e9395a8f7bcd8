"""`make chart-check` (python -m lienthong.devtools.chartcheck): passes on the chart, and
fails, naming the workload and the rule, on a chart that lost a hardening."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from lienthong.devtools.chartcheck import CHART

if TYPE_CHECKING:
    from pathlib import Path


def chart_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lienthong.devtools.chartcheck", *args],
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_chart_passes_with_the_kind_values() -> None:
    done = chart_check("values-kind.yaml")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   values-kind.yaml: lint --strict, template, schemas, policy" in done.stdout


def test_a_chart_whose_nats_lost_its_probe_and_read_only_root_fails(tmp_path: Path) -> None:
    chart = tmp_path / "lienthong"
    shutil.copytree(CHART, chart)
    template = chart / "templates" / "nats.yaml"
    text = template.read_text()
    text = text.replace("          livenessProbe:\n", "          x-livenessProbe:\n", 1)
    template.write_text(text.replace(
        '{{- include "lienthong.containerSecurityContext" $ | nindent 12 }}',
        "allowPrivilegeEscalation: false\n            capabilities: { drop: [ALL] }"))

    done = chart_check("values.yaml", "--chart", str(chart))

    assert done.returncode == 1
    assert "FAIL values.yaml" in done.stdout
    # The strict schemas see the unknown field; the policy sees what is missing.
    assert "StatefulSet/lienthong-nats (1.30.0): spec.template.spec.containers.0: " \
           "Additional properties are not allowed ('x-livenessProbe' was unexpected)" \
           in done.stdout
    policy = [line.strip() for line in done.stdout.splitlines() if " container " in line]
    assert policy == ["StatefulSet/lienthong-nats container nats: livenessProbe missing",
                      "StatefulSet/lienthong-nats container nats: "
                      "readOnlyRootFilesystem is not true"]
