# bash completion for ringctl: commands, flags, watcher names (from the
# running daemon) and option keys. The words come from ringctl itself
# (`ringctl --complete-words`), so they follow the command table of the
# installed version; a daemon that does not answer within 1 s gives none.

_ringctl() {
  local cur cword
  local -a words
  if declare -F _get_comp_words_by_ref >/dev/null; then
    # bash-completion: keep `--timeout=5` and `a:b` as one word.
    _get_comp_words_by_ref -n =: cur words cword
  else
    cur=${COMP_WORDS[COMP_CWORD]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
  local prog=${words[0]}
  [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
  local IFS=$'\n'
  COMPREPLY=($("$prog" --complete-words -- "${words[@]:1:cword-1}" "$cur" 2>/dev/null))
  if declare -F __ltrim_colon_completions >/dev/null; then
    __ltrim_colon_completions "$cur"
  fi
}
complete -F _ringctl ringctl
