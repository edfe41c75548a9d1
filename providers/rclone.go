package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/configfile"
)

// rclone is used as a library: its global configuration and logger are
// process-wide. setup makes them fit a library user once; loadConfig keeps
// the user's rclone.conf (RCLONE_CONFIG) loaded.

var setupOnce sync.Once

// setup quiets rclone and sets sane global options. It runs once, before the
// first Open or SetLogHandler.
func setup() {
	setupOnce.Do(func() {
		ci := fs.GetConfig(context.Background())
		ci.AskPassword = false // never prompt on a terminal
		ci.LowLevelRetries = 3 // the executor retries whole actions; keeps a dead server's errors quick
		connect, idle := defaultTimeouts()
		ci.ConnectTimeout = fs.Duration(connect)
		ci.Timeout = fs.Duration(idle)
		ci.UseServerModTime = true // list modtimes without a request per object
		ci.Progress = false
		setLogHandler(ci, slog.DiscardHandler)
	})
}

// SetLogHandler routes rclone's own log messages to h (by default they are
// discarded). Messages are redacted: option values and passwords given to
// Open never reach h. rclone's verbosity follows the lowest level h enables.
func SetLogHandler(h slog.Handler) {
	setup()
	setLogHandler(fs.GetConfig(context.Background()), h)
}

func setLogHandler(ci *fs.ConfigInfo, h slog.Handler) {
	ci.LogLevel = rcloneLevel(h)
	fs.SetLogger(redactHandler{h: h})
}

// rcloneLevel is the most verbose rclone level h wants.
func rcloneLevel(h slog.Handler) fs.LogLevel {
	ctx := context.Background()
	switch {
	case h.Enabled(ctx, slog.LevelDebug):
		return fs.LogLevelDebug
	case h.Enabled(ctx, slog.LevelInfo):
		return fs.LogLevelInfo
	case h.Enabled(ctx, fs.SlogLevelNotice):
		return fs.LogLevelNotice
	default:
		return fs.LogLevelError
	}
}

var (
	configMu      sync.Mutex
	configLoaded  bool
	configEnv     string // RCLONE_CONFIG when the config was last loaded
	defaultConfig string // rclone's own choice of config file
)

// loadConfig makes sure rclone reads the user's rclone.conf: the file named
// by RCLONE_CONFIG, or rclone's default. It loads once, and again only if
// RCLONE_CONFIG changed; rclone itself reloads a file edited on disk. A
// missing file is an empty config.
func loadConfig() error {
	configMu.Lock()
	defer configMu.Unlock()
	env := os.Getenv("RCLONE_CONFIG")
	if configLoaded && env == configEnv {
		return nil
	}
	if defaultConfig == "" {
		defaultConfig = config.GetConfigPath()
	}
	p := env
	if p == "" {
		p = defaultConfig
	}
	configLoaded = false // until this load succeeds
	if err := config.SetConfigPath(p); err != nil {
		return fmt.Errorf("rclone config %q: %w", p, err)
	}
	// Load once ourselves: rclone's own loader exits the process on a bad file.
	st := &configfile.Storage{}
	if err := st.Load(); err != nil && !errors.Is(err, config.ErrorConfigFileNotFound) {
		return fmt.Errorf("rclone config %q: %w", p, err)
	}
	config.SetData(st)
	config.LoadedData()
	configLoaded, configEnv = true, env
	return nil
}
