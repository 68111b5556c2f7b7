# The systems mxconf judges, as `mxconf run` flags: a lowering and a runtime each, mxconf's own
# pipeline standing in for whichever an external system does not provide. Sourced by
# scripts/test-sut.sh and scripts/nightly.sh; docs/external-sut.md explains the flags.
#
# A pair names the version of every external system in it: LOWERING+RUNTIME, each `mxconf` or
# SYSTEM@VERSION (`sut/venv-path --list` names the installed ones), e.g.
# `executorch@1.5.1+refmodel@2026.8.0`. LOWERING+converter@VERSION+RUNTIME puts Arm's model
# converter between the two (sut/model_converter/): it rewrites each .tosa before the runtime runs
# it, e.g. `mxconf+converter@0.11.0+refmodel@2026.5.0`. Without a version a system means the one
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
  for s in "${_sut_systems[@]}"; do
    if [[ ${s%@*} == "$1" ]]; then echo "${s#*@}"; fi
  done | sort -V | tail -1
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
  if [[ $sys != executorch && $sys != refmodel && $sys != converter ]]; then
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
  local parts a b c=
  IFS=+ read -ra parts <<<"$1"
  if [[ ${#parts[@]} -lt 1 || ${#parts[@]} -gt 3 ]]; then
    echo "unknown system pair '$1': LOWERING+RUNTIME or LOWERING+converter@VERSION+RUNTIME" >&2
    return 2
  fi
  a=$(_sut_system_name "${parts[0]}") || return 2
  b=$(_sut_system_name "${parts[${#parts[@]} - 1]}") || return 2
  [[ ${#parts[@]} -eq 1 ]] && b=mxconf
  if [[ ${#parts[@]} -eq 3 ]]; then
    c=$(_sut_system_name "${parts[1]}") || return 2
    if [[ ${c%@*} != converter ]]; then
      echo "unknown system pair '$1': the stage between lowering and runtime is converter@VERSION" >&2
      return 2
    fi
  fi
  if [[ ${a%@*} != mxconf && ${a%@*} != executorch || ${b%@*} != mxconf && ${b%@*} != refmodel ]]; then
    echo "unknown system pair '$1': the lowering is mxconf or executorch, the runtime mxconf or refmodel" >&2
    return 2
  fi
  if [[ -n $c ]]; then
    echo "$a+$c+$b"
  elif [[ $a == mxconf && $b == mxconf ]]; then
    echo mxconf
  else
    echo "$a+$b"
  fi
}

pair_flags() {
  local name parts lower run stage=
  name=$(pair_name "$1") || return 2
  IFS=+ read -ra parts <<<"$name"
  lower=${parts[0]} run=${parts[${#parts[@]} - 1]}
  [[ ${#parts[@]} -eq 1 ]] && run=mxconf
  [[ ${#parts[@]} -eq 3 ]] && stage=${parts[1]}
  # ExecuTorch quantizes weights with torchao's RCEIL or FLOOR (ocp) only, and lowering one case
  # takes seconds: restrict the weight rules and allow for a slow first torch.export.
  if [[ $lower == executorch@* ]]; then
    printf '%s\n' --sut-lower "sut/executorch_arm/lower --system $lower {case} {out_tosa} --target {target}" \
      --weight-scale-rule rceil --weight-scale-rule ocp --sut-timeout 300
  fi
  if [[ -n $stage ]]; then
    # The runtime behind the converter: mxconf's interpreter (mxconf exec) or the reference model.
    printf '%s\n' --sut-exec "sut/model_converter/exec --system $stage --runtime $run {tosa} {inputs} {outdir}"
  elif [[ $run == refmodel@* ]]; then
    printf '%s\n' --sut-exec "sut/tosa_reference_model/exec --system $run {tosa} {inputs} {outdir}"
  fi
  [[ $name != mxconf ]] && printf '%s\n' --sut-worker
  return 0
}

_sut_et=executorch@$(_sut_pinned executorch)
_sut_rm=refmodel@$(_sut_pinned refmodel)
_sut_cv=converter@$(_sut_pinned converter)
PINNED_PAIRS=(mxconf "mxconf+$_sut_rm" "$_sut_et+mxconf" "$_sut_et+$_sut_rm"
  "mxconf+$_sut_cv+mxconf" "mxconf+$_sut_cv+$_sut_rm" "$_sut_et+$_sut_cv+$_sut_rm")
NEWEST_PAIRS=()
if [[ refmodel@$(_sut_newest refmodel) != "$_sut_rm" ]]; then
  NEWEST_PAIRS+=("mxconf+refmodel@$(_sut_newest refmodel)" "$_sut_et+refmodel@$(_sut_newest refmodel)")
fi
if [[ executorch@$(_sut_newest executorch) != "$_sut_et" ]]; then
  NEWEST_PAIRS+=("executorch@$(_sut_newest executorch)+mxconf")
fi
PAIRS=("${PINNED_PAIRS[@]}" "${NEWEST_PAIRS[@]}")
