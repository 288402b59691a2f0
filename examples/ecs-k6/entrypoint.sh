#!/bin/sh
# caplab's entrypoint for k6 tasks on ECS (`caplab run --segments N --on ecs`):
#
#   the container's command (k6 arguments from RunTask) ──k6 "$@"──▶ k6's exit code
#   then, when CAPLAB_RESULTS_URI is set (--results s3://bucket/prefix), uploads
#   /tmp/k6.json.gz as k6.json.gz and /tmp/summary.json as summary.json there with the AWS CLI
#   (the task role needs s3:PutObject on it), and exits with k6's exit code.
#
# A failed upload is reported on stderr and does not change the exit code: caplab reports the
# segment's output as missing. SIGTERM and SIGINT (StopTask, docker stop) go on to k6, which
# stops the test and still writes its output, so it is uploaded too.
set -u

output="${CAPLAB_K6_OUTPUT:-/tmp/k6.json.gz}"
summary="${CAPLAB_K6_SUMMARY:-/tmp/summary.json}"

k6 "$@" &
k6_pid=$!
trap 'kill -TERM "$k6_pid" 2>/dev/null' TERM INT
# `wait` returns early (above 128) when a trapped signal arrives. Then k6 is either still
# running (wait again) or has just ended: a second `wait` gives its own code (127 when the
# shell has none, e.g. k6 itself was killed by a signal and the first code is the one).
while :; do
  wait "$k6_pid"
  code=$?
  [ "$code" -gt 128 ] || break
  kill -0 "$k6_pid" 2>/dev/null && continue
  wait "$k6_pid"
  again=$?
  [ "$again" -ne 127 ] && code=$again
  break
done
trap - TERM INT

upload() { # FILE NAME
  if [ ! -f "$1" ]; then
    return 0
  fi
  if ! aws s3 cp --only-show-errors "$1" "${CAPLAB_RESULTS_URI%/}/$2"; then
    echo "caplab-k6: could not upload $1 to ${CAPLAB_RESULTS_URI%/}/$2; caplab will report this segment's output as missing" >&2
  fi
}

if [ -n "${CAPLAB_RESULTS_URI:-}" ]; then
  if [ -f "$output" ]; then
    upload "$output" k6.json.gz
  else
    echo "caplab-k6: k6 (exit $code) wrote no $output; nothing to upload" >&2
  fi
  upload "$summary" summary.json
fi
exit "$code"
