"""``python -m lienthong.services.archive``: the service as its ServiceSpec describes it."""

from lienthong.services.archive.spec import SERVICE

SERVICE.run()
