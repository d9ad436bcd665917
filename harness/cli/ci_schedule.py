"""The living table: what `harness ci github --schedule CRON` adds to the sharded workflow.

On each scheduled run the `plan` job asks PyPI again (`harness lock MATRIX --upgrade`) and
hands the upgraded lock to every shard as an artifact, so that all of them plan and build the
same releases. The `merge` job compares the merged run with the committed published run
(`harness diff`, into the job summary) before it replaces it (`harness publish`), uploads the
lock and tables, and pushes them to a branch with a pull request, whose diff is what a
reviewer reads: new minors in the lock, changed cells in the tables.

The lock steps run only where the repository holds MATRIX.lock (`hashFiles`), so a matrix
that tracks nothing is still rerun, compared and republished every week.
"""

from __future__ import annotations

import posixpath

from harness.errors import ConfigurationError

DEFAULT_PUBLISHED = "results/published"
_HAS_LOCK = "if: hashFiles('__MATRIX__.lock') != ''"

_LOCK_UPGRADE = f"""\
      # Newer releases of the tracked environments, pinned once for every shard.
      - name: harness lock --upgrade
        {_HAS_LOCK}
        run: harness lock __MATRIX__ --upgrade
      - uses: __UPLOAD_ARTIFACT__
        {_HAS_LOCK}
        with:
          name: lock-${{{{ github.run_attempt }}}}
          path: __MATRIX__.lock
"""

# An artifact of one file holds it without its directory: it is put back beside MATRIX.
_LOCK_DOWNLOAD = f"""\
      - uses: __DOWNLOAD_ARTIFACT__
        {_HAS_LOCK}
        with:
          name: lock-${{{{ github.run_attempt }}}}
          path: __LOCK_DIR__
"""

# The pull request needs write access; the other jobs keep the workflow's read-only token.
_MERGE_PERMISSIONS = """\
    permissions:
      contents: write
      pull-requests: write
"""

_PUBLISH = """\
      # Compared before publishing, which replaces the previous run; exit 1 means "changed".
      - name: harness diff against the published run
        run: |
          if [ -f __PUBLISHED__/cells.jsonl ]; then
            harness diff __PUBLISHED__ merged --format md -o changes.md || [ $? -eq 1 ]
          else
            echo "__PUBLISHED__ holds no earlier run: every cell is new." > changes.md
          fi
          cat changes.md >> "$GITHUB_STEP_SUMMARY"
      - run: harness publish merged -o __PUBLISHED__
      - run: harness table merged -f summary -o - >> "$GITHUB_STEP_SUMMARY"
      - run: harness table merged -f junit -o junit.xml
      - uses: __UPLOAD_ARTIFACT__
        with:
          name: tables-${{ github.run_attempt }}
          path: |
            __PUBLISHED__/
            __MATRIX__.lock
            changes.md
            junit.xml
          if-no-files-found: ignore
      # Only a complete run replaces the published one; a partial one stays an artifact.
      - name: Commit the refreshed lock and tables to a branch
        id: commit
        if: needs.shard.result == 'success'
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git switch -c "keras-matrix/refresh-$GITHUB_RUN_ID"
          git add --all -- __PUBLISHED__
          if [ -f __MATRIX__.lock ]; then git add -- __MATRIX__.lock; fi
          if git diff --cached --quiet; then
            echo "nothing changed: no pull request"
            echo "pushed=false" >> "$GITHUB_OUTPUT"
            exit 0
          fi
          git commit --quiet -m "Refresh the published matrix (run $GITHUB_RUN_ID)"
          git push --quiet origin "keras-matrix/refresh-$GITHUB_RUN_ID"
          echo "pushed=true" >> "$GITHUB_OUTPUT"
      # Needs "Allow GitHub Actions to create and approve pull requests" (Settings > Actions).
      - name: Open a pull request
        if: steps.commit.outputs.pushed == 'true'
        env:
          GH_TOKEN: ${{ github.token }}
        run: >-
          gh pr create --base "$GITHUB_REF_NAME" --head "keras-matrix/refresh-$GITHUB_RUN_ID"
          --title "Refresh the published matrix" --body-file changes.md
"""


def parts(schedule: str, *, matrix: str) -> dict[str, str]:
    """The workflow template's markers filled for a scheduled run of the living table
    (__MATRIX__ and __PUBLISHED__ are left for the caller, which fills them everywhere)."""
    if len(schedule.split()) != 5:
        raise ConfigurationError(f"--schedule {schedule!r}: a cron line has five fields")
    return {
        "__SCHEDULE__": f'  schedule:\n    - cron: "{schedule}"\n',
        "__LOCK_UPGRADE__": _LOCK_UPGRADE,
        "__LOCK_DOWNLOAD__": _LOCK_DOWNLOAD.replace(
            "__LOCK_DIR__", posixpath.dirname(matrix) or "."
        ),
        "__MERGE_PERMISSIONS__": _MERGE_PERMISSIONS,
        "__PUBLISH__": _PUBLISH,
    }
