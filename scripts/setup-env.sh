# Sourced by demo.sh and test.sh: find Python >= 3.11, make .venv, install the project.
# Idempotent: the install step runs again only when pyproject.toml changed.

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Moral Bank needs Python 3.11 or newer; none was found on PATH." >&2
  return 1
}

setup_venv() {  # $1: pip extras, e.g. "test" or ""
  local extras="$1" python stamp wanted
  python=$(find_python) || return 1
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $python"
    "$python" -m venv .venv || return 1
  fi
  stamp=.venv/.moralbank-installed
  wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) extras=${extras:-none}"
  if [ ! -f "$stamp" ] || ! grep -qxF "$wanted" "$stamp"; then
    echo "==> installing Moral Bank${extras:+ with [$extras]} into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip || return 1
    .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}" || return 1
    echo "$wanted" >> "$stamp"
  fi
}

# Debian packages the product uses when they are not there yet, where this user may
# install them: fonts-noto-cjk draws the Chinese of the duty posters and ranking notices (PDF). Never fatal:
# without it the poster page says what to install.
install_debian_packages() {  # $@: package names
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  for package in "${missing[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || return 1; done
}
