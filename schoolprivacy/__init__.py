"""schoolprivacy: project configuration and the core.

The core holds users, boards, schools, roles and the authorization mechanism.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
