package cluster

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/tunnel/server"
)

func TestConfigErrorsNameTheField(t *testing.T) {
	ca, err := server.NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	good := func() Config {
		return Config{
			Server: server.Config{
				TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true, DevCA: ca,
			},
			Endpoints: []string{"http://127.0.0.1:1"},
			Name:      "a",
			Advertise: "127.0.0.1:0",
		}
	}
	for field, mutate := range map[string]func(*Config){
		"Endpoints":          func(c *Config) { c.Endpoints = nil },
		"Name":               func(c *Config) { c.Name = "a/b" },
		"Advertise":          func(c *Config) { c.Advertise = ":7000" },
		"Certificate":        func(c *Config) { c.Server.DevCA = nil },
		"LeaseTTL":           func(c *Config) { c.LeaseTTL = time.Second },
		"Server.Registry":    func(c *Config) { c.Server.Registry = &registry{} },
		"StoreTimeout":       func(c *Config) { c.StoreTimeout = -time.Second },
		"ForwardDialTimeout": func(c *Config) { c.ForwardDialTimeout = -time.Second },
	} {
		c := good()
		mutate(&c)
		_, err := New(c)
		if err == nil || !strings.HasPrefix(err.Error(), "cluster: Config."+field+": ") {
			t.Errorf("%s: got %v", field, err)
		}
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Config."+field {
			t.Errorf("%s: %v is not an *httpmw.ConfigError naming the field", field, err)
		}
	}
}
