/**
 * Prometheus metrics in the text exposition format (0.0.4), kept by hand: request counters by route and
 * status, a request-latency histogram by route and status class (so fast 503s and 400s do not hide the latency
 * of answered requests), shed requests, and gauges read at scrape time (pending
 * queries, items, added items, model generation). Routes are the registered patterns, never raw URLs, so
 * the label set stays bounded.
 */

/** Latency buckets in seconds (upper bounds). */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

interface Histogram {
  readonly counts: number[]; // per bucket, non-cumulative; last = +Inf
  sum: number;
  count: number;
}

export type Gauges = () => Readonly<Record<string, { readonly help: string; readonly value: number }>>;

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private shedTotal = 0;
  private readonly started = Date.now();

  constructor(private readonly gauges: Gauges) {}

  /** One answered request: route pattern (e.g. "/v1/recommend"), method, status, seconds taken. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method}\u0000${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = `${method}\u0000${route}\u0000${Math.floor(status / 100)}xx`;
    let h = this.latency.get(hkey);
    if (!h) {
      h = { counts: new Array(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.latency.set(hkey, h);
    }
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]) b++;
    h.counts[b]++;
    h.sum += seconds;
    h.count++;
  }

  shed(): void {
    this.shedTotal++;
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    out.push('# HELP sidrec_http_requests_total HTTP requests answered, by method, route and status.');
    out.push('# TYPE sidrec_http_requests_total counter');
    for (const [key, n] of [...this.requests].sort()) {
      const [method, route, status] = key.split('\u0000');
      out.push(`sidrec_http_requests_total{method="${method}",route="${escape(route)}",status="${status}"} ${n}`);
    }
    out.push('# HELP sidrec_http_request_duration_seconds Time from request received to response sent.');
    out.push('# TYPE sidrec_http_request_duration_seconds histogram');
    for (const [key, h] of [...this.latency].sort()) {
      const [method, route, statusClass] = key.split('\u0000');
      const labels = `method="${method}",route="${escape(route)}",status_class="${statusClass}"`;
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, b) => {
        cumulative += h.counts[b];
        out.push(`sidrec_http_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
      });
      out.push(`sidrec_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`sidrec_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`sidrec_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    out.push('# HELP sidrec_shed_requests_total Requests refused with 503 because the server was saturated.');
    out.push('# TYPE sidrec_shed_requests_total counter');
    out.push(`sidrec_shed_requests_total ${this.shedTotal}`);
    out.push('# HELP sidrec_uptime_seconds Seconds since the server started.');
    out.push('# TYPE sidrec_uptime_seconds gauge');
    out.push(`sidrec_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    for (const [name, g] of Object.entries(this.gauges())) {
      out.push(`# HELP sidrec_${name} ${g.help}`);
      out.push(`# TYPE sidrec_${name} gauge`);
      out.push(`sidrec_${name} ${g.value}`);
    }
    return `${out.join('\n')}\n`;
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
