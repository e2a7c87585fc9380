#!/usr/bin/env bash
# Fails when a tracked file points to a file outside the repository: the team's design notes
# (beside the checkout, in a shared folder above it) are not part of it, so a reader of the code
# or docs could never open them. The contracts are in docs/CONTRACTS.md; point there.
# Usage: tests/no_outside_refs.sh [SOURCE_DIR]   (default: the checkout this script is in)
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
# Written so that this file does not match itself.
patterns=(-e '\.\./shared' -e 'DESIGN\.md')
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  found=$(git -C "$src" grep -n -I -E "${patterns[@]}" -- . || true)
else  # an unpacked tarball: every file but build folders
  found=$(cd "$src" && grep -rnI -E "${patterns[@]}" --exclude-dir='build*' --exclude-dir=.git . || true)
fi
if [[ -n "$found" ]]; then
  echo "These lines point outside the repository; point them at docs/CONTRACTS.md instead:" >&2
  echo "$found" >&2
  exit 1
fi
echo "no tracked file points outside the repository"
