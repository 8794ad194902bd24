# shellcheck shell=bash
# Shared helpers for scripts/*. Source it:  . "$(dirname "$0")/lib/common.sh"
#
# Two test/run targets, each a venv under .venv/ (built by scripts/setup):
#   newest   Python 3.14 + newest Home Assistant (requirements_test.txt). Uses a python3.14 on
#            PATH when there is one; otherwise the venv lives in a Debian sid root
#            (.cache/sid-root) and its commands run through scripts/lib/in-root.
#   minimum  Python 3.13 + the oldest supported Home Assistant (requirements_test_min.txt).
#
# For other scripts (e.g. scripts/develop):
#   run_in TARGET CMD [ARGS...]   run .venv/TARGET/bin/CMD (e.g. `run_in newest python -m ...`),
#                                 through the sid root when TARGET lives there; returns its status.
#   exec_in TARGET CMD [ARGS...]  the same, but replaces the calling shell (keeps its PID, so
#                                 signals sent to the script reach CMD).
# Both run in the current directory; run `scripts/setup TARGET` first (quick when up to date).

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SID_ROOT=$REPO/.cache/sid-root
IN_ROOT=$REPO/scripts/lib/in-root
export SID_ROOT

# Marker file: present in a venv that lives inside the sid root.
venv_in_root() { [ -e "$REPO/.venv/$1/.in-sid-root" ]; }

_venv_argv() {
  local target=$1 cmd=$2
  case $target in newest | minimum) ;; *) echo "unknown target: $target" >&2; return 2 ;; esac
  [ -d "$REPO/.venv/$target" ] || { echo "no .venv/$target: run scripts/setup $target" >&2; return 1; }
  _argv=("$REPO/.venv/$target/bin/$cmd")
  if venv_in_root "$target"; then _argv=("$IN_ROOT" "${_argv[@]}"); fi
}
run_in() { local _argv; _venv_argv "$1" "$2" || return; shift 2; "${_argv[@]}" "$@"; }
exec_in() { local _argv; _venv_argv "$1" "$2" || exit; shift 2; exec "${_argv[@]}" "$@"; }
