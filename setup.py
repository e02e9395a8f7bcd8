"""What pyproject.toml cannot say by itself: the packages, each from its own folder.

The distribution holds the parts whose folders are present:

- ``libs/lienthong``: the runtime (``lienthong``), which knows no service and no tool;
- ``libs/tools``: the operators' tools (``lienthong.tools``: the ``lienthong`` command,
  the benchmarks, the local platform, the smoke test, the offline audit tools);
- ``libs/devtools``: the developers' tools (``lienthong.devtools``: protogen,
  protocheck, chartcheck, helmbin, importcheck, images, kubeplay, podman_e2e);
- ``libs/testing``: the test helpers and pytest plugin (``lienthong.testing``);
- ``services/<name>``: each service (``lienthong.services.<name>``), registering its
  ServiceSpec (``services/<name>/spec.py``, ``SERVICE``) under the
  ``lienthong.services`` entry point.

The dependencies are the runtime's (``libs/lienthong/requirements.txt``) and those of
each present service (its own ``services/<name>/requirements.txt``, if it needs more;
the Debian packages its image needs beside them are listed in its
``debian-packages.txt``, which the Dockerfile reads).

A checkout installs them all (``pip install -e .[dev]``). An image copies only the
runtime and its own service's folder before installing, so it holds those and nothing
else (see the Dockerfile). Adding a service folder changes no file outside it.
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
PARTS = {
    "lienthong": "libs/lienthong",
    "lienthong.tools": "libs/tools",
    "lienthong.devtools": "libs/devtools",
    "lienthong.testing": "libs/testing",
    "lienthong.services": "services",
}
present = {name: folder for name, folder in PARTS.items()
           if (HERE / folder / "__init__.py").is_file()}
packages = [package for name, folder in present.items()
            for package in (name, *(f"{name}.{p}" for p in find_packages(str(HERE / folder))))]
services = sorted(p for p in find_packages(str(HERE / "services"))
                  if "." not in p and (HERE / "services" / p / "spec.py").is_file())



def requirements(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file (no comments, no blank lines)."""
    if not path.is_file():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


setup(
    package_dir=present,
    install_requires=[*requirements(HERE / "libs" / "lienthong" / "requirements.txt"),
                      *(r for name in services
                        for r in requirements(HERE / "services" / name / "requirements.txt"))],
    packages=packages,
    entry_points={
        "console_scripts": (["lienthong = lienthong.tools.cli.main:app"]
                            if "lienthong.tools" in present else []),
        "lienthong.services": [f"{name} = lienthong.services.{name}.spec:SERVICE"
                               for name in services],
    },
)
