-- Shared by the wrk scripts of bench/run.sh: done() prints the run's figures as the METRIC lines that the
-- runner reads (requests/s over the run, latency percentiles in ms, errors). wrk's own text report is
-- printed too (kept in the run's output folder).
local report = {}

function report.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("METRIC requests=%d\n", summary.requests))
  io.write(string.format("METRIC seconds=%.3f\n", seconds))
  io.write(string.format("METRIC requests_per_s=%.2f\n", summary.requests / seconds))
  io.write(string.format("METRIC p50_ms=%.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("METRIC p90_ms=%.3f\n", latency:percentile(90) / 1000))
  io.write(string.format("METRIC p99_ms=%.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("METRIC max_ms=%.3f\n", latency.max / 1000))
  -- status: answers >= 400 (wrk counts them in requests too); socket: connect, read, write, timeout
  io.write(string.format("METRIC errors_status=%d\n", e.status))
  io.write(string.format("METRIC errors_socket=%d\n", e.connect + e.read + e.write + e.timeout))
end

return report
