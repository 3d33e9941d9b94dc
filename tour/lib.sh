# The tour scripts' helpers (sourced, not run): each request is printed as you would type it, then its
# answer, so the output reads as the tour does. To paste a tour's lines into your shell one by one,
# source this first (. tour/lib.sh) and set U (U=http://localhost:8080). The scripts run with set -e, so
# a helper's failure (return 1) ends them; in your shell it only prints why.

J='content-type: application/json'

# say LINE...: explanation, printed as comment lines
say() { printf '\n'; printf '# %s\n' "$@"; }

# show COMMAND...: prints the command, runs it, prints its answer and keeps it in $ANSWER
show() { ask "$@"; printf '%s\n' "$ANSWER"; }

# ask COMMAND...: as show, without printing the answer (for the next lines to pick from it)
ask() {
  printf '$ %s\n' "$(quoted "$@")"
  local status=0
  ANSWER=$("$@") || status=$?
  # 28: curl's --max-time ended it, which is how the tour stops listening to an event stream
  if [ "$status" -ne 0 ] && [ "$status" -ne 28 ]; then
    printf '%s\ntour: that command failed (exit status %s)\n' "$ANSWER" "$status" >&2
    return 1
  fi
}

# expect TEXT: the last answer contains TEXT; otherwise the tour stops, since the service did not do what it says
expect() {
  [[ $ANSWER == *"$1"* ]] || { printf 'tour: expected %s in the answer above\n' "$1" >&2; return 1; }
}

# json FIELD: that field of the last answer (a JSON object)
json() {
  python3 -c 'import json, sys; v = json.loads(sys.stdin.read())[sys.argv[1]]
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$1" <<<"$ANSWER"
}

# lines PATTERN: the lines of the last answer that match PATTERN (grep -E)
lines() { grep -E "$1" <<<"$ANSWER" || true; }

# ready URL: the service answers there, or the tour says what to do
ready() {
  curl -sf -o /dev/null "$1/ready" || {
    echo "tour: no service is ready at $1; start it first (the README's run command), or name its URL: $0 http://host:port" >&2
    return 1
  }
}

# quoted ARG...: the arguments as you would type them in a shell
quoted() {
  local a out=()
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  printf '%s' "${out[*]}"
}
