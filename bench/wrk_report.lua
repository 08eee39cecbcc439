-- Print one JSON line with wrk's own totals and latency percentiles (read by bench/__main__.py).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"socket_errors": %d, "bad_status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency.max,
    latency.mean, e.connect + e.read + e.write + e.timeout, e.status))
end
