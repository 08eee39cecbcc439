"""The settings the bench serves and counts with: the project's own, plus one page of its own.

``bench.urls`` adds ``/bench/empty/``: ``base.html`` with nothing in its content block, for a
logged-in user, through the whole middleware stack. Its cost is the floor every authenticated
page pays before it runs its own first query (issue 27). Nothing else differs from
``config.settings``, so every other row measures the product as it is served.
"""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}, *TEMPLATES[1:]]  # noqa: F405
