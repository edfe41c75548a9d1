package spec

import (
	"slices"
	"testing"
)

func TestNotifyBlock(t *testing.T) {
	src := minimal + `
notify "ops" {
  on      = ["failure", "recovered"]
  command = ["logger", "-t", "strata"]
  webhook {
    url     = "https://hooks.example.org/strata"
    headers = { Authorization = env("HOOK_TOKEN"), X-Team = "ops" }
  }
  email {
    smtp     = "mail.example.org:587"
    from     = "strata@example.org"
    to       = ["ops@example.org", "oncall@example.org"]
    username = "strata"
    password = env("SMTP_PASSWORD")
  }
}

notify "all" {
  command = ["true"]
}
`
	env := func(k string) (string, bool) {
		return map[string]string{"HOOK_TOKEN": "Bearer s3cret"}[k], k == "HOOK_TOKEN"
	}
	cfg, diags := loadSrc(t, src, LoadOptions{LookupEnv: env})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(cfg.Notifications) != 2 {
		t.Fatalf("got %d notify blocks, want 2", len(cfg.Notifications))
	}
	n := cfg.Notifications[0]
	if n.Name != "ops" || !slices.Equal(n.On, []string{"failure", "recovered"}) || !n.Wants("failure") || n.Wants("stale") {
		t.Errorf("ops: name %q on %v", n.Name, n.On)
	}
	if !slices.Equal(n.Command, []string{"logger", "-t", "strata"}) {
		t.Errorf("command = %v", n.Command)
	}
	auth := n.Webhook.Headers["Authorization"]
	if n.Webhook.URL.Str != "https://hooks.example.org/strata" || auth.Str != "Bearer s3cret" || !auth.Sensitive {
		t.Errorf("webhook = %+v", n.Webhook)
	}
	e := n.Email
	if e.SMTP != "mail.example.org:587" || e.From != "strata@example.org" || len(e.To) != 2 ||
		e.Username.Str != "strata" || e.Password.UnsetEnv != "SMTP_PASSWORD" {
		t.Errorf("email = %+v", e)
	}
	if all := cfg.Notifications[1]; !slices.Equal(all.On, StateEvents) || all.Wants(EventStart) {
		t.Errorf("a block without `on` fires on %v, want the changes of state", all.On)
	}
}

func TestNotifyPing(t *testing.T) {
	src := minimal + `
application "docs" {
  source { paths = ["/docs"] }
}

notify "hc" {
  ping = "https://hc-ping.com/0f1e"
}

notify "hc-docs" {
  ping        = env("HC_URL")
  application = application.docs
  on          = ["start", "success", "failure", "stale"]
}
`
	cfg, diags := loadSrc(t, src, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	hc, docs := cfg.Notifications[0], cfg.Notifications[1]
	if hc.Ping == nil || hc.Ping.Str != "https://hc-ping.com/0f1e" || !slices.Equal(hc.On, PingEvents) || hc.Application != "" {
		t.Errorf("hc = %+v", hc)
	}
	if docs.Ping == nil || docs.Ping.UnsetEnv != "HC_URL" || docs.Application != "docs" || !docs.Wants(EventStale) {
		t.Errorf("hc-docs = %+v", docs)
	}
}
