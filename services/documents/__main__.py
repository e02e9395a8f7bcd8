"""``python -m lienthong.services.documents``: the service as its ServiceSpec describes it."""

from lienthong.services.documents.spec import SERVICE

SERVICE.run()
