"""Vietnam's time: UTC+7 all year (no daylight saving time).

Days that matter to the administration (today's date for a resolution, the
day a dossier was received, the day in a dossier code) are days in Vietnam.
"""

from __future__ import annotations

import datetime as dt

VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


def today_in_vietnam() -> dt.date:
    return dt.datetime.now(VIETNAM_TIME).date()
