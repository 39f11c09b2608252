// gen-health: the live "generator overloaded" warning of a run's page (run-panels.js), judged per
// second as the summary's verdict is (daemon/metrics/summary.h): a worker at >= 90% of its core,
// >= 10% of the second's iterations started late, or an event loop > 10 ms late; the first second
// (VU creation) is not judged; warned when 2 of the last 10 judged seconds are so. The host's CPU
// is not in the live stream, so the live warning cannot tell a busy host from a busy generator when
// the workers' own CPU is low: it says so, and the finished run's verdict tells which.
// Runs in the browser's main thread (and in node for tests/integration/150).

export const GEN_CPU_SATURATED_PCT = 90, GEN_LAG_LIMIT_US = 10000, GEN_LATE_STARTS_PCT = 10,
  GEN_MIN_BAD_SECONDS = 2, GEN_WINDOW = 10;

// One live tick's total row -> {cpuPct, cpu, late}; null for the first second (not judged).
export function judgeSecond(second, t) {
  if (!(second > 0)) return null;
  const cpuPct = t.cpu_pct || 0, late = t.late_starts || 0, its = Math.max(t.iterations || 0, late);
  return {
    cpuPct,
    cpu: cpuPct >= GEN_CPU_SATURATED_PCT,
    late: (t.loop_lag_us || 0) > GEN_LAG_LIMIT_US || (late > 0 && 100 * late >= GEN_LATE_STARTS_PCT * its),
  };
}

// The warning for the last judged seconds (at most GEN_WINDOW of judgeSecond's results), or null.
export function liveWarning(judged) {
  const bad = judged.filter((j) => j.cpu || j.late);
  if (bad.length < GEN_MIN_BAD_SECONDS) return null;
  const busy = bad.filter((j) => j.cpu).length;
  const cpuMax = Math.max(...bad.map((j) => j.cpuPct));
  return busy > 0
    ? `⚠ Generator overloaded: a worker used ≥ ${GEN_CPU_SATURATED_PCT}% of its core in ${busy} of the last ${judged.length} seconds, so latencies may be measured late and the load may be lower than asked. Use fewer VUs per worker, or more workers/cores.`
    : `⚠ Sends ran late in ${bad.length} of the last ${judged.length} seconds (event loops more than 10 ms late or iterations started late) while the workers' own CPU was at most ${Math.round(cpuMax)}%: other processes on this host may have taken the cores. The finished run's verdict checks the host's CPU.`;
}
