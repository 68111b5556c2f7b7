# The systems mxconf judges, as `mxconf run` flags: a lowering and a runtime each, mxconf's own
# pipeline standing in for whichever an external system does not provide. Sourced by
# scripts/test-sut.sh and scripts/nightly.sh; docs/external-sut.md explains the flags.
#
#   pair_flags PAIR    prints the flags, one per line (read them with mapfile)
#   PAIRS              every pair, mxconf's own pipeline first

PAIRS=(mxconf mxconf+refmodel executorch+mxconf executorch+refmodel)

pair_flags() {
  local refmodel='sut/tosa_reference_model/exec {tosa} {inputs} {outdir}'
  local executorch='sut/executorch_arm/lower {case} {out_tosa} --target {target}'
  # ExecuTorch quantizes weights with torchao's RCEIL or FLOOR (ocp) only, and lowering one case
  # takes seconds: restrict the weight rules and allow for a slow first torch.export.
  local et=(--sut-lower "$executorch" --weight-scale-rule rceil --weight-scale-rule ocp
            --sut-timeout 300)
  case $1 in
    mxconf) ;;
    mxconf+refmodel) printf '%s\n' --sut-exec "$refmodel" --sut-worker ;;
    executorch+mxconf) printf '%s\n' "${et[@]}" --sut-worker ;;
    executorch+refmodel) printf '%s\n' "${et[@]}" --sut-exec "$refmodel" --sut-worker ;;
    *) echo "unknown system pair '$1' (known: ${PAIRS[*]})" >&2; return 2 ;;
  esac
}
