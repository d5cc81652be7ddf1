"""The rules workspace: an agency administrator's draft of the office's rules files and document
templates, checked as a whole rules set, previewed, and activated as a new rules version.

``files`` decides which files a workspace may touch and keeps each workspace's draft (only the
files changed) under ``RULES_WORKSPACE_FOLDER``; ``checking`` checks the live rules with the draft
laid over them on a temporary tree; ``publish`` activates the checked rules through
``ActivateRulesCommand`` and only then replaces the live files, all of them or none.
"""
