"""What pyproject.toml cannot say by itself: the packages and the services' entry points.

The runtime and the tools live under libs/ as ``lienthong.*``; each service is a
folder under services/ installed as ``lienthong.services.<name>``, and registers
its ServiceSpec (``services/<name>/spec.py``, ``SERVICE``) under the
``lienthong.services`` entry point. Both are found here, so adding a service
folder changes no file outside it.
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
service_packages = find_packages(str(HERE / "services"))
services = sorted(p for p in service_packages
                  if "." not in p and (HERE / "services" / p / "spec.py").exists())

setup(
    package_dir={"lienthong": "libs/lienthong", "lienthong.services": "services"},
    packages=[*find_packages(str(HERE / "libs")), "lienthong.services",
              *(f"lienthong.services.{p}" for p in service_packages)],
    entry_points={
        "console_scripts": ["lienthong = lienthong.cli.main:app"],
        "lienthong.services": [f"{name} = lienthong.services.{name}.spec:SERVICE"
                               for name in services],
    },
)
