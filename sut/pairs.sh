# The systems mxconf judges, as `mxconf run` flags: a lowering and a runtime each, mxconf's own
# pipeline standing in for whichever an external system does not provide. Sourced by
# scripts/test-sut.sh and scripts/nightly.sh; docs/external-sut.md explains the flags.
#
# A pair names the version of every external system in it: LOWERING+RUNTIME, each `mxconf` or
# SYSTEM@VERSION (`sut/venv-path --list` names the installed ones), e.g.
# `executorch@1.5.1+refmodel@2026.8.0`. Without a version a system means the one
# sut/requirements.txt pins (`mxconf+refmodel` is `mxconf+refmodel@2026.5.0` while ExecuTorch
# 1.5.1 pins tosa-tools 2026.5.0); pair_name spells it out, and reports use that spelling.
#
#   pair_flags PAIR    prints the flags, one per line (read them with mapfile)
#   pair_name PAIR     prints the pair with every version spelled out (2 for an unknown one)
#   PINNED_PAIRS       the pairs of the pinned versions, mxconf's own pipeline first
#   NEWEST_PAIRS       the pairs with a newer version than the pin (sut/versions/), if any
#   PAIRS              both

_sut_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mapfile -t _sut_systems < <("$_sut_here/venv-path" --list)

# The version sut/requirements.txt pins for SYSTEM (the first name --list gives for it).
_sut_pinned() {
  local s
  for s in "${_sut_systems[@]}"; do [[ ${s%@*} == "$1" ]] && { echo "${s#*@}"; return 0; }; done
  return 1
}

# The newest installed-or-installable version of SYSTEM (sort -V over --list).
_sut_newest() {
  local s
  for s in "${_sut_systems[@]}"; do [[ ${s%@*} == "$1" ]] && echo "${s#*@}"; done | sort -V | tail -1
}

# One side of a pair with its version spelled out; 2 when the system or version is unknown.
_sut_system_name() {
  local sys=${1%%@*} ver=
  [[ $1 == *@* ]] && ver=${1#*@}
  if [[ $sys == mxconf ]]; then
    [[ -z $ver ]] && { echo mxconf; return 0; }
    echo "mxconf has no versions to pick: '$1'" >&2
    return 2
  fi
  if [[ $sys != executorch && $sys != refmodel ]]; then
    echo "unknown system '$sys' (known: mxconf ${_sut_systems[*]})" >&2
    return 2
  fi
  [[ -z $ver ]] && ver=$(_sut_pinned "$sys")
  if [[ ! " ${_sut_systems[*]} " == *" $sys@$ver "* ]]; then
    echo "unknown version '$sys@$ver' (known: ${_sut_systems[*]}; sut/versions/ adds one)" >&2
    return 2
  fi
  echo "$sys@$ver"
}

pair_name() {
  local lower=${1%%+*} run=mxconf a b
  [[ $1 == *+* ]] && run=${1#*+}
  a=$(_sut_system_name "$lower") || return 2
  b=$(_sut_system_name "$run") || return 2
  if [[ ${a%@*} == refmodel || ${b%@*} == executorch ]]; then
    echo "unknown system pair '$1': the lowering is mxconf or executorch, the runtime mxconf or refmodel" >&2
    return 2
  fi
  [[ $a == mxconf && $b == mxconf ]] && { echo mxconf; return 0; }
  echo "$a+$b"
}

pair_flags() {
  local name
  name=$(pair_name "$1") || return 2
  local lower=${name%%+*} run=mxconf
  [[ $name == *+* ]] && run=${name#*+}
  # ExecuTorch quantizes weights with torchao's RCEIL or FLOOR (ocp) only, and lowering one case
  # takes seconds: restrict the weight rules and allow for a slow first torch.export.
  if [[ $lower == executorch@* ]]; then
    printf '%s\n' --sut-lower "sut/executorch_arm/lower --system $lower {case} {out_tosa} --target {target}" \
      --weight-scale-rule rceil --weight-scale-rule ocp --sut-timeout 300
  fi
  if [[ $run == refmodel@* ]]; then
    printf '%s\n' --sut-exec "sut/tosa_reference_model/exec --system $run {tosa} {inputs} {outdir}"
  fi
  [[ $name != mxconf ]] && printf '%s\n' --sut-worker
  return 0
}

_sut_et=executorch@$(_sut_pinned executorch)
_sut_rm=refmodel@$(_sut_pinned refmodel)
PINNED_PAIRS=(mxconf "mxconf+$_sut_rm" "$_sut_et+mxconf" "$_sut_et+$_sut_rm")
NEWEST_PAIRS=()
if [[ refmodel@$(_sut_newest refmodel) != "$_sut_rm" ]]; then
  NEWEST_PAIRS+=("mxconf+refmodel@$(_sut_newest refmodel)" "$_sut_et+refmodel@$(_sut_newest refmodel)")
fi
if [[ executorch@$(_sut_newest executorch) != "$_sut_et" ]]; then
  NEWEST_PAIRS+=("executorch@$(_sut_newest executorch)+mxconf")
fi
PAIRS=("${PINNED_PAIRS[@]}" "${NEWEST_PAIRS[@]}")
