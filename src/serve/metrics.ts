/**
 * Prometheus metrics in the text exposition format (0.0.4), kept by hand: request counters by route and
 * status, a request-latency histogram by route and status class (so fast 503s and 400s do not hide the latency
 * of answered requests), shed requests, and gauges read at scrape time (pending
 * queries, items, added items, model generation), plus the process: resident memory, V8 heap, event-loop delay
 * (quantiles) and utilisation since the previous scrape, uptime. Routes are the registered patterns, never raw
 * URLs, so the label set stays bounded.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/** Sampling interval of the event-loop delay monitor; a sample is its timer's lateness beyond this. */
const LOOP_RESOLUTION_MS = 10;

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
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(private readonly gauges: Gauges) {
    this.loopDelay.enable();
  }

  /** Stops the event-loop delay sampler (the app's close hook). */
  stop(): void {
    this.loopDelay.disable();
  }

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
      out.push(`sidrec_http_requests_total{method="${method}",route="${escapeLabel(route)}",status="${status}"} ${n}`);
    }
    out.push('# HELP sidrec_http_request_duration_seconds Time from request received to response sent.');
    out.push('# TYPE sidrec_http_request_duration_seconds histogram');
    for (const [key, h] of [...this.latency].sort()) {
      const [method, route, statusClass] = key.split('\u0000');
      const labels = `method="${method}",route="${escapeLabel(route)}",status_class="${statusClass}"`;
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
    this.renderProcess(out);
    return `${out.join('\n')}\n`;
  }

  /** Process gauges; event-loop figures cover the time since the previous scrape (then restart). */
  private renderProcess(out: string[]): void {
    const mem = process.memoryUsage();
    const gauge = (name: string, help: string, value: number): void => {
      out.push(`# HELP sidrec_${name} ${help}`, `# TYPE sidrec_${name} gauge`, `sidrec_${name} ${value}`);
    };
    gauge('process_resident_memory_bytes', 'Resident set size of the server process.', mem.rss);
    gauge('process_heap_used_bytes', 'V8 heap in use.', mem.heapUsed);
    gauge('process_heap_total_bytes', 'V8 heap allocated.', mem.heapTotal);
    gauge('process_external_memory_bytes', 'Memory of buffers and typed arrays outside the V8 heap.', mem.external + mem.arrayBuffers);
    gauge('process_uptime_seconds', 'Seconds since the process started.', process.uptime());
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    gauge(
      'event_loop_utilization',
      'Share of time the event loop was busy since the previous scrape (0..1).',
      Number.isFinite(elu.utilization) ? elu.utilization : 0,
    );
    const h = this.loopDelay;
    out.push(
      '# HELP sidrec_event_loop_delay_seconds How late a 10 ms timer fired, quantiles since the previous scrape.',
      '# TYPE sidrec_event_loop_delay_seconds gauge',
    );
    for (const [label, ns] of [
      ['0.5', h.percentile(50)],
      ['0.99', h.percentile(99)],
      ['1', h.max],
    ] as const) {
      out.push(`sidrec_event_loop_delay_seconds{quantile="${label}"} ${h.count > 0 ? Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000) : 0}`);
    }
    h.reset();
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
