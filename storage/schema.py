"""Every table module of the project, imported together (for migrations and tests).

Feature tables live in their own modules next to this one; add each new module here.
"""

from storage import deferred_dms, models, onboarding, polls, prompts, recognition, slack_installs  # noqa: F401
