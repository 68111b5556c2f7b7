# shellcheck shell=bash
# Sourced by the scripts that replace their --out directory on every run (test-sut, test-tosa-cts,
# test-workflows, probe-loaders, canaries). Such a directory must be ours: new, empty, or made by an
# earlier run of the same script, which leaves the marker .mxconf-NAME in it. Anything else is
# someone's data and is never deleted.

# out_dir_check NAME DIR: exit 2, saying why, unless DIR may be replaced by NAME.
out_dir_check() {
  local name=$1 dir=$2
  if [[ -e $dir && ! -f $dir/.mxconf-$name ]] && [[ ! -d $dir || -n $(ls -A "$dir") ]]; then
    echo "$name: --out $dir exists and was not made by $name (no .mxconf-$name marker);" >&2
    echo "$name: not deleting it. Name a new or empty directory." >&2
    exit 2
  fi
}

# out_dir_claim NAME DIR: DIR (checked by out_dir_check) emptied and marked as NAME's.
out_dir_claim() {
  rm -rf "$2"
  mkdir -p "$2"
  touch "$2/.mxconf-$1"
}
