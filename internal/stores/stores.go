// Package stores opens the destinations a configuration declares: it turns
// each spec.Destination into the providers.Config rclone needs (resolving
// env() values, saying which variable is missing) and opens it. It is the one
// place between the configuration and the executor's opened stores.
package stores

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/spec"
)

// ErrUnsetEnv is what errors.Is finds in the error of opening a destination
// whose value comes from env() of a variable that is not set.
var ErrUnsetEnv = errors.New("environment variable not set")

// unsetEnvError says which environment variable a destination needs and
// where the value was declared.
type unsetEnvError struct{ dest, what, name, where string }

func (e *unsetEnvError) Error() string {
	return fmt.Sprintf("destination %q: %s needs environment variable %s, which is not set (%s); export it and run again",
		e.dest, e.what, e.name, e.where)
}

func (e *unsetEnvError) Is(target error) bool { return target == ErrUnsetEnv }

// resolve returns a Value's string, or an error saying which environment
// variable is missing and where the value was declared.
func resolve(dest, what string, v spec.Value) (string, error) {
	if v.UnsetEnv != "" {
		return "", &unsetEnvError{dest: dest, what: what, name: v.UnsetEnv, where: v.Range.String()}
	}
	return v.Str, nil
}

// ProviderConfig turns a destination of the config into what providers.Open needs.
func ProviderConfig(d *spec.Destination) (providers.Config, error) {
	remote, err := resolve(d.Name, "remote", d.Remote)
	if err != nil {
		return providers.Config{}, err
	}
	c := providers.Config{Name: d.Name, Remote: remote, Options: map[string]string{},
		KnownHostsFile: d.KnownHosts, InsecureSkipHostKey: d.InsecureSkipHostKey, Timeout: d.Timeout,
		FileMode: d.FileMode, GID: d.GID, HasGID: d.HasGID, Removable: d.Removable}
	if d.BwLimit != nil {
		c.BwLimit = d.BwLimit.Timetable
	}
	for _, k := range sortedKeys(d.Options) {
		if c.Options[k], err = resolve(d.Name, "option "+k, d.Options[k]); err != nil {
			return providers.Config{}, err
		}
		if d.Options[k].Sensitive {
			if c.SensitiveOptions == nil {
				c.SensitiveOptions = map[string]bool{}
			}
			c.SensitiveOptions[k] = true
		}
	}
	if d.Encrypt != nil {
		if c.CryptPassword, err = resolve(d.Name, "encrypt.password", d.Encrypt.Password); err != nil {
			return providers.Config{}, err
		}
		if c.CryptPassword2, err = resolve(d.Name, "encrypt.password2", d.Encrypt.Password2); err != nil {
			return providers.Config{}, err
		}
	}
	return c, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Open opens every destination the configuration's tiers use (or only
// those named, when names is non-empty).
func Open(ctx context.Context, cfg *spec.Config, names ...string) (executor.Stores, error) {
	st, down, err := OpenReachable(ctx, cfg, names...)
	if err == nil && len(down) > 0 {
		return nil, down[sortedKeys(down)[0]]
	}
	return st, err
}

// OpenReachable is Open, except that a destination whose server cannot be
// reached (providers.CouldNotConnect: refused, timed out) is left out of
// the stores and returned in down, by name, instead of failing the rest: a
// remote server that is down must not keep the other tiers from their
// backups. Any other error opening a destination is still the error.
func OpenReachable(ctx context.Context, cfg *spec.Config, names ...string) (executor.Stores, map[string]error, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	stores, down := executor.Stores{}, map[string]error{}
	for _, t := range cfg.Tiers {
		for _, d := range t.Destinations {
			_, done := stores[d.Name]
			if _, failed := down[d.Name]; done || failed || (len(want) > 0 && !want[d.Name]) {
				continue
			}
			pc, err := ProviderConfig(d)
			if err != nil {
				return nil, nil, err
			}
			s, err := providers.Open(ctx, pc)
			switch {
			case err == nil:
				stores[d.Name] = s
			case providers.CouldNotConnect(err) && ctx.Err() == nil:
				down[d.Name] = err
			default:
				return nil, nil, err
			}
		}
	}
	return stores, down, nil
}
