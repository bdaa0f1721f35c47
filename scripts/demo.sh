#!/usr/bin/env bash
# Set up and run Moral Bank with the demo community on SQLite:
#   bash scripts/demo.sh
# The panel URL is printed when it is ready; the bot starts too when MORALBANK_BOT_TOKEN
# is set. Safe to run again: nothing is duplicated.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
setup_venv ""
install_debian_packages fonts-noto-cjk ||
  echo "!!!! could not install fonts-noto-cjk: duty posters and ranking notices will ask for it" >&2

.venv/bin/moralbank demo
if [ -z "${MORALBANK_SECRET_KEY:-}" ] && [ -z "${MORALBANK_SECRET_KEY_FILE:-}" ]; then
  export MORALBANK_SECRET_KEY_FILE=var/secret_key
fi
echo "==> demo logins (username password, and what each may do) are in var/demo-logins.txt; try 'admin'"
echo "==> no bot token? '.venv/bin/moralbank try' plays Telegram itself: chat with the bot at /try"
exec .venv/bin/moralbank run
