package reconcile

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stratabackup/strata/executor"
)

// Metrics are the Prometheus metrics of a Loop, in a registry of
// their own (never the global one).
type Metrics struct {
	reg         *prometheus.Registry
	snapshots   *prometheus.GaugeVec
	bytes       *prometheus.GaugeVec
	newest      *prometheus.GaugeVec
	actions     *prometheus.CounterVec
	reconciles  *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	lastFailure prometheus.Gauge
	configValid prometheus.Gauge
	commit      *prometheus.GaugeVec
	nextWake    prometheus.Gauge
}

var locationLabels = []string{"app", "tier", "destination"}

func newMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		snapshots: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "strata_snapshots",
			Help: "Complete snapshots stored per application, tier and destination (as `strata ls`)."}, locationLabels),
		bytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "strata_snapshot_bytes",
			Help: "Logical bytes (tar streams, what they restore to) of the complete snapshots per application, tier and destination, as `strata ls` shows them; the chunks are stored once per destination."}, locationLabels),
		newest: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "strata_newest_snapshot_timestamp_seconds",
			Help: "Time of the newest complete snapshot per application, tier and destination."}, locationLabels),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_actions_total",
			Help: "Actions run, by kind and outcome (done, failed, skipped, not started)."}, []string{"kind", "outcome"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_reconciles_total",
			Help: "Reconciles, by result (success, failure)."}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "strata_reconcile_duration_seconds",
			Help: "Duration of a reconcile: listing, plan and apply.", Buckets: prometheus.ExponentialBuckets(0.1, 4, 10)}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "strata_last_success_timestamp_seconds",
			Help: "End of the last reconcile in which everything succeeded."}),
		lastFailure: prometheus.NewGauge(prometheus.GaugeOpts{Name: "strata_last_failure_timestamp_seconds",
			Help: "End of the last reconcile in which something failed."}),
		configValid: prometheus.NewGauge(prometheus.GaugeOpts{Name: "strata_config_valid",
			Help: "1 when the configuration on disk is valid, 0 when the last edit is invalid (the last valid one keeps running)."}),
		commit: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "strata_applied_commit_info",
			Help: "The git commit of the configuration last reconciled (1 for that commit)."}, []string{"commit"}),
		nextWake: prometheus.NewGauge(prometheus.GaugeOpts{Name: "strata_next_wakeup_timestamp_seconds",
			Help: "When the next reconcile is due."}),
	}
	m.reg.MustRegister(m.snapshots, m.bytes, m.newest, m.actions, m.reconciles, m.duration, m.lastSuccess,
		m.lastFailure, m.configValid, m.commit, m.nextWake,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// observeStored replaces the per-location gauges with what apps' locations say.
func (m *Metrics) observeStored(apps []AppStatus) {
	m.snapshots.Reset()
	m.bytes.Reset()
	m.newest.Reset()
	for _, a := range apps {
		m.observeLocations(a.Locations)
	}
}

func (m *Metrics) observeLocations(rows []Location) {
	for _, r := range rows {
		if r.Error != "" {
			continue // a failed listing says nothing about what is stored
		}
		m.snapshots.WithLabelValues(r.App, r.Tier, r.Destination).Set(float64(r.Snapshots))
		m.bytes.WithLabelValues(r.App, r.Tier, r.Destination).Set(float64(r.Logical))
		if !r.NewestTime.IsZero() {
			m.newest.WithLabelValues(r.App, r.Tier, r.Destination).Set(float64(r.NewestTime.Unix()))
		}
	}
}

// observeRun counts one reconcile's actions and result.
func (m *Metrics) observeRun(rep *executor.Report, ok bool, took time.Duration, end time.Time, commit string) {
	if rep != nil {
		for _, r := range rep.Results {
			m.actions.WithLabelValues(r.Action.Kind.String(), r.Status.String()).Inc()
		}
	}
	m.duration.Observe(took.Seconds())
	if ok {
		m.reconciles.WithLabelValues("success").Inc()
		m.lastSuccess.Set(float64(end.Unix()))
	} else {
		m.reconciles.WithLabelValues("failure").Inc()
		m.lastFailure.Set(float64(end.Unix()))
	}
	m.commit.Reset()
	if commit != "" {
		m.commit.WithLabelValues(commit).Set(1)
	}
}
