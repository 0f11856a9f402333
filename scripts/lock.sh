#!/usr/bin/env bash
# Recreate constraints.txt: install the project with its dev extras into a fresh venv (the newest
# versions pyproject.toml allows), run the test suite there, and only if it passes pin every installed
# distribution (`==`) except the project itself and pip/setuptools/wheel. `make lock` runs this; the
# Makefile installs with `-c constraints.txt`, so a fresh machine gets the versions that passed.
#
# LINLI_TEST_PG_URL and CI pass through to the tests unchanged. PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv="$work/venv"

echo "lock: a fresh venv in $venv"
"$PYTHON" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e '.[dev]'

echo "lock: running the test suite with these versions"
"$venv/bin/pytest" -q -p no:cacheprovider

python_version=$("$venv/bin/python" -c 'import platform; print(platform.python_version())')
platform_tag=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_platform())')
{
  echo "# Versions the test suite passed with: the Makefile installs with \`pip install -c constraints.txt\`."
  echo "# Regenerate with \`make lock\` (scripts/lock.sh: a fresh venv, the newest versions pyproject.toml"
  echo "# allows, the whole suite, then pip freeze without the project and pip/setuptools/wheel)."
  echo "# Generated with Python $python_version on $platform_tag."
  "$venv/bin/pip" freeze --exclude-editable --exclude linli | LC_ALL=C sort -f -t= -k1,1
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "lock: wrote constraints.txt ($(grep -vc '^#' constraints.txt) pins)"
