"""The one place that answers for id tags (Authorize, StartTransaction, StopTransaction).

Until id tag management exists, every tag is accepted: a home charger must charge.
"""

from __future__ import annotations

from typing import Any


class Authorizer:
    """Decides on id tags."""

    def id_tag_info(self, charge_point_id: str, id_tag: str | None) -> dict[str, Any]:
        """The IdTagInfo for ``id_tag`` on ``charge_point_id``."""
        return {"status": "Accepted"}
