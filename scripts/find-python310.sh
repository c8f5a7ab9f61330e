#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 runs on 3.8-3.10 only), or fail saying how to get one.
# pyenv's shims answer to `python3.10` even when 3.10 is not selected, so each candidate is run.
for candidate in \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r) \
    $(command -v python3.10 2>/dev/null) /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if [ -x "$candidate" ] && "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
echo "Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10): install it, e.g. 'pyenv install 3.10'" >&2
exit 1
