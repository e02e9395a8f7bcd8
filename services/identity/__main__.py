"""``python -m lienthong.services.identity``: the service as its ServiceSpec describes it."""

from lienthong.services.identity.spec import SERVICE

SERVICE.run()
